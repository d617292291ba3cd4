import { PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MaxChars } from '@regulink/protocol';

/** A registered seller as a shop record names it (no personal data: a business's public identity). */
export class SyncedOperatorDto {
  @IsString()
  @IsNotEmpty()
  @MaxChars(200)
  name!: string;

  @ValidateIf((_, value) => value !== null)
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
  creditCode!: string | null;

  @IsBoolean()
  creditCodeCheckFailed!: boolean;

  @ValidateIf((_, value) => value !== null)
  @Matches(/^[0-9]{15}$/)
  registrationNumber!: string | null;
}

/** An unregistered seller: personal data, each field as the agreement's field policy let it cross. */
export class SyncedPersonDto {
  @IsOptional()
  @IsString()
  @MaxChars(200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxChars(64)
  residentId?: string | null;

  /** Where the person operates, which is often where they live. */
  @IsOptional()
  @IsString()
  @MaxChars(300)
  address?: string;
}

/**
 * What every shop record holds, however it crosses (in a signed batch, or in a peer's answer to a
 * lookup). Exactly one of `operator` (registered) and `person` (unregistered) is set; the
 * personal data of an unregistered seller (name, resident ID, address) sits under `person`.
 */
export class ShopRecordFieldsDto {
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

  @IsString()
  @IsNotEmpty()
  @MaxChars(128)
  shopId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(200)
  shopName!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(2000)
  reportedUrl!: string;

  @ValidateIf((_, value) => value !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => SyncedOperatorDto)
  operator!: SyncedOperatorDto | null;

  @ValidateIf((_, value) => value !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => SyncedPersonDto)
  person!: SyncedPersonDto | null;

  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxChars(200)
  exemptionGround!: string | null;

  /** A registered seller's operating address (an unregistered one's is under `person`). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxChars(300)
  operatingAddress?: string;

  @ValidateIf((_, value) => value !== null)
  @Matches(/^[0-9]{6}$/)
  operatingDivisionCode!: string | null;

  @IsOptional()
  @IsString()
  @MaxChars(100)
  contact?: string | null;

  @Matches(/^[0-9]{4}-H[12]$/)
  reportPeriod!: string;

  @Matches(/^[0-9]{6}$/)
  reportedBy!: string;
}

export const HOME_SOURCES = ['credit-code', 'registration-number', 'operating-division'] as const;

/**
 * A shop record as it crosses from the platform region's node to the operator's home region, in
 * a signed batch: it goes there because its home is known.
 */
export class ShopSyncRecordDto extends ShopRecordFieldsDto {
  @Matches(/^[0-9]{6}$/)
  homeDivision!: string;

  @IsIn(HOME_SOURCES)
  homeSource!: string;
}

/**
 * A withdrawal, in a shop feed: the operator of a shop sent to the receiver earlier is no longer
 * at home in its region (a later report names another operator or address), so the receiver lets
 * go of its copy. It says nothing of where the shop went.
 */
export class ShopWithdrawalDto extends PickType(ShopRecordFieldsDto, [
  'v',
  'platform',
  'url',
  'reportedBy',
] as const) {
  @Equals(true)
  withdrawn!: true;
}
