import { parse } from 'csv-parse/sync';
import {
  findDivision,
  isDivisionInForce,
  isKnownDivision,
  landOperator,
  normalizeEntityText,
  normalizeShopUrl,
  parseCreditCode,
  parseResidentId,
  regionHolding,
  regionPrefix,
  sellerHome,
  type RegisterEntry,
} from '@regulink/domain';
import {
  countiesOf,
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticData,
  registerCsvText,
  shopReportCsvText,
  SYNTHETIC_AS_OF,
  SYNTHETIC_REPORT_PERIOD,
  syntheticOptionProblems,
  type RegisterRow,
  type SyntheticData,
  type SyntheticOptions,
} from './synthetic-data';

const AS_OF = new Date(`${SYNTHETIC_AS_OF}T12:00:00+08:00`);
const REGIONS = ['330000', '360000', '370000'];

/** The header rows the imports expect (libs/registry …/dto: MARKET_ENTITY_COLUMNS, SHOP_REPORT_COLUMNS). */
const REGISTER_HEADER =
  'creditCode,name,entityType,legalRepresentative,registeredAddress,divisionCode,status,establishedOn,statusChangedOn,businessScope,updatedAt';
const SHOP_HEADER =
  'platform,shopId,shopName,shopUrl,operatorName,operatorCreditCode,operatorRegistrationNumber,operatorResidentId,exemptionGround,operatingAddress,operatingDivisionCode,contact,reportPeriod';

const options = (overrides: Partial<SyntheticOptions> = {}): SyntheticOptions => ({
  ...DEFAULT_SYNTHETIC_OPTIONS,
  ...overrides,
});

const allEntities = (data: SyntheticData) => Object.values(data.registers).flat();

/**
 * The checks that fail, as `<key>: <check>` lines: one expectation over thousands of rows, which
 * names every offender (and is much faster than an `expect` per row).
 */
function faults<T>(rows: readonly T[], key: (row: T) => string, checks: Record<string, (row: T) => boolean>) {
  const found: string[] = [];
  for (const row of rows) {
    for (const [name, check] of Object.entries(checks)) if (!check(row)) found.push(`${key(row)}: ${name}`);
  }
  return found;
}

describe('synthetic data', () => {
  describe('determinism', () => {
    it('gives the same data, byte for byte, for the same seed', () => {
      const a = generateSyntheticData(options({ seed: 7, shops: 2000 }));
      const b = generateSyntheticData(options({ seed: 7, shops: 2000 }));
      expect(b).toEqual(a);
      expect(shopReportCsvText(b.shops)).toBe(shopReportCsvText(a.shops));
      for (const region of REGIONS) {
        expect(registerCsvText(b.registers[region]!)).toBe(registerCsvText(a.registers[region]!));
      }
    });

    it('gives different data for another seed', () => {
      const a = generateSyntheticData(options({ seed: 7, shops: 2000 }));
      const b = generateSyntheticData(options({ seed: 8, shops: 2000 }));
      const codes = (d: SyntheticData) => new Set(allEntities(d).map((e) => e.creditCode));
      const shared = [...codes(a)].filter((c) => codes(b).has(c));
      expect(shared.length).toBeLessThan(codes(a).size / 100);
      const ids = new Set(a.shops.map((s) => s.shopId));
      expect(b.shops.filter((s) => ids.has(s.shopId)).length).toBeLessThan(20);
      expect(b.expected.map((e) => e.outcome)).not.toEqual(a.expected.map((e) => e.outcome));
    });
  });

  describe('at 10,000 shops with the defaults', () => {
    let data: SyntheticData;
    const byCode = new Map<string, RegisterRow & { region: string }>();

    beforeAll(() => {
      data = generateSyntheticData(options({ seed: 20260105, shops: 10_000 }));
      for (const [region, rows] of Object.entries(data.registers)) {
        for (const row of rows) byCode.set(row.creditCode, { ...row, region });
      }
    });

    it('has a register for the platform region and each seller region, none empty', () => {
      expect(Object.keys(data.registers).sort()).toEqual(REGIONS);
      for (const region of REGIONS) expect(data.registers[region]!.length).toBeGreaterThan(1000);
      expect(data.shops).toHaveLength(10_000);
      expect(data.expected).toHaveLength(10_000);
    });

    it('gives every entity and every reported operator a valid credit code, all distinct', () => {
      const registered = allEntities(data).map((e) => e.creditCode);
      const reported = data.shops.map((s) => s.operatorCreditCode).filter((c) => c !== '');
      for (const code of new Set([...registered, ...reported])) {
        expect(parseCreditCode(code)).toMatchObject({ status: 'valid', code });
      }
      expect(new Set(registered).size).toBe(registered.length);
      expect(registered.every((c) => /^9[12]/.test(c))).toBe(true);
      // The unknown operators' codes are in no register, and each is distinct from the others.
      const unknown = data.shops.filter((_, i) => data.expected[i]!.defect === 'unknown');
      expect(unknown.length).toBeGreaterThan(0);
      expect(unknown.filter((s) => byCode.has(s.operatorCreditCode))).toEqual([]);
      expect(new Set(unknown.map((s) => s.operatorCreditCode)).size).toBe(unknown.length);
    });

    it('places every entity in a county-level division in force inside its region, the one in its code', () => {
      for (const [region, rows] of Object.entries(data.registers)) {
        expect(
          faults(rows, (r) => r.creditCode, {
            known: (r) => isKnownDivision(r.divisionCode),
            'in force': (r) => isDivisionInForce(r.divisionCode, AS_OF),
            county: (r) => findDivision(r.divisionCode)?.level === 'county',
            'inside the region': (r) => r.divisionCode.startsWith(regionPrefix(region)),
            'the division in the code': (r) => r.creditCode.slice(2, 8) === r.divisionCode,
          }),
        ).toEqual([]);
        // Spread over the region, not one district.
        expect(new Set(rows.map((r) => r.divisionCode)).size).toBeGreaterThan(countiesOf(region).length / 2);
      }
      expect(countiesOf('330000')).toEqual(expect.arrayContaining(['330106', '330102', '330212']));
      expect(countiesOf('360000')).toContain('360102');
      expect(countiesOf('370000')).toContain('370102');
      expect(countiesOf('330000')).not.toContain('330103'); // 下城区, withdrawn 2021
      expect(countiesOf('370000')).not.toContain('370176'); // a development zone, no one's address
    });

    it('writes register lines the import takes: statuses, dates, names and addresses of the right place', () => {
      const isDay = (day: string) =>
        /^\d{4}-\d{2}-\d{2}$/.test(day) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
      const statuses = new Set<string>();
      for (const [region, rows] of Object.entries(data.registers)) {
        const province = findDivision(`${region.slice(0, 2)}0000`)!.name;
        for (const row of rows) statuses.add(row.status);
        expect(
          faults(rows, (r) => r.creditCode, {
            establishedOn: (r) => isDay(r.establishedOn) && r.establishedOn < SYNTHETIC_AS_OF,
            statusChangedOn: (r) =>
              r.status === 'active'
                ? r.statusChangedOn === ''
                : isDay(r.statusChangedOn) && r.statusChangedOn > r.establishedOn,
            updatedAt: (r) =>
              /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/.test(r.updatedAt) &&
              r.updatedAt.slice(0, 10) < SYNTHETIC_AS_OF &&
              r.updatedAt.slice(0, 10) >= (r.statusChangedOn || r.establishedOn),
            address: (r) =>
              r.registeredAddress.startsWith(province) &&
              r.registeredAddress.includes(findDivision(r.divisionCode)!.name),
            name: (r) =>
              r.creditCode[1] === '1'
                ? /^\p{Script=Han}{4,}有限公司$/u.test(r.name)
                : /^\p{Script=Han}+(店|商行|经营部|网店)$/u.test(r.name),
            entityType: (r) =>
              r.creditCode[1] === '2' ? r.entityType === '个体工商户' : /公司/.test(r.entityType),
            legalRepresentative: (r) => /^\p{Script=Han}{2,3}$/u.test(r.legalRepresentative),
            businessScope: (r) => /^一般项目：.+。/.test(r.businessScope),
          }),
        ).toEqual([]);
        expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
      }
      expect([...statuses].sort()).toEqual(['abnormal', 'active', 'deregistered', 'revoked']);
    });

    it('reports each shop once, with a URL the import normalizes, in the report period', () => {
      expect(
        faults(data.shops, (s) => s.shopId, {
          url: (s) => normalizeShopUrl(s.shopUrl).status === 'valid',
          reportPeriod: (s) => s.reportPeriod === SYNTHETIC_REPORT_PERIOD,
          'no registration number': (s) => s.operatorRegistrationNumber === '',
          shopName: (s) => s.shopName !== '',
          operatingDivisionCode: (s) => isKnownDivision(s.operatingDivisionCode),
        }),
      ).toEqual([]);
      const keys = new Set(
        data.shops.map((s) => {
          const url = normalizeShopUrl(s.shopUrl);
          return `${s.platform} ${url.status === 'valid' ? url.url : ''}`;
        }),
      );
      expect(keys.size).toBe(data.shops.length);
      expect(new Set(data.shops.map((s) => s.platform)).size).toBeGreaterThanOrEqual(3);
    });

    it('gives unregistered sellers a valid resident ID and an exemption ground, and nothing else a resident ID', () => {
      const unregistered = data.shops.filter((s) => s.operatorCreditCode === '');
      expect(
        faults(unregistered, (s) => s.shopId, {
          'resident ID': (s) => parseResidentId(s.operatorResidentId, { now: AS_OF }).status === 'valid',
          exemptionGround: (s) => s.exemptionGround !== '',
          'a person’s name': (s) => /^\p{Script=Han}{2,3}$/u.test(s.operatorName),
        }),
      ).toEqual([]);
      const registered = data.shops.filter((s) => s.operatorCreditCode !== '');
      expect(registered.every((s) => s.operatorResidentId === '' && s.exemptionGround === '')).toBe(true);
      expect(new Set(unregistered.map((s) => s.exemptionGround)).size).toBeGreaterThan(1);
    });

    it('hits the unregistered share and each defect rate, as the data itself shows', () => {
      const unregistered = data.shops.filter((s) => s.operatorCreditCode === '').length;
      expect(Math.abs(unregistered / 10_000 - 0.3)).toBeLessThan(0.01);
      const registered = data.shops.filter((s) => s.operatorCreditCode !== '');
      // Counted from the lines against the registers, not from the labels.
      const unknown = registered.filter((s) => !byCode.has(s.operatorCreditCode)).length;
      const gone = registered.filter((s) =>
        ['deregistered', 'revoked'].includes(byCode.get(s.operatorCreditCode)?.status ?? ''),
      ).length;
      const renamed = registered.filter((s) => {
        const entry = byCode.get(s.operatorCreditCode);
        return entry !== undefined && entry.name !== s.operatorName;
      }).length;
      for (const count of [unknown, gone, renamed]) {
        expect(Math.abs(count / registered.length - 0.05)).toBeLessThan(0.01);
      }
      const labelled = (defect: string) => data.expected.filter((e) => e.defect === defect).length;
      expect([labelled('unknown'), labelled('deregistered'), labelled('mismatch')]).toEqual([
        unknown,
        gone,
        renamed,
      ]);
    });

    it('expects for each shop the home region and outcome that sellerHome and landOperator give', () => {
      // The home register as landing reads it: by code, or by reduced name.
      const byName = new Map(
        Object.entries(data.registers).map(([region, rows]) => {
          const names = new Map<string, RegisterRow[]>();
          for (const row of rows) {
            const key = normalizeEntityText(row.name);
            names.set(key, [...(names.get(key) ?? []), row]);
          }
          return [region, names];
        }),
      );
      const tally: Record<string, number> = {};
      const wrong: string[] = [];
      for (let i = 0; i < data.shops.length; i++) {
        const shop = data.shops[i]!;
        const expected = data.expected[i]!;
        const home = sellerHome({
          creditCode: shop.operatorCreditCode || null,
          operatingDivisionCode: shop.operatingDivisionCode,
        });
        const claim = {
          creditCode: shop.operatorCreditCode || null,
          name: shop.operatorName,
          address: shop.operatingAddress,
        };
        const candidates: RegisterEntry[] = claim.creditCode
          ? [byCode.get(claim.creditCode)!].filter((e) => e?.region === expected.homeRegion)
          : (byName.get(expected.homeRegion)!.get(normalizeEntityText(shop.operatorName)) ?? []);
        const landed = landOperator(claim, candidates);
        const got = {
          shopId: shop.shopId,
          platform: shop.platform,
          homeRegion: home && regionHolding(home.division, REGIONS),
          outcome: landed.outcome,
          differing: landed.outcome === 'mismatch' ? landed.differing : undefined,
          abnormal: 'abnormal' in landed && landed.abnormal,
        };
        const want = {
          shopId: expected.shopId,
          platform: expected.platform,
          homeRegion: expected.homeRegion,
          outcome: expected.outcome === 'unregistered' ? 'not-found' : expected.outcome,
          differing: expected.outcome === 'mismatch' ? ['name'] : undefined,
          abnormal: expected.abnormal,
        };
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          wrong.push(`${JSON.stringify(got)} instead of ${JSON.stringify(want)}`);
        }
        tally[expected.outcome] = (tally[expected.outcome] ?? 0) + 1;
      }
      expect(wrong).toEqual([]);
      expect(Object.keys(tally).sort()).toEqual([
        'deregistered',
        'matched',
        'mismatch',
        'not-found',
        'revoked',
        'unregistered',
      ]);
      expect(data.expected.some((e) => e.abnormal)).toBe(true);
      // Every region is home to some shops, and some entities run several.
      for (const region of REGIONS) {
        expect(data.expected.filter((e) => e.homeRegion === region).length).toBeGreaterThan(2500);
      }
      const codes = data.shops.map((s) => s.operatorCreditCode).filter((c) => c !== '');
      expect(new Set(codes).size).toBeLessThan(codes.length);
    });

    it('writes CSV that parses back to the same rows, under the header the imports expect', () => {
      for (const rows of Object.values(data.registers)) {
        const text = registerCsvText(rows);
        expect(text.slice(0, text.indexOf('\n'))).toBe(REGISTER_HEADER);
        expect(parse(text, { columns: true })).toEqual(rows.map((r) => ({ ...r })));
      }
      const text = shopReportCsvText(data.shops);
      expect(text.slice(0, text.indexOf('\n'))).toBe(SHOP_HEADER);
      expect(text.split('\n')).toHaveLength(data.shops.length + 2); // header, lines, '' after the last \n
      expect(parse(text, { columns: true })).toEqual(data.shops.map((s) => ({ ...s })));
      // Some fields need quoting (an ASCII comma in an address): the round trip covered them.
      expect(data.shops.some((s) => s.operatingAddress.includes(','))).toBe(true);
      expect(text).toContain('"');
    });
  });

  it('quotes commas, quotes and line breaks', () => {
    const [row] = generateSyntheticData(options({ shops: 5 })).registers['330000']!;
    const tricky = { ...row!, businessScope: 'a,"b"\nc', name: '甲，乙' };
    const text = registerCsvText([tricky]);
    expect(text).toContain('"a,""b""\nc"');
    expect(parse(text, { columns: true })).toEqual([tricky]);
  });

  it('takes the edge cases: no shops, all unregistered, no defects', () => {
    const none = generateSyntheticData(options({ shops: 0 }));
    expect(none.shops).toEqual([]);
    expect(shopReportCsvText(none.shops)).toBe(`${SHOP_HEADER}\n`);
    const persons = generateSyntheticData(options({ shops: 200, unregisteredShare: 1 }));
    expect(persons.expected.every((e) => e.outcome === 'unregistered')).toBe(true);
    const clean = generateSyntheticData(
      options({ shops: 200, unregisteredShare: 0, defects: { mismatch: 0, deregistered: 0, unknown: 0 } }),
    );
    expect(new Set(clean.expected.map((e) => e.outcome))).toEqual(new Set(['matched']));
    const allDefects = generateSyntheticData(
      options({ shops: 3, unregisteredShare: 0, defects: { mismatch: 0.5, deregistered: 0.5, unknown: 0 } }),
    );
    expect(allDefects.shops).toHaveLength(3);
    expect(allDefects.expected.every((e) => e.defect !== null)).toBe(true);
  });

  it('generates for other regions: a city, and a municipality', () => {
    const data = generateSyntheticData(
      options({ platformRegion: '310000', sellerRegions: ['440300', '110000'], shops: 300 }),
    );
    expect(data.registers['440300']!.every((e) => e.divisionCode.startsWith('4403'))).toBe(true);
    expect(data.registers['440300']!.some((e) => e.name.startsWith('深圳'))).toBe(true);
    expect(data.registers['110000']!.every((e) => e.registeredAddress.startsWith('北京市'))).toBe(true);
    expect(data.registers['310000']!.some((e) => e.name.startsWith('上海'))).toBe(true);
  });

  it('refuses bad options, naming every problem', () => {
    const problems = syntheticOptionProblems({
      seed: -1,
      platformRegion: '339999',
      sellerRegions: ['330106', '3600', '360000', '360100'],
      shops: 1.5,
      unregisteredShare: Number.NaN,
      defects: { mismatch: 0.6, deregistered: 0.6, unknown: 1.2 },
    });
    expect(problems).toEqual([
      'seed must be an integer from 0 to 4294967295',
      'shops must be an integer from 0 to 2000000',
      'unregistered share must be from 0 to 1',
      'unknown rate must be from 0 to 1',
      'the defect rates add up to more than 1',
      'region 339999 is not a division in force',
      'region 330106 is a county, not a province or city',
      'region 3600 is not six digits',
      'regions 360000 and 360100 overlap',
    ]);
    expect(() => generateSyntheticData(options({ sellerRegions: ['330100'] }))).toThrow(
      /regions 330000 and 330100 overlap/,
    );
    expect(syntheticOptionProblems(DEFAULT_SYNTHETIC_OPTIONS)).toEqual([]);
  });
});
