import { MalformedReason } from '../normalize/malformed-reason';
import { normalizeCode } from '../normalize/normalize-code';
import { organizationCodeCheckCharacter } from './organization-code';

/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters.
 *
 * | positions | meaning                                                      |
 * |-----------|--------------------------------------------------------------|
 * | 1         | registering authority (see `RegistrationAuthority`)          |
 * | 2         | entity type under that authority (see `MarketEntityType`)    |
 * | 3–8       | GB/T 2260 division code of the authority at issue time       |
 * | 9–17      | GB 11714 organization code (8 characters + its check at 17)  |
 * | 18        | credit code check over positions 1–17                        |
 *
 * Outcome of `parseCreditCode`:
 * - `valid`: both checks hold.
 * - `check-failed`: well-formed, but the position-18 check and/or the position-17 organization
 *   check does not hold. Such codes are ACCEPTED with a warning: early pilot codes (Fujian/Xiamen,
 *   e.g. `91350211M0000XUF46`) fail the check yet were lawfully issued and are still in use.
 * - `malformed`: empty, wrong length, or a character outside the 31-symbol alphabet. Rejected.
 *   A character outside the alphabet is malformed even in a check position: no computation can
 *   produce it, so `91350100M000100Y4Z` (the check should be `3`; `Z` is not in the alphabet) is
 *   malformed, not check-failed. Pilot codes are tolerated for a wrong check, never for a symbol
 *   the standard does not have.
 *
 * Position 17 within the alphabet but not a possible GB 11714 check (a letter other than `X`) is a
 * failed organization check, since it is a symbol the credit code itself allows.
 */

/** The 31 symbols of a credit code; a symbol's value is its index (no I, O, Z, S, V). */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const CREDIT_CODE_LENGTH = 18;

/** Weights for positions 1–17: 3^(i−1) mod 31. */
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const CREDIT_BODY_PATTERN = /^[0-9A-HJ-NP-RTUW-Y]{17}$/;

/** Which check a code failed: `credit` is position 18, `organization` is position 17. */
export type CreditCodeCheck = 'credit' | 'organization';

export enum CreditCodeWarning {
  CreditCheckFailed = 'credit-check-failed',
  OrganizationCheckFailed = 'organization-check-failed',
}

interface CreditCodeFields {
  /** The normalized 18-character code. */
  readonly code: string;
  /** Position 1. */
  readonly authority: string;
  /** Position 2. */
  readonly entityType: string;
  /** Positions 3–8. */
  readonly divisionCode: string;
  /** Positions 9–17 (organization code with its check). */
  readonly organizationCode: string;
  readonly warnings: readonly CreditCodeWarning[];
}

export interface ValidCreditCode extends CreditCodeFields {
  readonly status: 'valid';
}

/** Accepted, with a warning: see the module comment. */
export interface CheckFailedCreditCode extends CreditCodeFields {
  readonly status: 'check-failed';
  /** Non-empty, in the order `organization`, `credit`. */
  readonly failedChecks: readonly CreditCodeCheck[];
  /** Position 18 as computed over positions 1–17 as given. */
  readonly expectedCheck: string;
  /** Position 17 as computed over positions 9–16 as given. */
  readonly expectedOrganizationCheck: string;
}

export interface MalformedCreditCode {
  readonly status: 'malformed';
  /** The input as received, before normalization. */
  readonly input: string;
  readonly reason: MalformedReason;
  /** 1-based position in the normalized code of the first offending character, for `InvalidCharacter` only. */
  readonly position?: number;
}

export type CreditCodeParse = ValidCreditCode | CheckFailedCreditCode | MalformedCreditCode;

/**
 * The position-18 check character for the first 17 characters (already normalized):
 * `c = 31 − (Σ value·weight mod 31)`, with 31 → 0, mapped back through the alphabet.
 *
 * @throws RangeError when `first17` is not 17 characters from the alphabet.
 */
export function creditCodeCheckCharacter(first17: string): string {
  if (!CREDIT_BODY_PATTERN.test(first17)) {
    throw new RangeError('A credit code body is 17 characters from the 31-symbol alphabet.');
  }
  let sum = 0;
  for (let i = 0; i < CREDIT_CODE_WEIGHTS.length; i++) {
    sum += CREDIT_CODE_ALPHABET.indexOf(first17[i]) * CREDIT_CODE_WEIGHTS[i];
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

/** Parses a credit code as typed (full-width, lower case and surrounding spaces are fine). Never throws. */
export function parseCreditCode(input: string): CreditCodeParse {
  const code = normalizeCode(input);
  const raw = typeof input === 'string' ? input : '';
  if (code.length === 0) {
    return { status: 'malformed', input: raw, reason: MalformedReason.Empty };
  }
  if (code.length !== CREDIT_CODE_LENGTH) {
    return { status: 'malformed', input: raw, reason: MalformedReason.WrongLength };
  }
  for (let i = 0; i < code.length; i++) {
    if (!CREDIT_CODE_ALPHABET.includes(code[i])) {
      return { status: 'malformed', input: raw, reason: MalformedReason.InvalidCharacter, position: i + 1 };
    }
  }

  const fields = {
    code,
    authority: code[0],
    entityType: code[1],
    divisionCode: code.slice(2, 8),
    organizationCode: code.slice(8, 17),
  };
  const expectedOrganizationCheck = organizationCodeCheckCharacter(code.slice(8, 16));
  const expectedCheck = creditCodeCheckCharacter(code.slice(0, 17));

  const failedChecks: CreditCodeCheck[] = [];
  const warnings: CreditCodeWarning[] = [];
  if (code[16] !== expectedOrganizationCheck) {
    failedChecks.push('organization');
    warnings.push(CreditCodeWarning.OrganizationCheckFailed);
  }
  if (code[17] !== expectedCheck) {
    failedChecks.push('credit');
    warnings.push(CreditCodeWarning.CreditCheckFailed);
  }
  if (failedChecks.length === 0) {
    return { status: 'valid', ...fields, warnings };
  }
  return {
    status: 'check-failed',
    ...fields,
    warnings,
    failedChecks,
    expectedCheck,
    expectedOrganizationCheck,
  };
}

/** True for the outcomes the gateway accepts: `valid` and `check-failed`. */
export function isAcceptedCreditCode(
  parse: CreditCodeParse,
): parse is ValidCreditCode | CheckFailedCreditCode {
  return parse.status !== 'malformed';
}
