import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class RegionParamDto {
  @ApiProperty({ example: '370000' })
  @Matches(/^\d{6}$/, { message: 'region must be a six-digit division code' })
  region!: string;
}
