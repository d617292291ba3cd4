import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsEnum, IsString, Matches, ValidateBy } from 'class-validator';
import { Role } from '../../role';
import { Chars, isPasswordTheUsername, USERNAME_FORM } from '@regulink/protocol';
import { NewPassword } from './new-password';

export class UserCreateDto {
  @ApiProperty({
    example: 'li.wei',
    description: 'lower-case letters, digits, dot, dash, underscore; 3-64 characters',
  })
  @Matches(USERNAME_FORM, {
    message:
      'username must be 3-64 characters: lower-case letters, digits, dot, dash or underscore, starting with a letter',
  })
  username!: string;

  @ApiProperty({ example: '李伟' })
  @IsString()
  @Chars(1, 100)
  displayName!: string;

  @ApiProperty({ minLength: 12, maxLength: 200, writeOnly: true })
  @NewPassword()
  @ValidateBy({
    name: 'notTheUsername',
    validator: {
      validate: (value: unknown, args) =>
        typeof value !== 'string' ||
        !isPasswordTheUsername(value, String((args?.object as UserCreateDto).username)),
      defaultMessage: () => 'password must not be the username',
    },
  })
  password!: string;

  @ApiProperty({ enum: Role, isArray: true, example: [Role.Officer] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsEnum(Role, { each: true })
  roles!: Role[];
}
