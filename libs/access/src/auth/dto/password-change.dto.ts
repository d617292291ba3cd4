import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { Chars } from '@regulink/protocol';
import { NewPassword } from '../../users/dto/new-password';

/** A user changing their own password, proving they know the current one. */
export class PasswordChangeDto {
  @ApiProperty({ writeOnly: true })
  @IsString()
  @Chars(1, 200)
  currentPassword!: string;

  @ApiProperty({ minLength: 12, maxLength: 200, writeOnly: true })
  @NewPassword()
  newPassword!: string;
}
