import { nulCharacterAt } from './nul-character';

describe('nulCharacterAt', () => {
  it('finds a NUL character in a string, a nested value or a key, and says where', () => {
    expect(nulCharacterAt('a\0b')).toBe('');
    expect(nulCharacterAt({ a: 'x', b: { c: ['ok', 'n\0'] } })).toBe('b.c.1');
    expect(nulCharacterAt({ 'k\0': 1 }, 'body')).toBe('body.k\0');
  });

  it('finds none in text without one, numbers, null or empty values', () => {
    expect(nulCharacterAt({ a: 'x', b: [1, null, true, '\\u0000'], c: {} })).toBeNull();
    expect(nulCharacterAt(undefined)).toBeNull();
  });
});
