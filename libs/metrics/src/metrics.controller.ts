import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@regulink/access';
import { MetricsService } from './metrics.service';

@ApiTags('node')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text exposition; scrape with a `system` account's bearer token. */
  @Get()
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Roles(Role.Admin, Role.System)
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
