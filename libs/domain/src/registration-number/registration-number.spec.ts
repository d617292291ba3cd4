import fc from 'fast-check';
import { MalformedReason } from '../normalize/malformed-reason';
import {
  isAcceptedRegistrationNumber,
  parseRegistrationNumber,
  registrationNumberCheckDigit,
} from './registration-number';

/** ISO 7064 MOD 11,10 written out independently, by trying every candidate check digit. */
function isMod1110Valid(digits: string): boolean {
  let product = 10;
  for (let i = 0; i < digits.length; i++) {
    let sum = (product + Number(digits[i])) % 10;
    if (sum === 0) sum = 10;
    if (i === digits.length - 1) return sum === 1;
    product = (sum * 2) % 11;
  }
  return false;
}

function referenceCheck(first14: string): string {
  const found = '0123456789'.split('').filter((digit) => isMod1110Valid(first14 + digit));
  expect(found).toHaveLength(1);
  return found[0];
}

const digits = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));

describe('parseRegistrationNumber', () => {
  it('accepts the worked example 110108000000016', () => {
    const parsed = parseRegistrationNumber('110108000000016');
    expect(parsed).toEqual({
      status: 'valid',
      code: '110108000000016',
      authorityCode: '110108',
      sequence: '00000001',
    });
    expect(isAcceptedRegistrationNumber(parsed)).toBe(true);
  });

  it.each([['１１０１０８０００００００１６'], ['  110108000000016 '], ['\u3000110108000000016\u3000']])(
    'normalizes %j',
    (input) => {
      expect(parseRegistrationNumber(input)).toEqual(parseRegistrationNumber('110108000000016'));
    },
  );

  it('reports a wrong check digit as check-failed and does NOT accept it', () => {
    const parsed = parseRegistrationNumber('110108000000015');
    expect(parsed).toEqual({
      status: 'check-failed',
      code: '110108000000015',
      authorityCode: '110108',
      sequence: '00000001',
      expectedCheck: '6',
    });
    expect(isAcceptedRegistrationNumber(parsed)).toBe(false);
  });

  it.each([
    ['', MalformedReason.Empty, undefined],
    ['  ', MalformedReason.Empty, undefined],
    ['11010800000001', MalformedReason.WrongLength, undefined],
    ['1101080000000166', MalformedReason.WrongLength, undefined],
    ['91330100799655058B', MalformedReason.WrongLength, undefined],
    ['11010800000001X', MalformedReason.InvalidCharacter, 15],
    ['1101O8000000016', MalformedReason.InvalidCharacter, 5],
  ])('%j is malformed (%s)', (input, reason, position) => {
    const parsed = parseRegistrationNumber(input);
    expect(parsed).toEqual({ status: 'malformed', input, reason, ...(position ? { position } : {}) });
    expect(isAcceptedRegistrationNumber(parsed)).toBe(false);
  });
});

describe('registrationNumberCheckDigit', () => {
  it.each([
    ['11010800000001', '6'],
    ['11010800000002', '4'],
    ['33010600000000', '5'],
  ])('%s → %s', (first14, check) => {
    expect(registrationNumberCheckDigit(first14)).toBe(check);
  });

  it('rejects bodies of the wrong shape', () => {
    expect(() => registrationNumberCheckDigit('1101080000000')).toThrow(RangeError);
    expect(() => registrationNumberCheckDigit('1101080000000A')).toThrow(RangeError);
  });

  it('agrees with the reference MOD 11,10 for any 14 digits, and the result parses valid', () => {
    fc.assert(
      fc.property(digits(14), (first14) => {
        const check = registrationNumberCheckDigit(first14);
        expect(check).toBe(referenceCheck(first14));
        expect(parseRegistrationNumber(first14 + check).status).toBe('valid');
      }),
    );
  });

  it('changing exactly one digit of a valid number never yields valid', () => {
    fc.assert(
      fc.property(digits(14), fc.nat(14), fc.integer({ min: 1, max: 9 }), (first14, index, delta) => {
        const code = first14 + registrationNumberCheckDigit(first14);
        const replaced = String((Number(code[index]) + delta) % 10);
        const mutated = code.slice(0, index) + replaced + code.slice(index + 1);
        expect(parseRegistrationNumber(mutated).status).toBe('check-failed');
      }),
    );
  });
});
