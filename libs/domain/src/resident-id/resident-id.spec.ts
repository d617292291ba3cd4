import fc from 'fast-check';
import { MalformedReason } from '../normalize/malformed-reason';
import {
  ResidentIdInvalidReason,
  maskResidentId,
  parseResidentId,
  residentIdCheckCharacter,
} from './resident-id';

const NOW = new Date('2025-06-01T12:00:00+08:00');

/** GB 11643 check written out from the spec, independently of the code under test. */
function withCheck(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, weight, i) => acc + weight * Number(first17[i]), 0);
  return first17 + '10X98765432'[sum % 11];
}

// prettier-ignore
const MAINLAND_PROVINCES = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41',
  '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
];

const DAY_MS = 24 * 60 * 60 * 1000;
const EARLIEST = Date.UTC(1900, 0, 1);
const DAYS_UNTIL_NOW = Math.floor((Date.UTC(2025, 5, 1) - EARLIEST) / DAY_MS);

/** Birth dates from 1900-01-01 to 2025-06-01 as YYYYMMDD. */
const birthDate = fc.integer({ min: 0, max: DAYS_UNTIL_NOW }).map((days) => {
  const date = new Date(EARLIEST + days * DAY_MS);
  const yyyy = String(date.getUTCFullYear());
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  return `${yyyy}${mm}${dd}`;
});

const validId = fc
  .tuple(
    fc.constantFrom(...MAINLAND_PROVINCES),
    fc.integer({ min: 0, max: 9999 }),
    birthDate,
    fc.integer({ min: 0, max: 999 }),
  )
  .map(([province, rest, birth, sequence]) =>
    withCheck(`${province}${String(rest).padStart(4, '0')}${birth}${String(sequence).padStart(3, '0')}`),
  );

describe('parseResidentId', () => {
  it('accepts the synthetic 11010519491231002X', () => {
    expect(parseResidentId('11010519491231002X', { now: NOW })).toEqual({
      status: 'valid',
      id: '11010519491231002X',
      masked: '110105********002X',
      divisionCode: '110105',
      birthDate: '1949-12-31',
      sex: 'female',
    });
  });

  it.each([
    ['11010519491231002x'],
    ['  11010519491231002X '],
    ['１１０１０５１９４９１２３１００２ｘ'],
    ['\u300011010519491231002X'],
  ])('normalizes %j', (input) => {
    expect(parseResidentId(input, { now: NOW })).toEqual(parseResidentId('11010519491231002X', { now: NOW }));
  });

  it.each([
    ['33010619900307123', 'male', '1990-03-07'],
    ['44030520000229124', 'female', '2000-02-29'],
    ['65010219000101001', 'male', '1900-01-01'],
    ['81000019851010002', 'female', '1985-10-10'],
    ['82000019851010003', 'male', '1985-10-10'],
    ['83000019851010004', 'female', '1985-10-10'],
    ['37120219800101005', 'male', '1980-01-01'],
  ])('accepts %s + check (%s, born %s)', (first17, sex, birth) => {
    const id = withCheck(first17);
    expect(parseResidentId(id, { now: NOW })).toMatchObject({ status: 'valid', id, sex, birthDate: birth });
  });

  it.each([
    ['110105194912310021', ResidentIdInvalidReason.CheckFailed],
    [withCheck('11010519490230002'), ResidentIdInvalidReason.InvalidBirthDate],
    [withCheck('11010519000229002'), ResidentIdInvalidReason.InvalidBirthDate],
    [withCheck('11010518991231002'), ResidentIdInvalidReason.InvalidBirthDate],
    [withCheck('11010519491301002'), ResidentIdInvalidReason.InvalidBirthDate],
    [withCheck('11010519491200002'), ResidentIdInvalidReason.InvalidBirthDate],
    [withCheck('11010520300101002'), ResidentIdInvalidReason.FutureBirthDate],
    [withCheck('11010520250602002'), ResidentIdInvalidReason.FutureBirthDate],
    [withCheck('00000019491231002'), ResidentIdInvalidReason.UnknownDivision],
    [withCheck('99010519491231002'), ResidentIdInvalidReason.UnknownDivision],
    [withCheck('71000019491231002'), ResidentIdInvalidReason.UnknownDivision],
    [withCheck('81010519491231002'), ResidentIdInvalidReason.UnknownDivision],
    // The division is reported before the date, the date before the check.
    ['000000194902300021', ResidentIdInvalidReason.UnknownDivision],
    ['110105194902300021', ResidentIdInvalidReason.InvalidBirthDate],
  ])('%s is invalid: %s', (id, reason) => {
    const parsed = parseResidentId(id, { now: NOW });
    expect(parsed).toEqual({ status: 'invalid', reason, masked: `${id.slice(0, 6)}********${id.slice(14)}` });
    expect(JSON.stringify(parsed)).not.toContain(id);
    expect(JSON.stringify(parsed)).not.toContain(id.slice(6, 14));
  });

  it('compares the birth date with today in China', () => {
    const born = withCheck('11010520250601002');
    // 2025-05-31T16:30Z is already 1 June in China.
    expect(parseResidentId(born, { now: new Date('2025-05-31T16:30:00Z') }).status).toBe('valid');
    expect(parseResidentId(born, { now: new Date('2025-05-31T15:30:00Z') })).toMatchObject({
      status: 'invalid',
      reason: ResidentIdInvalidReason.FutureBirthDate,
    });
  });

  it('defaults now to the current time', () => {
    expect(parseResidentId(withCheck('11010520990101002'))).toMatchObject({
      reason: ResidentIdInvalidReason.FutureBirthDate,
    });
    expect(parseResidentId('11010519491231002X').status).toBe('valid');
  });

  it.each([
    ['', MalformedReason.Empty, undefined],
    ['\u3000', MalformedReason.Empty, undefined],
    ['11010519491231002', MalformedReason.WrongLength, undefined],
    ['110105491231002', MalformedReason.WrongLength, undefined],
    ['11010519491231002XX', MalformedReason.WrongLength, undefined],
    ['1101051949123100XX', MalformedReason.InvalidCharacter, 17],
    ['11010519491231002Y', MalformedReason.InvalidCharacter, 18],
    ['X10105194912310020', MalformedReason.InvalidCharacter, 1],
    ['110105-94912310020', MalformedReason.InvalidCharacter, 7],
  ])('%j is malformed (%s) and the result does not carry it', (input, reason, position) => {
    const parsed = parseResidentId(input, { now: NOW });
    expect(parsed).toEqual({ status: 'malformed', reason, ...(position ? { position } : {}) });
  });

  it('throws on an invalid now, a programming error', () => {
    expect(() => parseResidentId('11010519491231002X', { now: new Date('nope') })).toThrow(RangeError);
  });
});

describe('residentIdCheckCharacter', () => {
  it.each([
    ['11010519491231002', 'X'],
    // One less at the last body position (weight 2) moves Σ mod 11 from 2 to 0.
    ['11010519491231001', '1'],
    ['00000000000000000', '1'],
  ])('%s → %s', (first17, check) => {
    expect(residentIdCheckCharacter(first17)).toBe(check);
  });

  it('rejects a wrong body without echoing it', () => {
    expect(() => residentIdCheckCharacter('1101051949123100X')).toThrow(RangeError);
    expect(() => residentIdCheckCharacter('1101051949123100X')).not.toThrow(/1101051949/);
  });
});

describe('maskResidentId', () => {
  it.each([
    ['11010519491231002X', '110105********002X'],
    ['11010519491231002x', '110105********002X'],
    [' 330106199003071234 ', '330106********1234'],
    ['１１０１０５１９４９１２３１００２Ｘ', '110105********002X'],
    ['110105491231002', '***************'],
    ['', ''],
  ])('%j → %j', (id, masked) => {
    expect(maskResidentId(id)).toBe(masked);
  });
});

describe('parseResidentId: properties', () => {
  it('a number with the check computed from the spec is valid', () => {
    fc.assert(
      fc.property(validId, (id) => {
        const parsed = parseResidentId(id, { now: NOW });
        expect(parsed).toEqual({
          status: 'valid',
          id,
          masked: maskResidentId(id),
          divisionCode: id.slice(0, 6),
          birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
          sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
        });
        expect(parseResidentId(id.toLowerCase(), { now: NOW })).toEqual(parsed);
        expect(residentIdCheckCharacter(id.slice(0, 17))).toBe(id[17]);
      }),
    );
  });

  it('changing exactly one character never yields valid', () => {
    const characters = '0123456789X';
    fc.assert(
      fc.property(validId, fc.nat(17), fc.integer({ min: 1, max: 10 }), (id, index, shift) => {
        const replacement = characters[(characters.indexOf(id[index]) + shift) % characters.length];
        const mutated = id.slice(0, index) + replacement + id.slice(index + 1);
        const parsed = parseResidentId(mutated, { now: NOW });
        expect(parsed.status).not.toBe('valid');
        expect(JSON.stringify(parsed)).not.toContain(mutated);
      }),
    );
  });
});
