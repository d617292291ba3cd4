import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
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
import { Chars, MaxChars } from '@regulink/protocol';

export const CLUE_SOURCES = [
  'inspection',
  'complaint',
  'report',
  'transfer',
  'superior',
  'platform-report',
  'monitoring',
] as const;

export const ASSIST_ASKS = ['verify-address', 'obtain-records', 'verify-operation', 'other'] as const;

/** A decimal amount of yuan: digits with at most two decimals. */
export const YUAN = /^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$/;
export const REGION = /^[1-9][0-9]{5}$/;
export const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Largest evidence file, and most evidence one step may carry (the HTTP body limit bounds uploads). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
export const MAX_STEP_FILES = 10;

/** A suspect shop: a platform and the shop's URL or its id there. */
export class SuspectShopDto {
  @IsString()
  @Chars(1, 64)
  platform!: string;

  @ValidateIf((o: SuspectShopDto) => o.shopId === undefined)
  @IsString()
  @Chars(1, 2000)
  url?: string;

  @IsOptional()
  @IsString()
  @Chars(1, 128)
  shopId?: string;

  @IsOptional()
  @IsString()
  @Chars(1, 200)
  shopName?: string;
}

/** A suspect entity by its credit code, with its name as known. */
export class SuspectEntityDto {
  @Matches(CREDIT_CODE, { message: 'creditCode must be an 18-character unified social credit code' })
  creditCode!: string;

  @IsOptional()
  @IsString()
  @Chars(1, 200)
  name?: string;
}

/** What a receiver may do with a case beyond handling it. */
export class RestrictionsDto {
  /** The receiver may not hand the case on to another region without the sender's consent. */
  @IsBoolean()
  noOnwardTransfer!: boolean;
}

/** The content of a clue, as the sending officer states it and the receiver gets it. */
export class ClueContentDto {
  @IsIn(CLUE_SOURCES)
  source!: (typeof CLUE_SOURCES)[number];

  /** The 12315 complaint number, for a complaint. */
  @ValidateIf((o: ClueContentDto) => o.source === 'complaint' || o.complaintNumber !== undefined)
  @Matches(/^[0-9A-Za-z-]{6,40}$/, { message: 'complaintNumber must be the 12315 number of the complaint' })
  complaintNumber?: string;

  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SuspectShopDto)
  shops!: SuspectShopDto[];

  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SuspectEntityDto)
  entities!: SuspectEntityDto[];

  @IsOptional()
  @IsString()
  @Chars(1, 64)
  platform?: string;

  @IsString()
  @Chars(1, 100)
  goodsCategory!: string;

  /** The infringed brand or right holder, if any. */
  @IsOptional()
  @IsString()
  @Chars(1, 200)
  brand?: string;

  @IsString()
  @Chars(1, 100)
  violationType!: string;

  @IsString()
  @Chars(1, 4000)
  description!: string;

  @IsOptional()
  @Matches(YUAN, { message: 'amountInvolved must be yuan with at most two decimals' })
  amountInvolved?: string;

  @IsOptional()
  @IsString()
  @MaxChars(100)
  caseReference?: string;
}

/** The content of an assistance request: what is asked about which entity. */
export class AssistContentDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SuspectEntityDto)
  entity!: SuspectEntityDto;

  @IsIn(ASSIST_ASKS)
  ask!: (typeof ASSIST_ASKS)[number];

  @IsString()
  @Chars(1, 4000)
  details!: string;

  @IsOptional()
  @IsString()
  @MaxChars(100)
  caseReference?: string;
}

/** An evidence file as uploaded by an officer. */
export class EvidenceUploadDto {
  @IsString()
  @Chars(1, 200)
  name!: string;

  @IsString()
  @Matches(/^[a-z]+\/[a-z0-9.+-]+$/i, { message: 'mediaType must be a media type such as image/jpeg' })
  mediaType!: string;

  @IsString()
  // Padded, as Buffer and btoa write it: a lenient decoder would sign bytes the officer never sent.
  @Matches(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, {
    message: 'contentBase64 must be base64 (padded with =)',
  })
  contentBase64!: string;
}

/** An evidence file as a signed step names it: the content travels alongside. */
export class FileReferenceDto {
  @IsString()
  @Chars(1, 200)
  name!: string;

  @IsString()
  @Chars(1, 100)
  mediaType!: string;

  @Matches(SHA256_HEX)
  sha256!: string;

  @IsInt()
  @Min(0)
  @Max(MAX_FILE_BYTES)
  size!: number;
}
