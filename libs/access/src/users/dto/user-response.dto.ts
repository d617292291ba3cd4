import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../../role';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty()
  displayName!: string;

  @ApiProperty({ enum: Role, isArray: true })
  roles!: Role[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty()
  createdBy!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  disabledAt!: string | null;
}
