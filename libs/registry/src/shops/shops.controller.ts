import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@regulink/access';
import { ShopRoutingService } from './shop-routing.service';

/** The shops this node's platforms reported, seen by where they belong. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('registry/shops')
export class ShopsController {
  constructor(private readonly routing: ShopRoutingService) {}

  /** How many shops belong to each region, and whether they can go there now (or why not). */
  @Get('routes')
  @Roles(Role.Admin, Role.System)
  routes() {
    return this.routing.plan();
  }
}
