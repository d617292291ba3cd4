import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { IsCalendarDay } from '@regulink/domain';
import { CurrentUser, Role, Roles, type AuthenticatedUser } from '@regulink/access';
import { DiscloseRequestDto, ResolveRequestDto } from './dto/resolve-request.dto';
import { LimitQueryDto } from '../limit-query.dto';
import { ResolveService } from './resolve.service';

export class LookupListQueryDto extends LimitQueryDto {
  /** Upper or lower case, as a lookup takes it. */
  @IsOptional()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/i)
  creditCode?: string;

  @IsOptional()
  @IsIn(['local', 'out', 'in'])
  direction?: 'local' | 'out' | 'in';

  /** The first and last calendar day (China time) of the lookups wanted, both included. */
  @IsOptional()
  @IsCalendarDay()
  from?: string;

  @IsOptional()
  @IsCalendarDay()
  to?: string;

  /** For the next page: the lookups recorded before this one (the last id of the page before). */
  @IsOptional()
  @IsUUID()
  before?: string;
}

/** Resolving shops and entities across regions, and the record of every lookup. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('resolve')
export class ResolveController {
  constructor(private readonly resolver: ResolveService) {}

  /** One lookup: a shop (URL, or platform and shop id), a credit code or a name, with purpose and case reference. */
  @Post()
  @HttpCode(200)
  @Roles(Role.Officer)
  resolve(@CurrentUser() user: AuthenticatedUser, @Body() body: ResolveRequestDto) {
    return this.resolver.resolve(user, body);
  }

  /** Under two-step disclosure: the records of a hit, asked for by its reference, with purpose and case reference. */
  @Post('disclose')
  @HttpCode(200)
  @Roles(Role.Officer)
  disclose(@CurrentUser() user: AuthenticatedUser, @Body() body: DiscloseRequestDto) {
    return this.resolver.disclose(user, body);
  }

  /**
   * Lookups recorded here, newest first: `direction=in` are other regions' officers' lookups of
   * this region's data; `creditCode` narrows them to those that returned that entity, `from` and
   * `to` to those days (China time); `before` gives the page after the one ending with that id.
   */
  @Get('lookups')
  @Roles(Role.Admin)
  lookups(@Query() query: LookupListQueryDto) {
    return this.resolver.lookups({
      creditCode: query.creditCode?.toUpperCase() ?? null,
      direction: query.direction ?? null,
      from: query.from ?? null,
      to: query.to ?? null,
      before: query.before ?? null,
      limit: query.limit ?? 1000,
    });
  }
}
