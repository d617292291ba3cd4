import { chinaCalendarDate } from '../calendar/china-date';
import { provinceOf } from '../divisions/divisions';
import { MalformedReason, type MalformedCode } from '../normalize/malformed-reason';
import { normalizeCode } from '../normalize/normalize-code';

/**
 * Resident identity number (公民身份号码, GB 11643): 6-digit division code of the place of first
 * registration + 8-digit birth date `YYYYMMDD` + 3-digit sequence (odd for men, even for women) +
 * one check character (`0`–`9` or `X`).
 *
 * This is personal data. No result other than `valid` carries the number, and no reason or
 * message ever does; `masked` is what may be logged. The old 15-digit numbers (withdrawn by 2013)
 * are not accepted.
 *
 * Checks, reported as the first failing one in this order:
 * 1. `unknown-division`: the first two digits are not a mainland province. The rest of the
 *    division is not checked, since a number keeps the code of its place of first registration even
 *    after that code is withdrawn. Residence permits for Hong Kong, Macau and Taiwan residents
 *    (港澳台居民居住证), which use this number format with 810000, 820000 and 830000, are accepted.
 * 2. `invalid-birth-date`: not a real calendar date, or before 1900-01-01.
 * 3. `future-birth-date`: after `now` (the day in China), by default the current time.
 * 4. `check-failed`: the check character does not match.
 */

export const RESIDENT_ID_LENGTH = 18;

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const RESIDENT_ID_CHECK_CHARACTERS = '10X98765432';
const RESIDENCE_PERMIT_DIVISIONS: ReadonlySet<string> = new Set(['810000', '820000', '830000']);
const EARLIEST_BIRTH_DATE = '1900-01-01';

export enum ResidentIdInvalidReason {
  UnknownDivision = 'unknown-division',
  InvalidBirthDate = 'invalid-birth-date',
  FutureBirthDate = 'future-birth-date',
  CheckFailed = 'check-failed',
}

export type Sex = 'male' | 'female';

export interface ValidResidentId {
  readonly status: 'valid';
  /** The normalized number, in clear: keep it inside the node that received it. */
  readonly id: string;
  /** For logs and messages, see `maskResidentId`. */
  readonly masked: string;
  /** Positions 1–6. */
  readonly divisionCode: string;
  /** Positions 7–14 as `YYYY-MM-DD`. */
  readonly birthDate: string;
  /** From position 17: odd is male. */
  readonly sex: Sex;
}

export interface InvalidResidentId {
  readonly status: 'invalid';
  readonly reason: ResidentIdInvalidReason;
  readonly masked: string;
}

/** Carries neither the input nor a masked form. */
export type MalformedResidentId = MalformedCode;

export type ResidentIdParse = ValidResidentId | InvalidResidentId | MalformedResidentId;

export interface ResidentIdOptions {
  /** The current time, for the future-birth-date check. Defaults to `new Date()`. */
  readonly now?: Date;
}

/**
 * The GB 11643 check character for the first 17 digits: `"10X98765432"[Σ digit·weight mod 11]`.
 *
 * @throws RangeError when `first17` is not 17 ASCII digits (the message never contains them).
 */
export function residentIdCheckCharacter(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) {
    throw new RangeError('A resident ID body is 17 digits.');
  }
  let sum = 0;
  for (let i = 0; i < RESIDENT_ID_WEIGHTS.length; i++) {
    sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i];
  }
  return RESIDENT_ID_CHECK_CHARACTERS[sum % 11];
}

/**
 * Masks a resident ID for logs and messages: the first 6 and last 4 characters stay, the birth
 * date and first sequence digits become `*` (`330106********123X`). Input is normalized first;
 * anything that is not 18 characters long is masked entirely, so nothing leaks from a bad input.
 */
export function maskResidentId(id: string): string {
  const normalized = normalizeCode(id);
  if (normalized.length !== RESIDENT_ID_LENGTH) {
    return '*'.repeat(normalized.length);
  }
  return `${normalized.slice(0, 6)}${'*'.repeat(8)}${normalized.slice(14)}`;
}

function looksLikeDivision(code: string): boolean {
  return RESIDENCE_PERMIT_DIVISIONS.has(code) || provinceOf(code)?.validTo === null;
}

/** `YYYY-MM-DD` when `yyyymmdd` is a real calendar date, else `undefined`. */
function calendarDate(yyyymmdd: string): string | undefined {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/**
 * Parses a resident ID as typed (full-width, lower-case `x` and surrounding spaces are fine).
 *
 * @throws RangeError only when `options.now` is an invalid `Date` (a programming error).
 */
export function parseResidentId(input: string, options: ResidentIdOptions = {}): ResidentIdParse {
  const today = chinaCalendarDate(options.now ?? new Date());
  if (today === undefined) {
    throw new RangeError('parseResidentId: options.now is not a valid date.');
  }
  const id = normalizeCode(input);
  if (id.length === 0) {
    return { status: 'malformed', reason: MalformedReason.Empty };
  }
  if (id.length !== RESIDENT_ID_LENGTH) {
    return { status: 'malformed', reason: MalformedReason.WrongLength };
  }
  const bad = id.search(/[^0-9]/);
  if (bad >= 0 && bad < RESIDENT_ID_LENGTH - 1) {
    return { status: 'malformed', reason: MalformedReason.InvalidCharacter, position: bad + 1 };
  }
  if (!/[0-9X]/.test(id[RESIDENT_ID_LENGTH - 1])) {
    return { status: 'malformed', reason: MalformedReason.InvalidCharacter, position: RESIDENT_ID_LENGTH };
  }

  const masked = maskResidentId(id);
  const invalid = (reason: ResidentIdInvalidReason): InvalidResidentId => ({
    status: 'invalid',
    reason,
    masked,
  });
  const divisionCode = id.slice(0, 6);
  if (!looksLikeDivision(divisionCode)) {
    return invalid(ResidentIdInvalidReason.UnknownDivision);
  }
  const birthDate = calendarDate(id.slice(6, 14));
  if (birthDate === undefined || birthDate < EARLIEST_BIRTH_DATE) {
    return invalid(ResidentIdInvalidReason.InvalidBirthDate);
  }
  if (birthDate > today) {
    return invalid(ResidentIdInvalidReason.FutureBirthDate);
  }
  if (id[17] !== residentIdCheckCharacter(id.slice(0, 17))) {
    return invalid(ResidentIdInvalidReason.CheckFailed);
  }
  const sex: Sex = Number(id[16]) % 2 === 1 ? 'male' : 'female';
  return { status: 'valid', id, masked, divisionCode, birthDate, sex };
}
