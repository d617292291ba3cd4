import { PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { LandingCandidateDto, LandingSyncRecordDto } from '../../landing/dto/landing-sync-record.dto';
import { ENTITY_STATUSES } from '../../register/dto/market-entity-line.dto';
import { HOME_SOURCES, ShopRecordFieldsDto } from '../../shops/dto/shop-sync-record.dto';
import { MaxChars } from '@regulink/protocol';

const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const DIVISION = /^[0-9]{6}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The most entities and shops one region's answer may carry (a node sends at most 20 and 200). */
const MAX_ENTITIES = 100;
const MAX_SHOPS = 1_000;

/** An entity of the answering region's register; its legal representative as the field policy lets it cross. */
export class ResolvedEntityDto {
  @Matches(CREDIT_CODE)
  creditCode!: string;

  @IsString()
  @MaxChars(200)
  name!: string;

  @IsString()
  @MaxChars(64)
  entityType!: string;

  @IsOptional()
  @IsString()
  @MaxChars(100)
  legalRepresentative?: string | null;

  @IsString()
  @MaxChars(300)
  registeredAddress!: string;

  @Matches(DIVISION)
  divisionCode!: string;

  @IsIn(ENTITY_STATUSES)
  status!: string;

  @Matches(DAY)
  establishedOn!: string;

  @ValidateIf((_, value) => value !== null)
  @Matches(DAY)
  statusChangedOn!: string | null;

  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxChars(4000)
  businessScope!: string | null;

  @IsISO8601({ strict: true })
  updatedAt!: string;

  /** For a name search: how closely the name agrees, 0 to 1. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  score?: number;
}

/** How a shop landed at its operator's home region: what its landing result says. */
export class ResolvedLandingDto extends PickType(LandingSyncRecordDto, [
  'outcome',
  'creditCode',
  'differing',
  'landedAt',
  'landedBy',
] as const) {
  // Optional: absent from the answer of a node that does not say (an earlier version).
  /** An ambiguous result's candidates. */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => LandingCandidateDto)
  candidates?: LandingCandidateDto[] | null;

  /** The entity is on the list of abnormal operations. */
  @IsOptional()
  @IsBoolean()
  abnormal?: boolean;

  /** The shop changed after this result was landed: the result is of the record before. */
  @IsOptional()
  @IsBoolean()
  outdated?: boolean;
}

/** A shop the answering region holds: reported there (its home may be unknown), or the asker's own copy. */
export class ResolvedShopDto extends ShopRecordFieldsDto {
  @ValidateIf((_, value) => value !== null)
  @Matches(DIVISION)
  homeDivision!: string | null;

  @ValidateIf((_, value) => value !== null)
  @IsIn(HOME_SOURCES)
  homeSource!: string | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResolvedLandingDto)
  landing?: ResolvedLandingDto | null;
}

/**
 * The result of an `entity.resolve` query, as the asking node checks it: the records found, or,
 * under two-step disclosure, whether there is a hit and the reference to ask for it by.
 */
export class ResolveAnswerResult {
  @IsOptional()
  @Equals('two-step')
  disclosure?: 'two-step';

  @ValidateIf((answer: ResolveAnswerResult) => answer.disclosure !== undefined)
  @IsInt()
  @Min(0)
  hits?: number;

  @ValidateIf((answer: ResolveAnswerResult) => answer.disclosure !== undefined && answer.reference !== null)
  @IsUUID()
  reference?: string | null;

  @ValidateIf((answer: ResolveAnswerResult) => answer.disclosure === undefined)
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(MAX_ENTITIES)
  @ValidateNested({ each: true })
  @Type(() => ResolvedEntityDto)
  entities?: ResolvedEntityDto[];

  @ValidateIf((answer: ResolveAnswerResult) => answer.disclosure === undefined)
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(MAX_SHOPS)
  @ValidateNested({ each: true })
  @Type(() => ResolvedShopDto)
  shops?: ResolvedShopDto[];

  /** The answering region holds more than it returned (absent from an answer of a node that does not say). */
  @IsOptional()
  @IsBoolean()
  more?: boolean;
}
