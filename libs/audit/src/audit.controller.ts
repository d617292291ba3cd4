import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Role, Roles } from '@regulink/access';
import { AuditLog } from './audit-log.service';
import {
  ConsistencyProofResponseDto,
  ConsistencyQueryDto,
  InclusionProofResponseDto,
  InclusionQueryDto,
  TreeHeadResponseDto,
} from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  /** The latest signed tree head (one is signed now if the log has none yet). */
  @Get('tree-head')
  @Roles(Role.Admin, Role.Officer)
  async treeHead(): Promise<TreeHeadResponseDto> {
    return (await this.audit.latestTreeHead()) ?? this.audit.signTreeHead();
  }

  /** Signs a tree head over the log as it is now. */
  @Post('tree-head')
  @HttpCode(200)
  @Roles(Role.Admin)
  signTreeHead(): Promise<TreeHeadResponseDto> {
    return this.audit.signTreeHead();
  }

  /** Recomputes the log from its entries and reports any stored row that does not match. */
  @Get('verify')
  @Roles(Role.Admin)
  verify(): Promise<{ entries: number; treeHeads: number; problems: string[] }> {
    return this.audit.verify();
  }

  @Get('proofs/inclusion')
  @Roles(Role.Admin, Role.Officer)
  inclusion(@Query() query: InclusionQueryDto): Promise<InclusionProofResponseDto> {
    return this.audit.inclusionProof(query.index, query.size);
  }

  @Get('proofs/consistency')
  @Roles(Role.Admin, Role.Officer)
  consistency(@Query() query: ConsistencyQueryDto): Promise<ConsistencyProofResponseDto> {
    return this.audit.consistencyProof(query.from, query.to);
  }
}
