import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { LANDING_FIELDS } from '@regulink/domain';
import { MaxChars } from '@regulink/protocol';

export class LandingCandidateDto {
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
  creditCode!: string;

  @IsNumber()
  @Min(0)
  @Max(1)
  score!: number;
}

/**
 * A landing result as the home region's node returns it to the reporting region, in a signed
 * batch: which shop, which exact record of it (its leaf hash), and what the register said.
 */
export class LandingSyncRecordDto {
  @Equals(1)
  v!: 1;

  @IsString()
  @IsNotEmpty()
  @MaxChars(64)
  platform!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(2000)
  url!: string;

  /** The Merkle leaf hash (base64url) of the shop record that was landed. */
  @Matches(/^[A-Za-z0-9_-]{43}$/)
  shop!: string;

  /**
   * The signed batch the landed record came in (absent from older nodes): the reporting node
   * tells by it whether the shop has changed since, so that a result arriving late is not shown
   * as current.
   */
  @IsOptional()
  @IsUUID()
  shopBatch?: string;

  @IsIn(['matched', 'mismatch', 'not-found', 'deregistered', 'revoked', 'ambiguous'])
  outcome!: string;

  @ValidateIf((_, value) => value !== null)
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
  creditCode!: string | null;

  @ValidateIf((_, value) => value !== null)
  @IsArray()
  @ArrayMaxSize(LANDING_FIELDS.length)
  @IsIn(LANDING_FIELDS, { each: true })
  differing!: string[] | null;

  @ValidateIf((_, value) => value !== null)
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => LandingCandidateDto)
  candidates!: LandingCandidateDto[] | null;

  @IsBoolean()
  abnormal!: boolean;

  @IsISO8601({ strict: true })
  landedAt!: string;

  @Matches(/^[0-9]{6}$/)
  landedBy!: string;
}
