import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsUUID,
  ValidateIf,
} from 'class-validator';
import { Role } from '../../role';

/** What an administrator changes in an account: its roles, whether it is disabled, or both. */
export class UserUpdateDto {
  @ApiPropertyOptional({
    enum: Role,
    isArray: true,
    example: [Role.Officer],
    description: 'replaces the roles',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsEnum(Role, { each: true })
  roles?: Role[];

  @ApiPropertyOptional({ description: 'true disables the account and ends its tokens; false enables it' })
  // Checked also when both are missing, to say that one is needed.
  @ValidateIf((body: UserUpdateDto) => body.disabled !== undefined || body.roles === undefined)
  @IsBoolean({ message: 'disabled must be a boolean (give roles, disabled or both)' })
  disabled?: boolean;
}

export class UserIdParamDto {
  @IsUUID()
  id!: string;
}
