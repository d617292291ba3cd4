import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Role, Roles } from '@regulink/access';
import { LimitQueryDto } from '../limit-query.dto';
import { LandingService } from './landing.service';

const OUTCOMES = ['matched', 'mismatch', 'not-found', 'deregistered', 'revoked', 'ambiguous'] as const;
const SELLERS = ['registered', 'unregistered'] as const;

export class LandingListQueryDto extends LimitQueryDto {
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: (typeof OUTCOMES)[number];

  /**
   * Sellers registered (a credit code or registration number), or unregistered natural persons
   * reporting an exemption ground: these are on no register, so not-found is all they can be.
   */
  @IsOptional()
  @IsIn(SELLERS)
  seller?: (typeof SELLERS)[number];
}

/** Landing (网店落地) of the shops at home in this region, on its own register. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('registry/landing')
export class LandingController {
  constructor(private readonly landing: LandingService) {}

  /** Lands every local shop not landed since it last changed; answers how many, by outcome. */
  @Post('run')
  @HttpCode(200)
  @Roles(Role.Admin, Role.System)
  run() {
    return this.landing.landLocal();
  }

  /**
   * Shops that failed to land on an error of their own (the shops beside them landed), the most
   * recent failure first: what each failed on, how often; each is tried again until it lands.
   */
  @Get('failures')
  @Roles(Role.Admin, Role.System)
  failures(@Query() query: LimitQueryDto) {
    return this.landing.failures(query.limit ?? 1000);
  }

  /** Landing results, newest first, of one outcome or all, of registered or unregistered sellers or both. */
  @Get()
  @Roles(Role.Admin, Role.System, Role.Officer)
  list(@Query() query: LandingListQueryDto) {
    return this.landing.list(query.outcome ?? null, query.limit ?? 1000, query.seller ?? null);
  }
}
