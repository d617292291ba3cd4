import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';
import { Role, Roles } from '@regulink/access';
import { EvidenceService } from './evidence.service';
import { MaxChars } from '@regulink/protocol';

export class ShopKeyQueryDto {
  /** The platform's name, written any way that names the same platform (see the shop lookups). */
  @IsString()
  @IsNotEmpty()
  @MaxChars(64)
  platform!: string;

  /** The shop's URL, written any way (normalized on the node as the import does). */
  @IsString()
  @IsNotEmpty()
  @MaxChars(2000)
  url!: string;
}

/** Evidence bundles of records received from other regions, to keep or to hand to a court. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('registry/evidence')
export class EvidenceController {
  constructor(private readonly evidence: EvidenceService) {}

  /** A shop synced here from the platform's region. */
  @Get('shop')
  @Roles(Role.Admin, Role.Officer)
  shop(@Query() query: ShopKeyQueryDto) {
    return this.evidence.shop(query.platform, query.url);
  }

  /** A landing result returned here by the shop's home region. */
  @Get('landing')
  @Roles(Role.Admin, Role.Officer)
  landing(@Query() query: ShopKeyQueryDto) {
    return this.evidence.landing(query.platform, query.url);
  }
}
