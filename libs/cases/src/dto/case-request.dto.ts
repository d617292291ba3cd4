import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  AssistContentDto,
  ClueContentDto,
  EvidenceUploadDto,
  MAX_STEP_FILES,
  REGION,
  RestrictionsDto,
  SHA256_HEX,
  YUAN,
} from './case-content.dto';
import { IsCalendarDay } from '@regulink/domain';
import { Chars, IntegerText } from '@regulink/protocol';

/** The evidence a new case or a step carries: inline (base64), or uploaded before. */
class Attachments {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_STEP_FILES)
  @ValidateNested({ each: true })
  @Type(() => EvidenceUploadDto)
  evidence?: EvidenceUploadDto[];

  /** Files uploaded before (`POST /cases/evidence`), by their SHA-256. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_STEP_FILES)
  @Matches(SHA256_HEX, { each: true, message: 'uploads must be SHA-256 digests in hex' })
  uploads?: string[];
}

/** Where a case goes when the officer overrides the region computed for it, and why. */
class RoutingOverride extends Attachments {
  /** The region to send to instead of the one computed; needs `overrideReason`. */
  @IsOptional()
  @Matches(REGION, { message: 'to must be a six-digit region code' })
  to?: string;

  @ValidateIf((o: RoutingOverride) => o.to !== undefined)
  @IsString()
  @Chars(1, 500)
  overrideReason?: string;
}

/** The caller's own name for a request that creates a case, to send it again safely. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What every request creating a case has: attachments, a routing override, a request id. */
class NewCaseRequest extends RoutingOverride {
  /**
   * The caller's id for this request (a UUID, say): sent again by the same user, the case it
   * created comes back and nothing is sent twice; with other content, it is refused.
   */
  @IsOptional()
  @Matches(REQUEST_ID, { message: 'requestId must be 1 to 64 letters, digits, ".", "_" or "-"' })
  requestId?: string;
}

/** `POST /cases/clues`: a new clue, sent at once to the region with jurisdiction. */
export class ClueCreateDto extends NewCaseRequest {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ClueContentDto)
  clue!: ClueContentDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RestrictionsDto)
  restrictions?: RestrictionsDto;
}

/** `POST /cases/assists`: a new assistance request to the region of the entity's home. */
export class AssistCreateDto extends NewCaseRequest {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AssistContentDto)
  request!: AssistContentDto;
}

/** `POST /cases/:id/steps`: the next step of a case, taken by this node's side. */
export class CaseStepDto extends Attachments {
  @IsString()
  @Chars(1, 32)
  action!: string;

  @IsOptional()
  @IsString()
  @Chars(1, 2000)
  reason?: string;

  /** For a transfer: the competent region. */
  @IsOptional()
  @Matches(REGION, { message: 'toRegion must be a six-digit region code' })
  toRegion?: string;

  /** For a pause: `testing`, `appraisal` or `right-holder-identification`. */
  @IsOptional()
  @IsIn(['testing', 'appraisal', 'right-holder-identification'])
  ground?: 'testing' | 'appraisal' | 'right-holder-identification';

  /** For a filing: the case number (立案号). */
  @IsOptional()
  @IsString()
  @Chars(1, 100)
  caseNumber?: string;

  /** For a transfer to the police: which authority. */
  @IsOptional()
  @IsString()
  @Chars(1, 200)
  authority?: string;

  /** For a transfer to another department: which. */
  @IsOptional()
  @IsString()
  @Chars(1, 200)
  department?: string;

  /** For a result: `penalty`, `no-penalty` or `withdrawn`, the penalty in yuan and the decision number. */
  @IsOptional()
  @IsIn(['penalty', 'no-penalty', 'withdrawn'])
  outcome?: 'penalty' | 'no-penalty' | 'withdrawn';

  @IsOptional()
  @Matches(YUAN, { message: 'penaltyYuan must be yuan with at most two decimals' })
  penaltyYuan?: string;

  @IsOptional()
  @IsString()
  @Chars(1, 100)
  decisionNumber?: string;

  /** For an answer to an assistance request. */
  @IsOptional()
  @IsString()
  @Chars(1, 8000)
  answer?: string;

  /** For a request for more time: how many working days more. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  workingDays?: number;
}

/** `POST /cases/evidence`: the file's name and media type; the body is the file. */
export class EvidenceUploadQueryDto {
  @IsString()
  @Chars(1, 200)
  name!: string;

  @IsOptional()
  @Chars(3, 100)
  @Matches(/^[a-z]+\/[a-z0-9.+-]+$/i, { message: 'mediaType must be a media type such as image/jpeg' })
  mediaType?: string;
}

/** `GET /cases`: the inbox (received) or outbox (sent), filtered. */
export class CaseListQueryDto {
  @IsIn(['inbox', 'outbox'])
  box!: 'inbox' | 'outbox';

  @IsOptional()
  @IsIn(['clue', 'assist'])
  kind?: 'clue' | 'assist';

  @IsOptional()
  @IsString()
  @Chars(1, 32)
  state?: string;

  /** The other side's region. */
  @IsOptional()
  @Matches(REGION)
  region?: string;

  @IsOptional()
  @IsString()
  @Chars(1, 200)
  brand?: string;

  /** Only cases due on or before this day. */
  @IsOptional()
  @IsCalendarDay()
  dueBefore?: string;

  /** `overdue` or `due-soon` (within three working days), as of `asOf` (default today in China). */
  @IsOptional()
  @IsIn(['overdue', 'due-soon'])
  due?: 'overdue' | 'due-soon';

  @IsOptional()
  @IsCalendarDay()
  asOf?: string;

  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** `GET /cases/figures`: per agreement and direction, over a period of send dates. */
export class CaseFiguresQueryDto {
  @IsCalendarDay()
  from!: string;

  @IsCalendarDay()
  to!: string;

  @IsOptional()
  @IsCalendarDay()
  asOf?: string;
}
