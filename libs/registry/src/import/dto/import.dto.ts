import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IntegerText } from '@regulink/protocol';
import { LimitQueryDto } from '../../limit-query.dto';

export class ImportIdParamDto {
  @IsUUID()
  id!: string;
}

export class ImportStartQueryDto {
  /** The id of an interrupted or failed import of the same file, to go on after its last committed line. */
  @IsOptional()
  @IsUUID()
  resume?: string;

  /**
   * The id to give a new import, chosen by the client so that it can follow the import's progress
   * (`GET /registry/imports/:id`) while it uploads, and resume it should the connection drop.
   */
  @IsOptional()
  @IsUUID()
  id?: string;
}

export class ImportRejectionsQueryDto {
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  afterLine?: number;

  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  @Max(10_000)
  lines?: number;
}

/** `GET /registry/imports`: the most recent imports, of one kind and state or all. */
export class ImportListQueryDto extends LimitQueryDto {
  @IsOptional()
  @IsIn(['entities', 'shops'])
  kind?: 'entities' | 'shops';

  @IsOptional()
  @IsIn(['running', 'completed', 'failed', 'interrupted'])
  state?: string;
}
