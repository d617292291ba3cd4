import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { isMatchingKey, keyedHash, newMatchingKey } from './keyed-hash';

/** Bytes 0x00..0x1f. */
const KEY_BYTES = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const KEY = KEY_BYTES.toString('base64url');
/** Decodes to the very bytes of KEY, but sets one of the unused trailing bits. */
const NON_CANONICAL_KEY = `${KEY.slice(0, 42)}9`;

function reference(key: Buffer, text: string): string {
  return 'h1:' + createHmac('sha256', key).update(Buffer.from(text, 'utf8')).digest('base64url');
}

describe('keyedHash', () => {
  it('matches vectors computed outside Node (openssl dgst -sha256 -mac HMAC)', () => {
    expect(KEY).toBe('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
    expect(keyedHash(KEY, '110101199003077777')).toBe('h1:8upwJFgGr8glWL_B7DuK_Abd_G-_UlY8h1mGNj5FMiQ');
    expect(keyedHash(KEY, '张三')).toBe('h1:-Ba_A_kGyBpXem5Vxx-w8lJYvv4t6vuTNLEsCpp02AQ');
  });

  it('is HMAC-SHA256 of the trimmed, NFKC-normalized UTF-8 text under the decoded key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ unit: 'grapheme' }),
        (raw, text) => {
          const key = Buffer.from(raw);
          expect(keyedHash(key.toString('base64url'), text)).toBe(
            reference(key, text.normalize('NFKC').trim()),
          );
        },
      ),
    );
  });

  it('hashes full-width and half-width forms alike, and ignores surrounding white space', () => {
    const halfWidth = keyedHash(KEY, '13800138000');
    expect(keyedHash(KEY, '１３８００１３８０００')).toBe(halfWidth);
    expect(keyedHash(KEY, '\u3000 13800138000\t\n')).toBe(halfWidth);
    expect(keyedHash(KEY, 'ＡＢＣ')).toBe(keyedHash(KEY, 'ABC'));
    // Composed and decomposed forms of the same letter.
    expect(keyedHash(KEY, 'caf\u00e9')).toBe(keyedHash(KEY, 'cafe\u0301'));
    // Normalization must not merge different values.
    expect(keyedHash(KEY, '13800138001')).not.toBe(halfWidth);
    expect(keyedHash(KEY, 'abc')).not.toBe(keyedHash(KEY, 'ABC'));
  });

  it('gives the same hash under one key and a different one under another key', () => {
    const other = newMatchingKey();
    expect(keyedHash(KEY, '王五')).toBe(keyedHash(KEY, '王五'));
    expect(keyedHash(other, '王五')).not.toBe(keyedHash(KEY, '王五'));
  });

  it.each([
    ['empty', ''],
    ['31 bytes', Buffer.alloc(31, 1).toString('base64url')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64url')],
    ['padded base64', `${KEY}=`],
    ['standard base64 alphabet', Buffer.alloc(32, 0xfb).toString('base64').replace(/=+$/, '')],
    ['a non-canonical spelling of the same 32 bytes', NON_CANONICAL_KEY],
    ['hex', KEY_BYTES.toString('hex')],
  ])('refuses a key that is %s', (_label, key) => {
    expect(() => keyedHash(key, 'x')).toThrow(TypeError);
    expect(isMatchingKey(key)).toBe(false);
  });

  it('has a non-canonical key fixture that really decodes to the same bytes', () => {
    expect(NON_CANONICAL_KEY).not.toBe(KEY);
    expect(Buffer.from(NON_CANONICAL_KEY, 'base64url').equals(KEY_BYTES)).toBe(true);
  });

  it('refuses a value that is not a string', () => {
    expect(() => keyedHash(KEY, 42 as unknown as string)).toThrow(TypeError);
  });
});

describe('newMatchingKey', () => {
  it('is 32 random bytes in base64url, usable as a matching key', () => {
    const keys = Array.from({ length: 20 }, () => newMatchingKey());
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
      expect(isMatchingKey(key)).toBe(true);
      expect(keyedHash(key, 'x')).toMatch(/^h1:[A-Za-z0-9_-]{43}$/);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });
});
