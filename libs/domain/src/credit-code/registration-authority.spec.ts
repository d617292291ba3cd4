import { parseCreditCode } from './credit-code';
import {
  MARKET_ENTITY_TYPE_NAMES,
  MarketEntityType,
  REGISTRATION_AUTHORITY_NAMES,
  RegistrationAuthority,
  marketEntityTypeOf,
  registrationAuthorityOf,
} from './registration-authority';

describe('registrationAuthorityOf', () => {
  it.each([
    ['9', RegistrationAuthority.MarketRegulation, 'market regulation'],
    ['1', RegistrationAuthority.Staffing, 'public-sector staffing'],
    ['5', RegistrationAuthority.CivilAffairs, 'civil affairs'],
    ['N', RegistrationAuthority.Agriculture, 'agriculture and rural affairs'],
    ['Y', RegistrationAuthority.Other, 'other'],
  ])('%s is %s', (character, authority, name) => {
    expect(registrationAuthorityOf(character)).toBe(authority);
    expect(REGISTRATION_AUTHORITY_NAMES[authority]).toBe(name);
  });

  it.each(['0', '2', 'A', 'X', '', '99', 'n'])('%j is not a named authority', (character) => {
    expect(registrationAuthorityOf(character)).toBeUndefined();
  });
});

describe('marketEntityTypeOf', () => {
  it.each([
    ['91330100799655058B', MarketEntityType.Enterprise, 'enterprise'],
    ['92330106MA2CCCCC0X', MarketEntityType.IndividualBusiness, 'individual business'],
    ['93330106MA2CCCCC0X', MarketEntityType.FarmersCooperative, "farmers' cooperative"],
  ])('reads positions 1–2 of %s', (code, type, name) => {
    expect(marketEntityTypeOf(code[0], code[1])).toBe(type);
    expect(MARKET_ENTITY_TYPE_NAMES[type]).toBe(name);
  });

  it('works on a parsed code', () => {
    const parsed = parseCreditCode('91512081MA62K0260E');
    expect(parsed.status === 'valid' && marketEntityTypeOf(parsed.authority, parsed.entityType)).toBe(
      MarketEntityType.Enterprise,
    );
  });

  it.each([
    ['5', '1'],
    ['1', '2'],
    ['9', '4'],
    ['9', '9'],
    ['Y', '1'],
  ])('authority %s, type %s is not a market entity type', (authority, entityType) => {
    expect(marketEntityTypeOf(authority, entityType)).toBeUndefined();
  });
});
