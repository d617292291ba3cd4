import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { Chars } from '@regulink/protocol';

export class TokenRequestDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Chars(1, 64)
  username!: string;

  @ApiProperty({ writeOnly: true })
  @IsString()
  @Chars(1, 200)
  password!: string;
}
