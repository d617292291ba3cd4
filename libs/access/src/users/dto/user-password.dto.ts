import { ApiProperty } from '@nestjs/swagger';
import { NewPassword } from './new-password';

/** A new password an administrator sets for an account. */
export class UserPasswordDto {
  @ApiProperty({ minLength: 12, maxLength: 200, writeOnly: true })
  @NewPassword()
  password!: string;
}
