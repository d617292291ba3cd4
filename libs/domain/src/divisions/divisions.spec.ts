import divisionTable from './division-table.json';
import {
  cityOf,
  findDivision,
  isDivisionInForce,
  isKnownDivision,
  isRegionCode,
  provinceOf,
} from './divisions';

const NOW = new Date('2025-06-01T12:00:00+08:00');
const BEFORE_2009 = new Date('2008-06-01T12:00:00+08:00');

describe('division table', () => {
  const rows = divisionTable.rows;
  const inForce = rows.filter((row) => row[5] === null);
  const count = (level: string) => inForce.filter((row) => row[2] === level).length;

  it('has 31 mainland provinces and 333 prefecture-level units in force', () => {
    expect(count('province')).toBe(31);
    expect(count('city')).toBe(333);
    expect(count('county')).toBeGreaterThan(2800);
  });

  it('is sorted by code without duplicates', () => {
    const codes = rows.map((row) => row[0] as string);
    expect(codes).toEqual([...new Set(codes)].sort());
  });

  it('leaves out Hong Kong, Macau, Taiwan and the NBS pseudo-cities', () => {
    for (const code of ['710000', '810000', '820000', '110100', '500200', '419000', '659000']) {
      expect(isKnownDivision(code)).toBe(false);
    }
  });
});

describe('findDivision', () => {
  it('finds a current county, city and province', () => {
    expect(findDivision('330106')).toEqual({
      code: '330106',
      name: '西湖区',
      level: 'county',
      parentCode: '330100',
      validFrom: '1980-01-01',
      validTo: null,
      successorCode: null,
    });
    expect(findDivision('330100')).toMatchObject({ name: '杭州市', level: 'city', parentCode: '330000' });
    expect(findDivision('330000')).toMatchObject({ name: '浙江省', level: 'province', parentCode: null });
  });

  it.each([
    ['110103', '崇文区', '2010-01-01', '110101', '110000'],
    ['120107', '塘沽区', '2009-01-01', '120116', '120000'],
    ['310108', '闸北区', '2015-01-01', '310106', '310000'],
    ['320107', '下关区', '2013-01-01', '320106', '320100'],
    ['330103', '下城区', '2021-01-01', '330105', '330100'],
    ['371202', '莱城区', '2019-01-01', '370116', '371200'],
    ['371200', '莱芜市', '2019-01-01', '370100', '370000'],
    ['341400', '巢湖市', '2011-01-01', null, '340000'],
    ['440116', '萝岗区', '2014-01-01', '440112', '440100'],
  ])('keeps withdrawn %s %s (until %s, then %s)', (code, name, validTo, successorCode, parentCode) => {
    expect(findDivision(code)).toMatchObject({ code, name, validTo, successorCode, parentCode });
    if (successorCode !== null) {
      expect(findDivision(successorCode)?.validTo).toBeNull();
    }
  });

  it('with a date, answers only for codes in force on that day in China', () => {
    expect(findDivision('330103', new Date('2020-12-31T12:00:00+08:00'))?.name).toBe('下城区');
    expect(findDivision('330103', new Date('2021-01-01T00:00:00+08:00'))).toBeUndefined();
    // 2020-12-31T16:00Z is already 2021-01-01 in China.
    expect(findDivision('330103', new Date('2020-12-31T16:00:00Z'))).toBeUndefined();
    expect(findDivision('330106', NOW)?.name).toBe('西湖区');
    expect(findDivision('120116', BEFORE_2009)).toBeUndefined();
    expect(findDivision('120107', BEFORE_2009)?.name).toBe('塘沽区');
    expect(findDivision('330106', new Date('invalid'))).toBeUndefined();
  });

  it.each([
    '',
    '33010',
    '3301060',
    '33010a',
    'abcdef',
    ' 330106',
    '３３０１０６',
    '999999',
    '110199',
    '000000',
  ])('gives undefined for %j', (code) => {
    expect(findDivision(code)).toBeUndefined();
    expect(isKnownDivision(code)).toBe(false);
    expect(isDivisionInForce(code, NOW)).toBe(false);
    expect(isRegionCode(code, NOW)).toBe(false);
  });

  it('never throws on non-strings', () => {
    for (const value of [undefined, null, 330106, {}, ['330106']]) {
      const code = value as unknown as string;
      expect(findDivision(code)).toBeUndefined();
      expect(provinceOf(code)).toBeUndefined();
      expect(cityOf(code)).toBeUndefined();
      expect(isRegionCode(code)).toBe(false);
    }
  });

  it('returns frozen records', () => {
    expect(Object.isFrozen(findDivision('330106'))).toBe(true);
  });
});

describe('provinceOf', () => {
  it.each([
    ['330106', '330000', '浙江省'],
    ['330100', '330000', '浙江省'],
    ['330000', '330000', '浙江省'],
    ['110103', '110000', '北京市'],
    ['371202', '370000', '山东省'],
    ['341400', '340000', '安徽省'],
    ['419001', '410000', '河南省'],
    ['330199', '330000', '浙江省'],
  ])('%s → %s', (code, provinceCode, name) => {
    expect(provinceOf(code)).toMatchObject({ code: provinceCode, name, level: 'province' });
  });

  it.each(['990000', '710000', '810000', '33010', 'x30106'])('%j has none', (code) => {
    expect(provinceOf(code)).toBeUndefined();
  });
});

describe('cityOf', () => {
  it.each([
    ['330106', '330100', '杭州市', null],
    ['330100', '330100', '杭州市', null],
    ['330103', '330100', '杭州市', null],
    ['320103', '320100', '南京市', null],
    ['371202', '371200', '莱芜市', '2019-01-01'],
    ['371200', '371200', '莱芜市', '2019-01-01'],
    ['441900', '441900', '东莞市', null],
    ['620201', '620200', '嘉峪关市', null],
  ])('%s → %s', (code, cityCode, name, validTo) => {
    expect(cityOf(code)).toMatchObject({ code: cityCode, name, level: 'city', validTo });
  });

  it.each([
    ['110105', 'Beijing district'],
    ['110103', 'withdrawn Beijing district'],
    ['120116', 'Tianjin district'],
    ['310115', 'Shanghai district'],
    ['500229', 'Chongqing county'],
    ['419001', 'county-level city directly under Henan'],
    ['429004', 'county-level city directly under Hubei'],
    ['330000', 'province'],
    ['990101', 'unknown province'],
  ])('%s (%s) has none', (code) => {
    expect(cityOf(code)).toBeUndefined();
  });
});

describe('isDivisionInForce, isKnownDivision and isRegionCode', () => {
  it.each([
    ['330000', true],
    ['330100', true],
    ['330106', true],
    ['120116', true],
    ['330103', false],
    ['371200', false],
    ['110104', false],
  ])('%s in force now: %s', (code, inForce) => {
    expect(isDivisionInForce(code, NOW)).toBe(inForce);
    expect(isDivisionInForce(code)).toBe(inForce);
    expect(isRegionCode(code, NOW)).toBe(inForce);
    expect(isRegionCode(code)).toBe(inForce);
    expect(isKnownDivision(code)).toBe(true);
  });

  it('follows the date for withdrawn codes', () => {
    expect(isDivisionInForce('110104', BEFORE_2009)).toBe(true);
    expect(isDivisionInForce('110104', new Date('2010-01-01T00:00:00+08:00'))).toBe(false);
    expect(isRegionCode('371200', new Date('2018-12-31T12:00:00+08:00'))).toBe(true);
    expect(isRegionCode('371200', new Date('2019-01-01T12:00:00+08:00'))).toBe(false);
    expect(isDivisionInForce('330106', new Date('invalid'))).toBe(false);
  });
});
