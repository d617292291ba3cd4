import fc from 'fast-check';
import {
  landOperator,
  MAX_CANDIDATES,
  normalizeEntityText,
  sameAddress,
  textSimilarity,
  type RegisterEntry,
} from './landing';

const WEST_LAKE: RegisterEntry = {
  creditCode: '91330106MA2H2G2X1Q',
  name: '杭州西湖示例网络科技有限公司',
  registeredAddress: '浙江省杭州市西湖区文三路1号3楼',
  status: 'active',
};
const NAMESAKE: RegisterEntry = {
  creditCode: '91330110MA2J00001X',
  name: '杭州西湖示例网络科技有限公司余杭分公司',
  registeredAddress: '浙江省杭州市余杭区文一西路9号',
  status: 'active',
};

describe('landOperator with a credit code', () => {
  it('matches when name and address agree, whatever the spacing, width and brackets', () => {
    expect(
      landOperator(
        {
          creditCode: WEST_LAKE.creditCode,
          name: '杭州西湖示例网络科技（有限公司）',
          address: '浙江省杭州市西湖区 文三路１号 3楼',
        },
        [WEST_LAKE],
      ),
    ).toEqual({ outcome: 'matched', creditCode: WEST_LAKE.creditCode, abnormal: false });
  });

  it('names the fields that differ', () => {
    expect(
      landOperator(
        { creditCode: WEST_LAKE.creditCode, name: '李四网店', address: '山东省济南市历下区泉城路8号' },
        [WEST_LAKE],
      ),
    ).toEqual({
      outcome: 'mismatch',
      creditCode: WEST_LAKE.creditCode,
      differing: ['name', 'address'],
      abnormal: false,
    });
    expect(
      landOperator({ creditCode: WEST_LAKE.creditCode, name: WEST_LAKE.name, address: null }, [
        { ...WEST_LAKE, status: 'abnormal' },
      ]),
    ).toEqual({ outcome: 'matched', creditCode: WEST_LAKE.creditCode, abnormal: true });
  });

  it('says when the entity is deregistered or revoked, or not in the register', () => {
    for (const status of ['deregistered', 'revoked'] as const) {
      expect(
        landOperator({ creditCode: WEST_LAKE.creditCode, name: WEST_LAKE.name, address: null }, [
          { ...WEST_LAKE, status },
        ]),
      ).toEqual({ outcome: status, creditCode: WEST_LAKE.creditCode });
    }
    expect(landOperator({ creditCode: '91330106MA2H2G2X1Q', name: 'x', address: null }, [NAMESAKE])).toEqual({
      outcome: 'not-found',
    });
  });
});

describe('landOperator with a code on no entry here', () => {
  const typo = '91330106MA2H2G2X2Q';

  it('lands on the entity of the claimed name, with the code among what differs', () => {
    expect(
      landOperator({ creditCode: typo, name: WEST_LAKE.name, address: WEST_LAKE.registeredAddress }, [
        WEST_LAKE,
      ]),
    ).toEqual({
      outcome: 'mismatch',
      creditCode: WEST_LAKE.creditCode,
      differing: ['creditCode'],
      abnormal: false,
    });
    expect(
      landOperator({ creditCode: typo, name: WEST_LAKE.name, address: '山东省济南市历下区泉城路8号' }, [
        { ...WEST_LAKE, status: 'abnormal' },
      ]),
    ).toEqual({
      outcome: 'mismatch',
      creditCode: WEST_LAKE.creditCode,
      differing: ['creditCode', 'address'],
      abnormal: true,
    });
  });

  it('says so when the entity of that name is closed, lists namesakes it cannot tell apart, and finds none without one', () => {
    expect(
      landOperator({ creditCode: typo, name: WEST_LAKE.name, address: null }, [
        { ...WEST_LAKE, status: 'revoked' },
      ]),
    ).toEqual({ outcome: 'revoked', creditCode: WEST_LAKE.creditCode });
    const twins = [WEST_LAKE, { ...WEST_LAKE, creditCode: '91330106MA2H2G2Y00' }];
    expect(landOperator({ creditCode: typo, name: WEST_LAKE.name, address: null }, twins)).toMatchObject({
      outcome: 'ambiguous',
    });
    expect(landOperator({ creditCode: typo, name: '完全不同的小店', address: null }, [])).toEqual({
      outcome: 'not-found',
    });
  });
});

describe('landOperator without a code', () => {
  it('matches the one strong candidate, and scores several as ambiguous', () => {
    expect(
      landOperator({ creditCode: null, name: WEST_LAKE.name, address: WEST_LAKE.registeredAddress }, [
        WEST_LAKE,
      ]),
    ).toEqual({ outcome: 'matched', creditCode: WEST_LAKE.creditCode, abnormal: false });
    const twins = [WEST_LAKE, { ...WEST_LAKE, creditCode: '91330106MA2H2G2Y00' }];
    const ambiguous = landOperator({ creditCode: null, name: WEST_LAKE.name, address: null }, twins);
    expect(ambiguous).toEqual({
      outcome: 'ambiguous',
      candidates: [
        { creditCode: '91330106MA2H2G2X1Q', score: 1 },
        { creditCode: '91330106MA2H2G2Y00', score: 1 },
      ],
    });
  });

  it('finds nothing when no entity has the name, and says when the one that has it is closed', () => {
    expect(
      landOperator({ creditCode: null, name: '完全不同的小店', address: null }, [WEST_LAKE, NAMESAKE]),
    ).toEqual({
      outcome: 'not-found',
    });
    // An entity deregistered or revoked that still trades is what an officer looks for.
    for (const status of ['deregistered', 'revoked'] as const) {
      expect(
        landOperator({ creditCode: null, name: WEST_LAKE.name, address: null }, [{ ...WEST_LAKE, status }]),
      ).toEqual({ outcome: status, creditCode: WEST_LAKE.creditCode });
    }
    // A name taken again after its first holder closed lands on the holder in force.
    const successor = { ...WEST_LAKE, creditCode: '91330106MA2H2G2Y00' };
    expect(
      landOperator({ creditCode: null, name: WEST_LAKE.name, address: null }, [
        { ...WEST_LAKE, status: 'deregistered' },
        successor,
      ]),
    ).toEqual({ outcome: 'matched', creditCode: successor.creditCode, abnormal: false });
  });

  it('takes either spelling of a legal form, and the namesake whose address agrees', () => {
    const limited = { ...WEST_LAKE, name: '杭州某某科技有限责任公司' };
    expect(
      landOperator({ creditCode: null, name: '杭州某某科技有限公司', address: null }, [limited]),
    ).toEqual({
      outcome: 'matched',
      creditCode: limited.creditCode,
      abnormal: false,
    });
    const westLake = {
      creditCode: '92330106MA2H2G2X1Q',
      name: '张三服装店',
      registeredAddress: '浙江省杭州市西湖区文三路100号',
      status: 'active',
    };
    const binjiang = {
      creditCode: '92330108MA2H2G2X1Q',
      name: '张三服装店',
      registeredAddress: '浙江省杭州市滨江区江南大道1号',
      status: 'active',
    };
    for (const address of ['浙江省杭州市西湖区文三路100号', '杭州市西湖区文三路100号', '西湖区文三路100号']) {
      expect(landOperator({ creditCode: null, name: '张三服装店', address }, [westLake, binjiang])).toEqual({
        outcome: 'matched',
        creditCode: westLake.creditCode,
        abnormal: false,
      });
    }
    // The one namesake, at another address: landed on it, the address said to differ.
    expect(
      landOperator({ creditCode: null, name: '张三服装店', address: '浙江省杭州市上城区解放路5号' }, [
        westLake,
      ]),
    ).toEqual({
      outcome: 'mismatch',
      creditCode: westLake.creditCode,
      differing: ['address'],
      abnormal: false,
    });
    // Namesakes none of which is at the claimed address: ambiguous, the closest address first.
    expect(
      landOperator({ creditCode: null, name: '张三服装店', address: '浙江省杭州市滨江区江南大道9号' }, [
        westLake,
        binjiang,
      ]),
    ).toMatchObject({
      outcome: 'ambiguous',
      candidates: [{ creditCode: binjiang.creditCode }, { creditCode: westLake.creditCode }],
    });
  });

  it('lists at most MAX_CANDIDATES namesakes', () => {
    const many = Array.from({ length: MAX_CANDIDATES + 5 }, (_, i) => ({
      ...WEST_LAKE,
      creditCode: `91330106MA2H2G${String(i).padStart(3, '0')}X`,
    }));
    const result = landOperator({ creditCode: null, name: WEST_LAKE.name, address: null }, many);
    expect(result.outcome).toBe('ambiguous');
    expect(result.outcome === 'ambiguous' && result.candidates).toHaveLength(MAX_CANDIDATES);
  });
});

describe('names and addresses as landing compares them', () => {
  const land = (name: string, registered: string) =>
    landOperator({ creditCode: WEST_LAKE.creditCode, name, address: null }, [
      { ...WEST_LAKE, name: registered },
    ]).outcome;

  it('takes the two spellings of a legal form as one, whatever the length of the name', () => {
    expect(land('杭州某某科技有限公司', '杭州某某科技有限责任公司')).toBe('matched');
    expect(land('浙江某某股份公司', '浙江某某股份有限公司')).toBe('matched');
    expect(normalizeEntityText('某某（中国）有限责任公司')).toBe(normalizeEntityText('某某中国有限公司'));
  });

  it('tells apart a branch from its company, and a name one character off', () => {
    expect(
      land('浙江省杭州市某某某某信息技术股份有限公司滨江分公司', '浙江省杭州市某某某某信息技术股份有限公司'),
    ).toBe('mismatch');
    expect(land('杭州海康微视数字技术股份有限公司', '杭州海康威视数字技术股份有限公司')).toBe('mismatch');
    expect(land('浙江有限公司', '浙江股份有限公司')).toBe('mismatch');
  });

  it('takes an address without its province or city as the same place, not another number or district', () => {
    const registered = '浙江省杭州市西湖区文三路100号华星时代广场A座1801室';
    for (const same of [
      registered,
      '西湖区文三路100号华星时代广场A座1801室',
      '杭州市西湖区文三路１００号华星时代广场Ａ座1801',
      '浙江省 杭州市 西湖区 文三路100号华星时代广场A座1801室',
    ]) {
      expect([same, sameAddress(same, registered)]).toEqual([same, true]);
    }
    for (const other of [
      '浙江省杭州市西湖区文三路100号华星时代广场A座1201室',
      '浙江省杭州市西湖区文三路108号华星时代广场A座1801室',
      '浙江省杭州市滨江区文三路100号华星时代广场A座1801室',
      '江苏省南京市西湖区文三路100号华星时代广场A座1801室',
      '浙江省杭州市西湖区',
    ]) {
      expect([other, sameAddress(other, registered)]).toEqual([other, false]);
    }
    // A room given where the register names the building.
    expect(sameAddress('浙江省杭州市西湖区文三路100号1801室', '浙江省杭州市西湖区文三路100号')).toBe(true);
  });
});

describe('text comparison', () => {
  it('normalizes once and for all', () => {
    fc.assert(
      fc.property(fc.string(), (s) => normalizeEntityText(normalizeEntityText(s)) === normalizeEntityText(s)),
    );
    expect(normalizeEntityText(' ＡＢＣ（有限）公司 ')).toBe('abc有限公司');
  });

  it('is symmetric, between 0 and 1, and 1 for equal texts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
        const s = textSimilarity(a, b);
        expect(textSimilarity(b, a)).toBeCloseTo(s, 12);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(textSimilarity(a, a)).toBe(1);
      }),
    );
  });

  it('pairs whole characters, also outside the Basic Multilingual Plane', () => {
    expect(textSimilarity('𠮷甲', '𠮷乙')).toBe(0);
    expect(textSimilarity('𠮷甲乙', '𠮷甲丙')).toBe(0.5);
  });
});
