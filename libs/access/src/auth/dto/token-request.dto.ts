import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class TokenRequestDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ writeOnly: true })
  @IsString()
  @Length(1, 200)
  password!: string;
}
