import { IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { MaxChars } from '@regulink/protocol';

/**
 * One line of a platform's shop report (CSV columns or NDJSON keys of the same names). The URL,
 * the operator's codes and the division are checked against the domain rules after these.
 */
export class ShopReportLineDto {
  /** The platform's name or code, as it names itself in its reports. */
  @IsString()
  @IsNotEmpty()
  @MaxChars(64)
  platform!: string;

  /** The shop's identifier on the platform. */
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
  shopUrl!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(200)
  operatorName!: string;

  @IsOptional()
  @IsString()
  @MaxChars(64)
  operatorCreditCode?: string;

  @IsOptional()
  @IsString()
  @MaxChars(64)
  operatorRegistrationNumber?: string;

  @IsOptional()
  @IsString()
  @MaxChars(64)
  operatorResidentId?: string;

  /** Why an unregistered seller need not register (own farm products, sporadic small trade…). */
  @IsOptional()
  @IsString()
  @MaxChars(200)
  exemptionGround?: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(300)
  operatingAddress!: string;

  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'operatingDivisionCode must be six digits' })
  operatingDivisionCode?: string;

  @IsOptional()
  @IsString()
  @MaxChars(100)
  contact?: string;

  /** The half-year reported: `2026-H1` (reported in July) or `2026-H2` (in January). */
  @IsString()
  @Matches(/^\d{4}-H[12]$/, { message: 'reportPeriod must be YYYY-H1 or YYYY-H2' })
  reportPeriod!: string;
}

export { OPTIONAL_SHOP_REPORT_COLUMNS, SHOP_REPORT_COLUMNS } from '@regulink/domain';
