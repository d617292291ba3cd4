import { normalizeCode, toHalfWidth } from '../normalize/normalize-code';
import { maskResidentId } from '../resident-id/resident-id';

/** The personal fields an agreement's field policy can name. */
export const PERSONAL_FIELDS = ['residentId', 'personName', 'phone', 'address', 'email'] as const;
export type PersonalField = (typeof PERSONAL_FIELDS)[number];

const PERSONAL_FIELD_SET: ReadonlySet<string> = new Set(PERSONAL_FIELDS);

/** True for the names in `PERSONAL_FIELDS` (for checking an agreement read from configuration). */
export function isPersonalField(value: unknown): value is PersonalField {
  return typeof value === 'string' && PERSONAL_FIELD_SET.has(value);
}

/*
 * Masking keeps enough of a value for an officer to recognise it next to a record they already
 * hold, never enough to identify the person from the masked value alone. Every mask is idempotent
 * (masking a masked value gives it back unchanged) and its result is accepted by
 * `isMaskedPersonalValue`, so a receiving node can check what a sending node masked.
 */

const MASKED_RESIDENT_ID = /^\d{6}\*{8}\d{3}[\dX]$/;
const ALL_STARS = /^\*+$/;
const MASK = '*';

/** First 6 and last 4 characters of an 18-character number, otherwise all `*`. */
function maskResidentIdValue(value: string): string {
  const masked = maskResidentId(value);
  if (MASKED_RESIDENT_ID.test(masked) || ALL_STARS.test(masked)) {
    return masked;
  }
  // 18 characters that are not digits where digits belong (or empty input): keep nothing.
  return MASK.repeat(Math.max(1, masked.length));
}

function isMaskedResidentIdValue(value: string): boolean {
  const normalized = normalizeCode(value);
  return MASKED_RESIDENT_ID.test(normalized) || ALL_STARS.test(normalized);
}

/** The first code point, then one `*` per remaining code point; one character (or none) → `*`. */
function maskPersonName(value: string): string {
  const codePoints = [...value.trim()];
  if (codePoints.length <= 1) {
    return MASK;
  }
  return codePoints[0] + MASK.repeat(codePoints.length - 1);
}

function isMaskedPersonName(value: string): boolean {
  const codePoints = [...value.trim()];
  return codePoints.includes(MASK) && codePoints.slice(1).every((ch) => ch === MASK);
}

const MOBILE_LENGTH = 11;
const PHONE_MIN_STARS = 4;
const PHONE_MAX_DIGITS = 7;
/** `+86 138…` and `0086 138…`: a mainland mobile number behind the country code. */
const COUNTRY_CODE_MOBILE = /^(?:0086|86)(1[0-9*]{10})$/;

/**
 * Only digits count (and `*` from an earlier mask, so masking is idempotent); spaces, dashes and
 * the like are dropped. A mainland mobile keeps its first 3 and last 4 digits (`138****5678`); any
 * other number keeps its last 2 digits, with at least 4 `*` in front; a number of fewer than 3
 * digits keeps nothing.
 */
function maskPhone(value: string): string {
  let slots = toHalfWidth(value).replace(/[^0-9*]/g, '');
  const withoutCountryCode = COUNTRY_CODE_MOBILE.exec(slots);
  if (withoutCountryCode) {
    slots = withoutCountryCode[1];
  }
  if (slots.length === MOBILE_LENGTH && slots[0] === '1') {
    return `${slots.slice(0, 3)}${MASK.repeat(4)}${slots.slice(7)}`;
  }
  const kept = slots.length > 2 ? slots.slice(-2) : MASK.repeat(2);
  return MASK.repeat(Math.max(PHONE_MIN_STARS, slots.length - 2)) + kept;
}

function isMaskedPhone(value: string): boolean {
  const halfWidth = toHalfWidth(value);
  const stars = halfWidth.split(MASK).length - 1;
  const digits = halfWidth.replace(/[^0-9]/g, '').length;
  return stars >= PHONE_MIN_STARS && digits <= PHONE_MAX_DIGITS;
}

const ADDRESS_KEPT = 6;
const ADDRESS_MASK = MASK.repeat(4);

/** The first 6 code points (about province, city and district), then `****`. */
function maskAddress(value: string): string {
  const codePoints = [...value.trim()];
  if (codePoints.length <= ADDRESS_KEPT) {
    return ADDRESS_MASK;
  }
  return codePoints.slice(0, ADDRESS_KEPT).join('') + ADDRESS_MASK;
}

function isMaskedAddress(value: string): boolean {
  return value.trim().endsWith(ADDRESS_MASK);
}

const MASKED_EMAIL = /^.?\*\*\*@/su;

/**
 * The first code point of the local part, `***@`, then the domain (`z***@example.cn`). The local
 * part is everything before the last `@`; a value without `@` is all local part. A local part
 * starting with `*` keeps nothing, which makes the mask idempotent.
 */
function maskEmail(value: string): string {
  const email = toHalfWidth(value).trim();
  const at = email.lastIndexOf('@');
  const local = at < 0 ? email : email.slice(0, at);
  const domain = at < 0 ? '' : email.slice(at + 1);
  const first = [...local][0] ?? '';
  return `${first === MASK ? '' : first}***@${domain}`;
}

function isMaskedEmail(value: string): boolean {
  return MASKED_EMAIL.test(toHalfWidth(value).trim());
}

const MASKERS: Readonly<Record<PersonalField, (value: string) => string>> = {
  residentId: maskResidentIdValue,
  personName: maskPersonName,
  phone: maskPhone,
  address: maskAddress,
  email: maskEmail,
};

const MASK_CHECKS: Readonly<Record<PersonalField, (value: string) => boolean>> = {
  residentId: isMaskedResidentIdValue,
  personName: isMaskedPersonName,
  phone: isMaskedPhone,
  address: isMaskedAddress,
  email: isMaskedEmail,
};

/**
 * Masks one personal value for its field. Idempotent, and the result always satisfies
 * `isMaskedPersonalValue`.
 *
 * @throws TypeError when `field` is not a personal field or `value` is not a string (programming
 *   errors; the message never contains the value).
 */
export function maskPersonalValue(field: PersonalField, value: string): string {
  if (!isPersonalField(field)) {
    throw new TypeError(`maskPersonalValue: ${JSON.stringify(field)} is not a personal field.`);
  }
  if (typeof value !== 'string') {
    throw new TypeError(`maskPersonalValue: the ${field} value is not a string.`);
  }
  return MASKERS[field](value);
}

/**
 * Whether `value` has the shape `maskPersonalValue` gives for `field`. This is a check on shape
 * only: a clear value that happens to look masked (a one-letter name followed by `*`) passes.
 * False for anything that is not a string, or an unknown field; never throws.
 */
export function isMaskedPersonalValue(field: PersonalField, value: string): boolean {
  if (!isPersonalField(field) || typeof value !== 'string') {
    return false;
  }
  return MASK_CHECKS[field](value);
}
