import fc from 'fast-check';
import { MalformedReason } from '../normalize/malformed-reason';
import {
  CREDIT_CODE_ALPHABET,
  CreditCodeWarning,
  creditCodeCheckCharacter,
  isAcceptedCreditCode,
  parseCreditCode,
} from './credit-code';
import { organizationCodeCheckCharacter } from './organization-code';

const ALPHABET = [...CREDIT_CODE_ALPHABET];
const NOT_IN_ALPHABET = ['I', 'O', 'S', 'V', 'Z', '-', '中', '.', '_'];

/** ASCII → full-width forms, as typed with a Chinese input method. */
function toFullWidth(text: string): string {
  return [...text].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join('');
}

const body = (length: number) =>
  fc
    .array(fc.constantFrom(...ALPHABET), { minLength: length, maxLength: length })
    .map((chars) => chars.join(''));

/** A code with both checks right, built from 16 arbitrary alphabet characters. */
const validCode = body(16).map((first16) => {
  const first17 = first16 + organizationCodeCheckCharacter(first16.slice(8, 16));
  return first17 + creditCodeCheckCharacter(first17);
});

describe('parseCreditCode: worked examples (domain.md)', () => {
  it.each([
    ['91512081MA62K0260E', '9', '1', '512081', 'MA62K0260'],
    ['91330100799655058B', '9', '1', '330100', '799655058'],
    ['91440300708461136T', '9', '1', '440300', '708461136'],
    ['91350100M000100Y43', '9', '1', '350100', 'M000100Y4'],
    ['9133010000000006X9', '9', '1', '330100', '00000006X'],
    ['913301000000000009', '9', '1', '330100', '000000000'],
  ])('%s is valid', (code, authority, entityType, divisionCode, organizationCode) => {
    expect(parseCreditCode(code)).toEqual({
      status: 'valid',
      code,
      authority,
      entityType,
      divisionCode,
      organizationCode,
      warnings: [],
    });
  });

  it.each([
    ['full-width', '９１３３０１００７９９６５５０５８Ｂ'],
    ['lower case', '91330100799655058b'],
    ['surrounding spaces', '  91330100799655058B \t'],
    ['ideographic spaces and full-width lower case', '\u3000９１３３０１００７９９６５５０５８ｂ\u3000'],
    ['mixed widths', '913301００799655０58B'],
  ])('%s input parses to the same valid result', (_label, input) => {
    expect(parseCreditCode(input)).toEqual(parseCreditCode('91330100799655058B'));
    expect(parseCreditCode(input).status).toBe('valid');
  });

  it('values position 9–16 letters with the full 0–9A–Z table in the organization check', () => {
    // With the credit alphabet's values (K = 19) the inner check of MA62K026 would be 8, not 0.
    expect(organizationCodeCheckCharacter('MA62K026')).toBe('0');
  });
});

describe('parseCreditCode: check-failed codes are accepted with a warning', () => {
  it('accepts the Xiamen pilot code 91350211M0000XUF46 (credit check should be R)', () => {
    const parsed = parseCreditCode('91350211M0000XUF46');
    expect(parsed).toEqual({
      status: 'check-failed',
      code: '91350211M0000XUF46',
      authority: '9',
      entityType: '1',
      divisionCode: '350211',
      organizationCode: 'M0000XUF4',
      warnings: [CreditCodeWarning.CreditCheckFailed],
      failedChecks: ['credit'],
      expectedCheck: 'R',
      expectedOrganizationCheck: '4',
    });
    expect(isAcceptedCreditCode(parsed)).toBe(true);
  });

  it.each([
    ['91512081MA62K0261H', ['organization'], 'H', '0'],
    ['91512081MA62K026AD', ['organization'], 'D', '0'],
    ['91512081MA62K0261E', ['organization', 'credit'], 'H', '0'],
    ['91512081MA62K0260F', ['credit'], 'E', '0'],
  ])('%s fails %j', (code, failedChecks, expectedCheck, expectedOrganizationCheck) => {
    const parsed = parseCreditCode(code);
    expect(parsed).toMatchObject({
      status: 'check-failed',
      code,
      failedChecks,
      expectedCheck,
      expectedOrganizationCheck,
    });
    expect(parsed.status !== 'malformed' && parsed.warnings).toEqual(
      failedChecks.map((check) =>
        check === 'credit' ? CreditCodeWarning.CreditCheckFailed : CreditCodeWarning.OrganizationCheckFailed,
      ),
    );
  });
});

describe('parseCreditCode: malformed codes are rejected', () => {
  it.each([
    ['', MalformedReason.Empty, undefined],
    ['   ', MalformedReason.Empty, undefined],
    ['\u3000\u3000', MalformedReason.Empty, undefined],
    ['91512081MA62K0260', MalformedReason.WrongLength, undefined],
    ['91512081MA62K0260EE', MalformedReason.WrongLength, undefined],
    ['91512081 MA62K0260E', MalformedReason.WrongLength, undefined],
    ['110108000000016', MalformedReason.WrongLength, undefined],
    // Z is not in the alphabet: malformed, not check-failed (the check should be 3).
    ['91350100M000100Y4Z', MalformedReason.InvalidCharacter, 18],
    ['91512081IA62K0260E', MalformedReason.InvalidCharacter, 9],
    ['9151208OMA62K0260E', MalformedReason.InvalidCharacter, 8],
    ['91512081MA62K0S60E', MalformedReason.InvalidCharacter, 15],
    ['V1512081MA62K0260E', MalformedReason.InvalidCharacter, 1],
    ['91512081MA62K026-E', MalformedReason.InvalidCharacter, 17],
    ['9151208１MA62K026中E', MalformedReason.InvalidCharacter, 17],
  ])('%j is malformed (%s)', (input, reason, position) => {
    const parsed = parseCreditCode(input);
    expect(parsed).toEqual({ status: 'malformed', input, reason, ...(position ? { position } : {}) });
    expect(isAcceptedCreditCode(parsed)).toBe(false);
  });

  it('treats a non-string as empty instead of throwing', () => {
    expect(parseCreditCode(null as unknown as string)).toEqual({
      status: 'malformed',
      input: '',
      reason: MalformedReason.Empty,
    });
  });
});

describe('check character functions', () => {
  it.each([
    ['91512081MA62K0260', 'E'],
    ['91330100799655058', 'B'],
    ['91440300708461136', 'T'],
    ['91350100M000100Y4', '3'],
    ['91350211M0000XUF4', 'R'],
  ])('creditCodeCheckCharacter(%s) = %s', (first17, check) => {
    expect(creditCodeCheckCharacter(first17)).toBe(check);
  });

  it.each([
    ['MA62K026', '0'],
    ['79965505', '8'],
    ['70846113', '6'],
    ['00000006', 'X'],
    ['00000000', '0'],
    ['12345678', '8'],
  ])('organizationCodeCheckCharacter(%s) = %s', (first8, check) => {
    expect(organizationCodeCheckCharacter(first8)).toBe(check);
  });

  it('rejects bodies of the wrong shape', () => {
    expect(() => creditCodeCheckCharacter('9151208')).toThrow(RangeError);
    expect(() => creditCodeCheckCharacter('91512081IA62K0260')).toThrow(RangeError);
    expect(() => organizationCodeCheckCharacter('ma62k026')).toThrow(RangeError);
    expect(() => organizationCodeCheckCharacter('MA62K02')).toThrow(RangeError);
  });
});

describe('parseCreditCode: properties', () => {
  it('a code with both checks computed parses valid, also full-width, lower case and padded', () => {
    fc.assert(
      fc.property(validCode, fc.constantFrom('', ' ', '\u3000', '\t'), (code, pad) => {
        const parsed = parseCreditCode(code);
        expect(parsed).toEqual({
          status: 'valid',
          code,
          authority: code[0],
          entityType: code[1],
          divisionCode: code.slice(2, 8),
          organizationCode: code.slice(8, 17),
          warnings: [],
        });
        expect(parseCreditCode(pad + toFullWidth(code) + pad)).toEqual(parsed);
        expect(parseCreditCode(pad + code.toLowerCase() + pad)).toEqual(parsed);
        expect(parseCreditCode(toFullWidth(code.toLowerCase()))).toEqual(parsed);
      }),
    );
  });

  it('any 17-character body plus its credit check is accepted; valid exactly when position 17 is right', () => {
    fc.assert(
      fc.property(body(17), (first17) => {
        const parsed = parseCreditCode(first17 + creditCodeCheckCharacter(first17));
        const organizationOk = first17[16] === organizationCodeCheckCharacter(first17.slice(8, 16));
        if (organizationOk) {
          expect(parsed.status).toBe('valid');
        } else {
          expect(parsed).toMatchObject({ status: 'check-failed', failedChecks: ['organization'] });
        }
      }),
    );
  });

  it('changing one character to another alphabet symbol never yields valid', () => {
    fc.assert(
      fc.property(validCode, fc.nat(17), fc.constantFrom(...ALPHABET), (code, index, replacement) => {
        fc.pre(code[index] !== replacement);
        const mutated = code.slice(0, index) + replacement + code.slice(index + 1);
        const parsed = parseCreditCode(mutated);
        expect(parsed.status).toBe('check-failed');
        expect(parsed.status === 'check-failed' && parsed.failedChecks).toContain('credit');
      }),
    );
  });

  it('changing one character to a symbol outside the alphabet yields malformed at that position', () => {
    fc.assert(
      fc.property(validCode, fc.nat(17), fc.constantFrom(...NOT_IN_ALPHABET), (code, index, replacement) => {
        const mutated = code.slice(0, index) + replacement + code.slice(index + 1);
        expect(parseCreditCode(mutated)).toEqual({
          status: 'malformed',
          input: mutated,
          reason: MalformedReason.InvalidCharacter,
          position: index + 1,
        });
      }),
    );
  });
});
