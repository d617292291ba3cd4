import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { MaxChars } from '@regulink/protocol';

export const ENTITY_STATUSES = ['active', 'deregistered', 'revoked', 'abnormal'] as const;
export type EntityStatus = (typeof ENTITY_STATUSES)[number];

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * One line of an entity register file (CSV columns or NDJSON keys of the same names). The credit
 * code and division code are checked against the domain rules after these.
 */
export class MarketEntityLineDto {
  @IsString()
  @IsNotEmpty()
  @MaxChars(64)
  creditCode!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(200)
  name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(64)
  entityType!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(100)
  legalRepresentative!: string;

  @IsString()
  @IsNotEmpty()
  @MaxChars(300)
  registeredAddress!: string;

  @IsString()
  @Matches(/^\d{6}$/, { message: 'divisionCode must be six digits' })
  divisionCode!: string;

  @IsIn(ENTITY_STATUSES)
  status!: EntityStatus;

  @IsString()
  @Matches(DAY, { message: 'establishedOn must be a date, YYYY-MM-DD' })
  establishedOn!: string;

  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'statusChangedOn must be a date, YYYY-MM-DD' })
  statusChangedOn?: string;

  @IsOptional()
  @IsString()
  @MaxChars(4000)
  businessScope?: string;

  /** When the registration system last changed the record (ISO 8601 with an offset). */
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/(Z|[+-]\d{2}:\d{2})$/, { message: 'updatedAt must carry a time zone (Z or +08:00)' })
  updatedAt!: string;
}

export { MARKET_ENTITY_COLUMNS, OPTIONAL_MARKET_ENTITY_COLUMNS } from '@regulink/domain';
