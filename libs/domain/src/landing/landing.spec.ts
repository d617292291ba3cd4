import fc from 'fast-check';
import { landOperator, normalizeEntityText, textSimilarity, type RegisterEntry } from './landing';

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

  it('finds nothing when no candidate is close, and never lands on a closed entity', () => {
    expect(
      landOperator({ creditCode: null, name: '完全不同的小店', address: null }, [WEST_LAKE, NAMESAKE]),
    ).toEqual({
      outcome: 'not-found',
    });
    expect(
      landOperator({ creditCode: null, name: WEST_LAKE.name, address: null }, [
        { ...WEST_LAKE, status: 'revoked' },
      ]),
    ).toEqual({ outcome: 'not-found' });
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
});
