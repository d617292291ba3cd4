import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  emptyRoot,
  hashesEqual,
  hashFromBase64Url,
  hashFromHex,
  hashToBase64Url,
  hashToHex,
  interiorHash,
  leafHash,
  MERKLE_HASH_BYTES,
} from './merkle-hash';
import { MerkleError } from './merkle-error';

function sha256(...parts: Uint8Array[]): string {
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part);
  return hasher.digest('hex');
}

describe('Merkle hashes', () => {
  it('hash leaves as SHA-256(0x00 ‖ data), whatever their length', () => {
    for (const length of [0, 1, 31, 32, 1024, 1025, 5000, 16 * 1024, 16 * 1024 + 1, 100_000, 10]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff);
      expect(hashToHex(leafHash(data))).toBe(sha256(Uint8Array.of(0), data));
    }
  });

  it('hash interior nodes as SHA-256(0x01 ‖ left ‖ right)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (left, right) => {
          expect(hashToHex(interiorHash(left, right))).toBe(sha256(Uint8Array.of(1), left, right));
        },
      ),
    );
  });

  it('hand out results that later hashing does not overwrite', () => {
    const a = leafHash(Uint8Array.of(1));
    const aHex = hashToHex(a);
    const b = interiorHash(a, a);
    const bHex = hashToHex(b);
    leafHash(Uint8Array.of(2));
    interiorHash(b, a);
    expect([hashToHex(a), hashToHex(b)]).toEqual([aHex, bHex]);
    expect(a.length).toBe(MERKLE_HASH_BYTES);
  });

  it('refuse interior children that are not 32 bytes', () => {
    const good = leafHash(new Uint8Array());
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      expect(() => interiorHash(bad, good)).toThrow(MerkleError);
      expect(() => interiorHash(good, bad)).toThrow(MerkleError);
    }
  });

  it('give the empty tree the root SHA-256(""), as a fresh copy each time', () => {
    const root = emptyRoot();
    expect(hashToHex(root)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    root[0] = 0;
    expect(hashToHex(emptyRoot()).slice(0, 2)).toBe('e3');
  });

  it('compare hashes byte by byte', () => {
    const a = leafHash(Uint8Array.of(1));
    expect(hashesEqual(a, Uint8Array.from(a))).toBe(true);
    expect(hashesEqual(a, leafHash(Uint8Array.of(2)))).toBe(false);
    expect(hashesEqual(a, a.subarray(0, 31))).toBe(false);
  });
});

describe('Merkle hash text forms', () => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('round-trip through hex and base64url', () => {
    fc.assert(
      fc.property(hash, (value) => {
        expect(hashFromHex(hashToHex(value))).toEqual(value);
        expect(hashFromHex(hashToHex(value).toUpperCase())).toEqual(value);
        expect(hashFromBase64Url(hashToBase64Url(value))).toEqual(value);
        expect(hashToBase64Url(value)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }),
    );
  });

  it('encode a view on a larger buffer by its own bytes only', () => {
    const backing = Uint8Array.from({ length: 64 }, (_, i) => i);
    const view = backing.subarray(16, 48);
    expect(hashToHex(view)).toBe(Buffer.from(backing.slice(16, 48)).toString('hex'));
    expect(hashFromBase64Url(hashToBase64Url(view))).toEqual(backing.slice(16, 48));
  });

  it('refuse text that is not exactly one hash', () => {
    const good = hashToBase64Url(leafHash(new Uint8Array()));
    const last = good.at(-1) ?? '';
    // The 43rd character carries 2 spare bits; a different character with the same 4 data bits
    // decodes to the same bytes and must be refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)];
    for (const text of [
      '',
      good.slice(1),
      `${good}A`,
      `${good}=`,
      `${good.slice(0, 42)}+`,
      `${good.slice(0, 42)}${sameBytes}`,
    ]) {
      expect(hashFromBase64Url(text)).toBeUndefined();
    }
    for (const text of [
      '',
      '00'.repeat(31),
      '00'.repeat(33),
      `${'00'.repeat(31)}0g`,
      ` ${'00'.repeat(32)}`,
    ]) {
      expect(hashFromHex(text)).toBeUndefined();
    }
    expect(hashFromHex(42 as unknown as string)).toBeUndefined();
    expect(hashFromBase64Url(null as unknown as string)).toBeUndefined();
  });
});
