import { createHmac, randomBytes } from 'node:crypto';

/** Version prefix of every keyed hash, so a later scheme can be told apart from this one. */
export const KEYED_HASH_PREFIX = 'h1:';

const MATCHING_KEY_BYTES = 32;
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/**
 * True when `value` is a matching key: exactly 32 bytes written as unpadded base64url in its one
 * canonical spelling (43 characters whose unused trailing bits are zero), so two different strings
 * never stand for the same key.
 */
export function isMatchingKey(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    BASE64URL_32_BYTES.test(value) &&
    Buffer.from(value, 'base64url').toString('base64url') === value
  );
}

/**
 * The keyed hash of a piece of personal data under an agreement's shared matching key:
 * `h1:` + base64url(HMAC-SHA256(key, UTF-8 of the NFKC-normalized, trimmed value)). Regions that
 * share the key get the same hash for the same value (full-width and half-width forms included)
 * without exchanging the value itself; under another key the hash is unrelated.
 */
export function keyedHash(matchingKey: string, value: string): string {
  if (!isMatchingKey(matchingKey)) {
    throw new TypeError(`the matching key must be ${MATCHING_KEY_BYTES} bytes in canonical base64url`);
  }
  if (typeof value !== 'string') throw new TypeError('only a string can be hashed');
  const key = Buffer.from(matchingKey, 'base64url');
  const normalized = value.normalize('NFKC').trim();
  return KEYED_HASH_PREFIX + createHmac('sha256', key).update(normalized, 'utf8').digest('base64url');
}

/** A fresh matching key: 32 random bytes, base64url. */
export function newMatchingKey(): string {
  return randomBytes(MATCHING_KEY_BYTES).toString('base64url');
}
