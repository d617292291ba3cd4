import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsUUID,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { RESOLVE_PURPOSES, type ResolvePurpose } from '@regulink/domain';
import { MaxChars, MinChars, IntegerText } from '@regulink/protocol';

/** A case reference as case files write it: letters, digits, CJK and the usual brackets and dashes. */
export const CASE_REFERENCE = /^[\p{L}\p{N}(（〔[［【][\p{L}\p{N}\-_/.()（）〔〕[\]［］【】 ]{2,63}$/u;

/**
 * What an officer asks: one of a shop (its URL in any written form, or platform and shop id), a
 * credit code, or an entity name; and always why (purpose and case reference). Purpose and case
 * reference are checked by the service, so that their absence gets its own code.
 */
export class ResolveRequestDto {
  @IsOptional()
  @IsString()
  @MinChars(1)
  @MaxChars(2000)
  shopUrl?: string;

  @IsOptional()
  @IsString()
  @MinChars(1)
  @MaxChars(64)
  platform?: string;

  @IsOptional()
  @IsString()
  @MinChars(1)
  @MaxChars(128)
  shopId?: string;

  @IsOptional()
  @IsString()
  @MaxChars(64)
  creditCode?: string;

  @IsOptional()
  @IsString()
  @MinChars(2)
  @MaxChars(200)
  name?: string;

  @IsOptional()
  @IsString()
  purpose?: string;

  @IsOptional()
  @IsString()
  caseReference?: string;

  /** How long to wait for other regions, in milliseconds. */
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(500)
  @Max(30_000)
  deadlineMs?: number;
}

/** The query part of a lookup, as it travels to another region. */
export class ResolveQueryDto {
  @IsOptional()
  @IsString()
  @MaxChars(2000)
  shopUrl?: string;

  @IsOptional()
  @IsString()
  @MaxChars(64)
  platform?: string;

  @IsOptional()
  @IsString()
  @MaxChars(128)
  shopId?: string;

  @IsOptional()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
  creditCode?: string;

  @IsOptional()
  @IsString()
  @MaxChars(200)
  name?: string;
}

/** `entity.resolve`: a lookup by an officer of another region, with why and who. */
export class ResolveMessageBody {
  /** What is looked up; absent when the record of an earlier hit is asked for by its reference. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResolveQueryDto)
  query?: ResolveQueryDto;

  /** Under two-step disclosure: the reference of the hit whose record is asked for. */
  @IsOptional()
  @IsUUID()
  reference?: string;

  @IsIn(RESOLVE_PURPOSES)
  purpose!: ResolvePurpose;

  @Matches(CASE_REFERENCE)
  caseReference!: string;

  @IsString()
  @MinChars(1)
  @MaxChars(64)
  officer!: string;
}

/** The second step of a two-step disclosure: the record of an earlier hit, by its reference. */
export class DiscloseRequestDto {
  @Matches(/^\d{6}$/)
  region!: string;

  @IsUUID()
  reference!: string;

  @IsOptional()
  @IsString()
  purpose?: string;

  @IsOptional()
  @IsString()
  caseReference?: string;
}
