import { MalformedReason } from '../normalize/malformed-reason';
import { normalizeCode } from '../normalize/normalize-code';

/**
 * Registration number (注册号): the 15-digit number older individual businesses may still carry
 * instead of a credit code. 6-digit registering-authority code + 8-digit sequence + one ISO 7064
 * MOD 11,10 check digit.
 *
 * Unlike the credit code there is no lawful-pilot exception here: a wrong check digit yields
 * `check-failed`, which is REJECTED (see `isAcceptedRegistrationNumber`). The status is kept
 * separate from `malformed` so a caller can tell the person "check digit wrong, probably a typo"
 * rather than "not a registration number".
 *
 * The authority code is not checked against the division table: it names the registering
 * authority, which need not be a current division (withdrawn districts, national-level authority).
 */

export const REGISTRATION_NUMBER_LENGTH = 15;

export interface ValidRegistrationNumber {
  readonly status: 'valid';
  /** The normalized 15-digit number. */
  readonly code: string;
  /** Positions 1–6. */
  readonly authorityCode: string;
  /** Positions 7–14. */
  readonly sequence: string;
}

/** Rejected: the check digit does not match. */
export interface CheckFailedRegistrationNumber extends Omit<ValidRegistrationNumber, 'status'> {
  readonly status: 'check-failed';
  /** Position 15 as computed over positions 1–14 as given. */
  readonly expectedCheck: string;
}

export interface MalformedRegistrationNumber {
  readonly status: 'malformed';
  /** The input as received, before normalization. */
  readonly input: string;
  readonly reason: MalformedReason;
  readonly position?: number;
}

export type RegistrationNumberParse =
  ValidRegistrationNumber | CheckFailedRegistrationNumber | MalformedRegistrationNumber;

/**
 * The ISO 7064 MOD 11,10 check digit for 14 digits. Starting with p = 10, for each digit d:
 * s = (p + d) mod 10 (0 counts as 10), p = 2s mod 11; the check c makes (p + c) mod 10 = 1.
 *
 * @throws RangeError when `first14` is not 14 ASCII digits.
 */
export function registrationNumberCheckDigit(first14: string): string {
  if (!/^[0-9]{14}$/.test(first14)) {
    throw new RangeError('A registration number body is 14 digits.');
  }
  let product = 10;
  for (const digit of first14) {
    const sum = (product + Number(digit)) % 10 || 10;
    product = (sum * 2) % 11;
  }
  return String((11 - product) % 10);
}

/** Parses a 15-digit registration number as typed. Never throws. */
export function parseRegistrationNumber(input: string): RegistrationNumberParse {
  const code = normalizeCode(input);
  const raw = typeof input === 'string' ? input : '';
  if (code.length === 0) {
    return { status: 'malformed', input: raw, reason: MalformedReason.Empty };
  }
  if (code.length !== REGISTRATION_NUMBER_LENGTH) {
    return { status: 'malformed', input: raw, reason: MalformedReason.WrongLength };
  }
  const bad = code.search(/[^0-9]/);
  if (bad >= 0) {
    return { status: 'malformed', input: raw, reason: MalformedReason.InvalidCharacter, position: bad + 1 };
  }
  const fields = { code, authorityCode: code.slice(0, 6), sequence: code.slice(6, 14) };
  const expectedCheck = registrationNumberCheckDigit(code.slice(0, 14));
  if (code[14] !== expectedCheck) {
    return { status: 'check-failed', ...fields, expectedCheck };
  }
  return { status: 'valid', ...fields };
}

/** Only `valid` registration numbers are accepted. */
export function isAcceptedRegistrationNumber(
  parse: RegistrationNumberParse,
): parse is ValidRegistrationNumber {
  return parse.status === 'valid';
}
