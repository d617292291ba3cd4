import { applyDecorators } from '@nestjs/common';
import { IsString, Matches } from 'class-validator';
import { MaxChars, MinChars } from '@regulink/protocol';

/** The rules every new password meets: 12 to 200 characters, not only spaces. */
export function NewPassword(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MinChars(12),
    MaxChars(200),
    Matches(/\S/, { message: '$property must not be only spaces' }),
  );
}
