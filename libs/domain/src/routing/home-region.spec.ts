import fc from 'fast-check';
import { nestedPrefixes, regionHolding, sellerHome } from './home-region';

describe('sellerHome', () => {
  it('takes the registering authority inside the credit code first', () => {
    expect(
      sellerHome({
        creditCode: '91370102MA3C8XK25Q',
        registrationNumber: '110108000000016',
        operatingDivisionCode: '330106',
      }),
    ).toEqual({ division: '370102', source: 'credit-code' });
  });

  it('falls back to the registration number, then to the operating division', () => {
    expect(sellerHome({ registrationNumber: '110108000000016', operatingDivisionCode: '330106' })).toEqual({
      division: '110108',
      source: 'registration-number',
    });
    expect(sellerHome({ creditCode: null, operatingDivisionCode: '330106' })).toEqual({
      division: '330106',
      source: 'operating-division',
    });
  });

  it('passes over a code whose province is unknown, and finds nothing when nothing locates the seller', () => {
    // An early authority code outside any province (positions 3–8 = 990000).
    expect(sellerHome({ creditCode: '91990000MA0000000X', operatingDivisionCode: '440305' })).toEqual({
      division: '440305',
      source: 'operating-division',
    });
    expect(sellerHome({})).toBeUndefined();
    expect(sellerHome({ operatingDivisionCode: '990101' })).toBeUndefined();
  });
});

describe('regionHolding', () => {
  const regions = ['330000', '330100', '370000', '110000', '440305'];

  it('prefers the city node over its province, and a county node over both', () => {
    expect(regionHolding('330106', regions)).toBe('330100');
    expect(regionHolding('330206', regions)).toBe('330000');
    expect(regionHolding('440305', regions)).toBe('440305');
    expect(regionHolding('440306', regions)).toBeUndefined();
    expect(regionHolding('110108', regions)).toBe('110000');
  });

  it('holds a withdrawn county code by its province when its city has no node', () => {
    // 莱芜市 (371200) was merged into 济南市 in 2019; its old district codes still start with 3712.
    expect(regionHolding('371202', regions)).toBe('370000');
  });

  it('is the region with the longest matching prefix, whatever the order of the regions', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(regions, { minLength: 1 }),
        fc.constantFrom('330106', '330206', '440305', '110108', '371202', '520102'),
        (some, division) => {
          const found = regionHolding(division, some);
          expect(regionHolding(division, [...some].reverse())).toBe(found);
          if (found !== undefined) {
            const prefix = (r: string) => r.replace(/(00)+$/, '');
            expect(division.startsWith(prefix(found))).toBe(true);
            for (const other of some) {
              if (division.startsWith(prefix(other)))
                expect(prefix(other).length).toBeLessThanOrEqual(prefix(found).length);
            }
          }
        },
      ),
    );
  });
});

describe('nestedPrefixes', () => {
  it('names the regions inside a region, and none of those beside or above it', () => {
    expect(nestedPrefixes('330000', ['330100', '330200', '370000', '330000', '000000'])).toEqual([
      '3301',
      '3302',
    ]);
    expect(nestedPrefixes('330100', ['330000', '330106', '330200'])).toEqual(['330106']);
    expect(nestedPrefixes('330000', [])).toEqual([]);
  });
});
