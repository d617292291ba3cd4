import {
  isAcceptedCreditCode,
  isKnownDivision,
  nameGrams,
  normalizeEntityText,
  parseCreditCode,
} from '@regulink/domain';
import { characterCount } from '@regulink/protocol';
import { contentHash } from '../import/imported-row';
import type { LineProblem } from '../import/import-target';
import { checkLineShape, withHalfWidthCodes } from '../import/line-shape';
import { MarketEntityLineDto } from './dto/market-entity-line.dto';

/** A register line as it is stored: checked, normalized, with the hash of its content. */
export interface MarketEntityRecord {
  readonly creditCode: string;
  /** The name reduced for matching. */
  readonly nameKey: string;
  /** The name's search terms (nameGrams of nameKey). */
  readonly nameGrams: readonly string[];
  /** The check characters do not verify, yet the code is accepted (early pilot codes). */
  readonly creditCodeCheckFailed: boolean;
  readonly name: string;
  readonly entityType: string;
  readonly legalRepresentative: string;
  readonly registeredAddress: string;
  readonly divisionCode: string;
  readonly status: string;
  readonly establishedOn: string;
  readonly statusChangedOn: string | null;
  readonly businessScope: string | null;
  readonly sourceUpdatedAt: Date;
  readonly contentHash: string;
}

/** The most characters of a normalized name (the name_key column, and a result's claimed_name_key). */
export const NAME_KEY_CHARS = 200;
/** The earliest year a register date may have (PostgreSQL has no year 0, and nothing is that old). */
const FIRST_YEAR = 1800;
/**
 * How far ahead of now a register date may be (time zones, clocks a little off). Beyond it, a date
 * is a typo: an updatedAt years ahead would keep every later correction of the record from
 * replacing it (it would always be older).
 */
const AHEAD_MS = 86_400_000;

/** A valid date from FIRST_YEAR to 9999 in UTC (what a date or timestamptz column holds), equal to `day` when given. */
function isRecordDate(date: Date, day?: string): boolean {
  if (Number.isNaN(date.getTime())) return false;
  const year = date.getUTCFullYear();
  if (year < FIRST_YEAR || year > 9999) return false;
  return day === undefined || date.toISOString().slice(0, 10) === day;
}

/**
 * Checks one line of a register file: its shape, then the credit code, the division code, the
 * dates (real ones, storable), and that the name normalized for matching fits its column.
 */
export function checkMarketEntityLine(
  values: Readonly<Record<string, unknown>>,
): { key: string; record: MarketEntityRecord } | { problems: LineProblem[] } {
  const shape = checkLineShape(MarketEntityLineDto, withHalfWidthCodes(values, ['divisionCode']));
  if ('problems' in shape) return shape;
  const { line } = shape;
  const problems: LineProblem[] = [];

  const code = parseCreditCode(line.creditCode);
  if (!isAcceptedCreditCode(code)) {
    problems.push({ field: 'creditCode', reason: `not a credit code (${code.reason})` });
  }
  if (!isKnownDivision(line.divisionCode)) {
    problems.push({ field: 'divisionCode', reason: `unknown division code ${line.divisionCode}` });
  }
  const latest = Date.now() + AHEAD_MS;
  for (const field of ['establishedOn', 'statusChangedOn'] as const) {
    const day = line[field];
    if (day === undefined) continue;
    const date = new Date(`${day}T00:00:00Z`);
    if (!isRecordDate(date, day)) {
      problems.push({ field, reason: `${field} is not a calendar date from ${FIRST_YEAR} on` });
    } else if (date.getTime() > latest) {
      problems.push({ field, reason: `${field} ${day} is a date still to come` });
    }
  }
  // Week and ordinal dates are ISO 8601 too, but not a date and time the register means.
  const updatedAt = new Date(line.updatedAt);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(line.updatedAt) || !isRecordDate(updatedAt)) {
    problems.push({
      field: 'updatedAt',
      reason: `updatedAt is not a date and time (YYYY-MM-DDThh:mm:ss with a time zone) from ${FIRST_YEAR} on`,
    });
  } else if (updatedAt.getTime() > latest) {
    problems.push({
      field: 'updatedAt',
      reason: `updatedAt ${line.updatedAt} is still to come: the record would keep every later correction from replacing it`,
    });
  }
  const nameKey = normalizeEntityText(line.name);
  if (characterCount(nameKey) > NAME_KEY_CHARS) {
    problems.push({
      field: 'name',
      reason: `the name, normalized for matching (full-width and compatibility forms expanded), is longer than ${NAME_KEY_CHARS} characters`,
    });
  }
  if (problems.length > 0 || !isAcceptedCreditCode(code)) return { problems };

  const content = {
    creditCode: code.code,
    name: line.name,
    entityType: line.entityType,
    legalRepresentative: line.legalRepresentative,
    registeredAddress: line.registeredAddress,
    divisionCode: line.divisionCode,
    status: line.status,
    establishedOn: line.establishedOn,
    statusChangedOn: line.statusChangedOn ?? null,
    businessScope: line.businessScope ?? null,
  };
  return {
    key: code.code,
    record: {
      ...content,
      creditCodeCheckFailed: code.status === 'check-failed',
      nameKey,
      nameGrams: nameGrams(nameKey),
      sourceUpdatedAt: updatedAt,
      contentHash: contentHash(content),
    },
  };
}
