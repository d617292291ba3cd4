import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '@regulink/access';
import { HealthRepository } from './health.repository';

class HealthResponseDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
  @ApiProperty({ required: false, example: 'up' })
  database?: 'up';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthRepository) {}

  /** The process is up. */
  @Get('live')
  @Public()
  live(): HealthResponseDto {
    return { status: 'ok' };
  }

  /** The node can serve: its database answers and its schema is current. */
  @Get('ready')
  @Public()
  async ready(): Promise<HealthResponseDto> {
    if (!(await this.health.databaseReady()))
      throw new ServiceUnavailableException('the database is not ready');
    return { status: 'ok', database: 'up' };
  }
}
