import fc from 'fast-check';
import { runInNewContext } from 'node:vm';
import {
  FIELD_RULES,
  KEYED_HASH_PATTERN,
  PERSONAL_FIELDS,
  applyFieldPolicy,
  findFieldPolicyViolations,
  isFieldRule,
  isKeyedHash,
  isMaskedPersonalValue,
  isPersonalField,
  maskPersonalValue,
  type FieldPolicy,
  type FieldRule,
  type PersonalField,
  type PersonalFieldMap,
} from './personal-data';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Stands in for the caller's HMAC: deterministic, `h1:` + 43 base64url characters. */
function fakeHash(field: PersonalField, value: string): string {
  let state = 0x811c9dc5;
  for (const ch of `${field}\u0000${value}`) {
    state = Math.imul(state ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  }
  let out = 'h1:';
  for (let i = 0; i < 43; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out += BASE64URL[state >>> 26];
  }
  return out;
}

const HASH_A = `h1:${'A'.repeat(43)}`;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}

describe('field and rule names', () => {
  it('lists the five personal fields and four rules', () => {
    expect(PERSONAL_FIELDS).toEqual(['residentId', 'personName', 'phone', 'address', 'email']);
    expect(FIELD_RULES).toEqual(['clear', 'mask', 'hash', 'omit']);
  });

  it.each([
    ['residentId', true],
    ['email', true],
    ['name', false],
    ['toString', false],
    [undefined, false],
  ])('isPersonalField(%j) is %s', (value, expected) => {
    expect(isPersonalField(value)).toBe(expected);
  });

  it.each([
    ['mask', true],
    ['omit', true],
    ['masked', false],
    ['', false],
    [null, false],
  ])('isFieldRule(%j) is %s', (value, expected) => {
    expect(isFieldRule(value)).toBe(expected);
  });
});

describe('maskPersonalValue', () => {
  it.each<[PersonalField, string, string]>([
    ['residentId', '11010519491231002X', '110105********002X'],
    ['residentId', '11010519491231002x', '110105********002X'],
    ['residentId', ' 330106199003071234 ', '330106********1234'],
    ['residentId', '１１０１０５１９４９１２３１００２Ｘ', '110105********002X'],
    ['residentId', '110105491231002', '***************'],
    ['residentId', 'ABCDEFGHIJKLMNOPQR', '******************'],
    ['residentId', '', '*'],
    ['residentId', '110105********002X', '110105********002X'],
    ['personName', '张三', '张*'],
    ['personName', '欧阳娜娜', '欧***'],
    ['personName', ' 王小明 ', '王**'],
    ['personName', '李', '*'],
    ['personName', '', '*'],
    ['personName', '𠀋𡈽𡌛', '𠀋**'],
    ['personName', '张𠮷', '张*'],
    ['personName', '𠮷', '*'],
    ['personName', 'Zoë Li', 'Z*****'],
    ['personName', '张*', '张*'],
    ['phone', '13812345678', '138****5678'],
    ['phone', '138 1234-5678', '138****5678'],
    ['phone', '１３８１２３４５６７８', '138****5678'],
    ['phone', '+86 138 1234 5678', '138****5678'],
    ['phone', '0086-13812345678', '138****5678'],
    ['phone', '0571-87654321', '**********21'],
    ['phone', '02112345678', '*********78'],
    ['phone', '12345', '****45'],
    ['phone', '110', '****10'],
    ['phone', '12', '******'],
    ['phone', 'n/a', '******'],
    ['phone', '', '******'],
    ['phone', '138****5678', '138****5678'],
    ['address', '浙江省杭州市西湖区文三路90号', '浙江省杭州市****'],
    ['address', '  北京市朝阳区建国路  ', '北京市朝阳区****'],
    ['address', '北京市朝阳区建', '北京市朝阳区****'],
    ['address', '北京市朝阳区', '****'],
    ['address', '北京', '****'],
    ['address', '', '****'],
    ['address', '𠀋𡈽𡌛𠀋𡈽𡌛𠀋', '𠀋𡈽𡌛𠀋𡈽𡌛****'],
    ['address', '浙江省杭州市****', '浙江省杭州市****'],
    ['email', 'zhang.san@example.cn', 'z***@example.cn'],
    ['email', 'ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ', 'z***@example.cn'],
    ['email', ' a@b.cn ', 'a***@b.cn'],
    ['email', '张三@例子.中国', '张***@例子.中国'],
    ['email', '𠀋abc@x.cn', '𠀋***@x.cn'],
    ['email', '"a@b"@x.cn', '"***@x.cn'],
    ['email', 'no-at-sign', 'n***@'],
    ['email', '@example.cn', '***@example.cn'],
    ['email', '', '***@'],
    ['email', 'z***@example.cn', 'z***@example.cn'],
    ['email', '***@example.cn', '***@example.cn'],
  ])('%s %j → %j', (field, value, masked) => {
    expect(maskPersonalValue(field, value)).toBe(masked);
  });

  it('rejects an unknown field and a value that is not a string, without echoing the value', () => {
    expect(() => maskPersonalValue('passport' as PersonalField, 'E12345678')).toThrow(TypeError);
    expect(() => maskPersonalValue('phone', 13812345678 as unknown as string)).toThrow(TypeError);
    expect(() => maskPersonalValue('phone', 13812345678 as unknown as string)).not.toThrow(/13812345678/);
  });
});

describe('isMaskedPersonalValue', () => {
  it.each<[PersonalField, string, boolean]>([
    ['residentId', '110105********002X', true],
    ['residentId', '110105********002x', true],
    ['residentId', '****************', true],
    ['residentId', '*', true],
    ['residentId', '11010519491231002X', false],
    ['residentId', '110105*******0002X', false],
    ['residentId', 'ABCDEF********OPQR', false],
    ['residentId', '', false],
    ['personName', '张*', true],
    ['personName', '欧***', true],
    ['personName', '𠀋**', true],
    ['personName', '*', true],
    ['personName', '**', true],
    ['personName', '张三', false],
    ['personName', '张*三', false],
    ['personName', '张', false],
    ['personName', '', false],
    ['phone', '138****5678', true],
    ['phone', '****45', true],
    ['phone', '＊＊＊＊５６', true],
    ['phone', '******', true],
    ['phone', '138***5678', false],
    ['phone', '1381****5678', false],
    ['phone', '13812345678', false],
    ['address', '浙江省杭州市****', true],
    ['address', '****', true],
    ['address', '浙江省杭州市西湖区', false],
    ['address', '浙江省***', false],
    ['address', '****浙江省', false],
    ['email', 'z***@example.cn', true],
    ['email', '***@example.cn', true],
    ['email', '𠀋***@x.cn', true],
    ['email', 'zh***@example.cn', false],
    ['email', 'zhang@example.cn', false],
    ['email', 'z**@example.cn', false],
  ])('%s %j → %s', (field, value, expected) => {
    expect(isMaskedPersonalValue(field, value)).toBe(expected);
  });

  it('is false for a keyed hash under every field', () => {
    for (const field of PERSONAL_FIELDS) {
      expect(isMaskedPersonalValue(field, HASH_A)).toBe(false);
    }
  });

  it('is false, without throwing, for an unknown field or a non-string', () => {
    expect(isMaskedPersonalValue('passport' as PersonalField, '****')).toBe(false);
    expect(isMaskedPersonalValue('address', 42 as unknown as string)).toBe(false);
    expect(isMaskedPersonalValue('address', null as unknown as string)).toBe(false);
  });
});

describe('isKeyedHash', () => {
  it.each([
    [HASH_A, true],
    [`h1:${'aZ09_-'.repeat(7)}x`, true],
    [`h1:${'A'.repeat(42)}`, false],
    [`h1:${'A'.repeat(44)}`, false],
    [`h2:${'A'.repeat(43)}`, false],
    [`H1:${'A'.repeat(43)}`, false],
    [`h1:${'A'.repeat(42)}+`, false],
    [`h1:${'A'.repeat(42)}/`, false],
    [`h1:${'A'.repeat(42)}=`, false],
    [`h1:${'A'.repeat(43)}\n`, false],
    [` h1:${'A'.repeat(43)}`, false],
    [42, false],
    [null, false],
  ])('%j → %s', (value, expected) => {
    expect(isKeyedHash(value)).toBe(expected);
    expect(typeof value === 'string' && KEYED_HASH_PATTERN.test(value)).toBe(expected);
  });

  it('accepts what the test HMAC stand-in produces', () => {
    expect(isKeyedHash(fakeHash('phone', '13812345678'))).toBe(true);
    expect(fakeHash('phone', '13812345678')).not.toBe(fakeHash('phone', '13812345679'));
  });
});

const MAP: PersonalFieldMap = {
  'operator.residentId': 'residentId',
  'operator.name': 'personName',
  'operator.phone': 'phone',
  'sellers[].name': 'personName',
  'sellers[].phone': 'phone',
  'sellers[].address': 'address',
  'sellers[].contacts[].email': 'email',
  'witnessIds[]': 'residentId',
};

function sampleBody() {
  return {
    caseNo: 'ZJ-2025-0001',
    operator: { residentId: '11010519491231002X', name: '张三', phone: '13812345678', role: 'inspector' },
    sellers: [
      {
        name: '李四',
        phone: '13912345678',
        address: '浙江省杭州市西湖区文三路90号',
        contacts: [{ email: 'li.si@example.cn' }, { email: null }],
      },
      { name: '王五', phone: null, contacts: [] },
    ],
    witnessIds: ['330106199003071234', null],
  };
}

const ALL: Record<FieldRule, FieldPolicy> = {
  clear: { residentId: 'clear', personName: 'clear', phone: 'clear', address: 'clear', email: 'clear' },
  mask: { residentId: 'mask', personName: 'mask', phone: 'mask', address: 'mask', email: 'mask' },
  hash: { residentId: 'hash', personName: 'hash', phone: 'hash', address: 'hash', email: 'hash' },
  omit: { residentId: 'omit', personName: 'omit', phone: 'omit', address: 'omit', email: 'omit' },
};

describe('applyFieldPolicy', () => {
  it('leaves clear fields as they are, in a copy', () => {
    const body = sampleBody();
    const result = applyFieldPolicy(body, MAP, ALL.clear, fakeHash) as ReturnType<typeof sampleBody>;
    expect(result).toEqual(sampleBody());
    expect(result).not.toBe(body);
    expect(result.operator).not.toBe(body.operator);
    expect(result.sellers[0].contacts).not.toBe(body.sellers[0].contacts);
  });

  it('masks every personal field, at every depth', () => {
    expect(applyFieldPolicy(sampleBody(), MAP, ALL.mask, fakeHash)).toEqual({
      caseNo: 'ZJ-2025-0001',
      operator: { residentId: '110105********002X', name: '张*', phone: '138****5678', role: 'inspector' },
      sellers: [
        {
          name: '李*',
          phone: '139****5678',
          address: '浙江省杭州市****',
          contacts: [{ email: 'l***@example.cn' }, { email: null }],
        },
        { name: '王*', phone: null, contacts: [] },
      ],
      witnessIds: ['330106********1234', null],
    });
  });

  it('hashes with the caller’s hash, called with the field and the string value', () => {
    const hash = jest.fn(fakeHash);
    const body = { ...sampleBody(), operator: { residentId: '11010519491231002X', phone: 13812345678 } };
    const result = applyFieldPolicy(body, MAP, ALL.hash, hash) as ReturnType<typeof sampleBody>;
    expect(hash.mock.calls).toEqual([
      ['residentId', '11010519491231002X'],
      ['phone', '13812345678'],
      ['personName', '李四'],
      ['personName', '王五'],
      ['phone', '13912345678'],
      ['address', '浙江省杭州市西湖区文三路90号'],
      ['email', 'li.si@example.cn'],
      ['residentId', '330106199003071234'],
    ]);
    expect(result.operator).toEqual({
      residentId: fakeHash('residentId', '11010519491231002X'),
      phone: fakeHash('phone', '13812345678'),
    });
    expect(result.sellers[1]).toEqual({ name: fakeHash('personName', '王五'), phone: null, contacts: [] });
    expect(result.witnessIds).toEqual([fakeHash('residentId', '330106199003071234'), null]);
  });

  it('removes omitted fields and fields the policy does not list, but leaves nulls', () => {
    const expected = {
      caseNo: 'ZJ-2025-0001',
      operator: { role: 'inspector' },
      sellers: [{ contacts: [{}, { email: null }] }, { phone: null, contacts: [] }],
    };
    expect(applyFieldPolicy(sampleBody(), MAP, ALL.omit, fakeHash)).toEqual(expected);
    expect(applyFieldPolicy(sampleBody(), MAP, {}, fakeHash)).toEqual(expected);
  });

  it('treats each field by its own rule', () => {
    const policy: FieldPolicy = { residentId: 'hash', personName: 'clear', phone: 'mask' };
    expect(applyFieldPolicy(sampleBody(), MAP, policy, fakeHash)).toEqual({
      caseNo: 'ZJ-2025-0001',
      operator: {
        residentId: fakeHash('residentId', '11010519491231002X'),
        name: '张三',
        phone: '138****5678',
        role: 'inspector',
      },
      sellers: [
        { name: '李四', phone: '139****5678', contacts: [{}, { email: null }] },
        { name: '王五', phone: null, contacts: [] },
      ],
      witnessIds: [fakeHash('residentId', '330106199003071234'), null],
    });
  });

  it('treats a rule it does not know as omit', () => {
    const policy = { phone: 'masked', personName: 'clear' } as unknown as FieldPolicy;
    expect(
      applyFieldPolicy({ operator: { name: '张三', phone: '13812345678' } }, MAP, policy, fakeHash),
    ).toEqual({
      operator: { name: '张三' },
    });
  });

  it.each<[FieldRule]>([['clear'], ['mask'], ['hash'], ['omit']])('never changes its input (%s)', (rule) => {
    const body = deepFreeze(sampleBody());
    expect(() => applyFieldPolicy(body, MAP, ALL[rule], fakeHash)).not.toThrow();
    expect(body).toEqual(sampleBody());
  });

  it('masks and hashes numbers as their decimal string', () => {
    const body = { operator: { phone: 13812345678, residentId: 110105 } };
    expect(applyFieldPolicy(body, MAP, ALL.mask, fakeHash)).toEqual({
      operator: { phone: '138****5678', residentId: '******' },
    });
    expect(applyFieldPolicy(body, MAP, { phone: 'clear' }, fakeHash)).toEqual({
      operator: { phone: 13812345678 },
    });
  });

  it.each<[string, unknown, string]>([
    ['an object', { number: '13812345678' }, 'sellers[1].phone'],
    ['an array', ['13812345678'], 'sellers[1].phone'],
    ['a boolean', true, 'sellers[1].phone'],
  ])('throws a TypeError naming the path for %s under mask and hash', (_kind, value, path) => {
    const body = { sellers: [{ phone: '13812345678' }, { phone: value }] };
    for (const rule of ['mask', 'hash'] as const) {
      expect(() => applyFieldPolicy(body, MAP, { phone: rule }, fakeHash)).toThrow(TypeError);
      expect(() => applyFieldPolicy(body, MAP, { phone: rule }, fakeHash)).toThrow(path);
      expect(() => applyFieldPolicy(body, MAP, { phone: rule }, fakeHash)).not.toThrow(/13812345678/);
    }
    // Clear passes any value through; omit removes it whatever it is.
    expect(applyFieldPolicy(body, MAP, { phone: 'clear' }, fakeHash)).toEqual(body);
    expect(applyFieldPolicy(body, MAP, { phone: 'omit' }, fakeHash)).toEqual({ sellers: [{}, {}] });
  });

  it('throws when a list path holds something other than an array, or an element is not a string', () => {
    expect(() => applyFieldPolicy({ witnessIds: '11010519491231002X' }, MAP, ALL.mask, fakeHash)).toThrow(
      /witnessIds.*not an array/,
    );
    expect(() => applyFieldPolicy({ witnessIds: ['1', {}] }, MAP, ALL.mask, fakeHash)).toThrow(
      'witnessIds[1]',
    );
    expect(applyFieldPolicy({ witnessIds: '11010519491231002X' }, MAP, ALL.omit, fakeHash)).toEqual({});
  });

  it('throws when the caller’s hash does not return a keyed hash, without echoing the value', () => {
    const body = { operator: { phone: '13812345678' } };
    const identity = (_field: PersonalField, value: string) => value;
    expect(() => applyFieldPolicy(body, MAP, ALL.hash, identity)).toThrow(/operator\.phone/);
    expect(() => applyFieldPolicy(body, MAP, ALL.hash, identity)).not.toThrow(/13812345678/);
    expect(() => applyFieldPolicy(body, MAP, ALL.hash, () => `${HASH_A}=`)).toThrow(TypeError);
  });

  it.each([
    ['no operator', { caseNo: 'x' }],
    ['a null operator', { operator: null }],
    ['an operator that is a string', { operator: '张三' }],
    ['sellers that are not an array', { sellers: { phone: '13812345678' } }],
    ['null sellers', { sellers: [null, 3, 'x'] }],
    ['a date where an object belongs', { operator: new Date(0) }],
  ])('matches nothing under %s', (_case, body) => {
    expect(applyFieldPolicy(body, MAP, ALL.mask, fakeHash)).toEqual(body);
  });

  it.each([['a string'], [42], [null], [undefined], [[1, 2]]])(
    'returns a non-object body %j as it is',
    (body) => {
      expect(applyFieldPolicy(body, MAP, ALL.mask, fakeHash)).toEqual(body);
    },
  );

  it('walks arrays of arrays', () => {
    const map: PersonalFieldMap = { 'rows[][]': 'personName', 'groups[][].phone': 'phone' };
    const body = { rows: [['张三', '李四'], [null]], groups: [[{ phone: '13812345678' }], []] };
    expect(applyFieldPolicy(body, map, ALL.mask, fakeHash)).toEqual({
      rows: [['张*', '李*'], [null]],
      groups: [[{ phone: '138****5678' }], []],
    });
  });

  it('keeps a "__proto__" key from JSON an ordinary property', () => {
    const body = JSON.parse('{"__proto__": {"residentId": "11010519491231002X"}}') as unknown;
    const result = applyFieldPolicy(
      body,
      { '__proto__.residentId': 'residentId' },
      ALL.mask,
      fakeHash,
    ) as object;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({
      residentId: '110105********002X',
    });
  });

  it('works on objects from another realm', () => {
    const body = runInNewContext('({ operator: { name: "张三", phone: "13812345678" } })') as unknown;
    expect(applyFieldPolicy(body, MAP, ALL.mask, fakeHash)).toEqual({
      operator: { name: '张*', phone: '138****5678' },
    });
  });

  it('refuses a cyclic body', () => {
    const body: Record<string, unknown> = { operator: { name: '张三' } };
    body.self = body;
    expect(() => applyFieldPolicy(body, MAP, ALL.mask, fakeHash)).toThrow(TypeError);
  });

  it.each([[''], ['a..b'], ['[]'], ['a[]b'], ['a['], ['a.'], ['.a'], ['a[]]']])(
    'throws on the malformed path %j',
    (path) => {
      expect(() => applyFieldPolicy({}, { [path]: 'phone' }, ALL.mask, fakeHash)).toThrow(TypeError);
      expect(() => findFieldPolicyViolations({}, { [path]: 'phone' }, ALL.mask)).toThrow(TypeError);
    },
  );
});

describe('findFieldPolicyViolations', () => {
  it.each<[FieldRule]>([['clear'], ['mask'], ['hash'], ['omit']])(
    'accepts what applyFieldPolicy made under all-%s',
    (rule) => {
      const sent = applyFieldPolicy(sampleBody(), MAP, ALL[rule], fakeHash);
      expect(findFieldPolicyViolations(sent, MAP, ALL[rule])).toEqual([]);
    },
  );

  it('reports each present value of an omitted or unlisted field, with concrete paths', () => {
    const expected = [
      { path: 'operator.residentId', field: 'residentId', rule: 'omit' },
      { path: 'operator.name', field: 'personName', rule: 'omit' },
      { path: 'operator.phone', field: 'phone', rule: 'omit' },
      { path: 'sellers[0].name', field: 'personName', rule: 'omit' },
      { path: 'sellers[1].name', field: 'personName', rule: 'omit' },
      { path: 'sellers[0].phone', field: 'phone', rule: 'omit' },
      { path: 'sellers[0].address', field: 'address', rule: 'omit' },
      { path: 'sellers[0].contacts[0].email', field: 'email', rule: 'omit' },
      { path: 'witnessIds[0]', field: 'residentId', rule: 'omit' },
    ];
    const found = findFieldPolicyViolations(sampleBody(), MAP, {});
    expect(found.map(({ path, field, rule }) => ({ path, field, rule }))).toEqual(expected);
    expect(found.every((v) => /does not let this field cross/.test(v.problem))).toBe(true);
    expect(findFieldPolicyViolations(sampleBody(), MAP, ALL.omit)).toEqual(found);
  });

  it('reports an empty string under omit, but not null or an empty list', () => {
    const body = { operator: { name: '', phone: null }, witnessIds: [] };
    expect(findFieldPolicyViolations(body, MAP, {})).toEqual([
      expect.objectContaining({ path: 'operator.name', rule: 'omit' }),
    ]);
  });

  it('reports clear values and keyed hashes where the rule is mask', () => {
    const body = {
      sellers: [
        { phone: '138****5678' },
        { phone: '13912345678' },
        { phone: HASH_A },
        { phone: 13912345678 },
        { phone: '139***5678' },
      ],
    };
    const found = findFieldPolicyViolations(body, MAP, { phone: 'mask' });
    expect(found.map((v) => [v.path, v.rule, v.field])).toEqual([
      ['sellers[1].phone', 'mask', 'phone'],
      ['sellers[2].phone', 'mask', 'phone'],
      ['sellers[3].phone', 'mask', 'phone'],
      ['sellers[4].phone', 'mask', 'phone'],
    ]);
    expect(found[0].problem).toBe('not masked');
    expect(found[1].problem).toMatch(/keyed hash/);
    expect(found[2].problem).toMatch(/number/);
  });

  it('reports anything but a keyed hash where the rule is hash', () => {
    const body = {
      sellers: [
        { contacts: [{ email: fakeHash('email', 'li.si@example.cn') }, { email: 'l***@example.cn' }] },
        { contacts: [{ email: 'li.si@example.cn' }, { email: { address: 'li.si@example.cn' } }] },
      ],
    };
    const found = findFieldPolicyViolations(body, MAP, { email: 'hash' });
    expect(found.map((v) => v.path)).toEqual([
      'sellers[0].contacts[1].email',
      'sellers[1].contacts[0].email',
      'sellers[1].contacts[1].email',
    ]);
    expect(found.map((v) => v.problem)).toEqual([
      'not a keyed hash',
      'not a keyed hash',
      'expected a keyed hash, found an object',
    ]);
  });

  it('accepts clear, masked, hashed and even non-string values where the rule is clear', () => {
    const body = {
      sellers: [{ phone: '13812345678' }, { phone: '138****5678' }, { phone: HASH_A }, { phone: 1 }],
    };
    expect(findFieldPolicyViolations(body, MAP, { phone: 'clear' })).toEqual([]);
  });

  it('judges a value that looks both clear and masked by isMaskedPersonalValue', () => {
    const body = { operator: { name: 'A*' }, sellers: [{ address: '****' }] };
    expect(findFieldPolicyViolations(body, MAP, { personName: 'mask', address: 'mask' })).toEqual([]);
  });

  it('reports a list path that holds something other than an array', () => {
    expect(findFieldPolicyViolations({ witnessIds: '11010519491231002X' }, MAP, ALL.mask)).toEqual([
      { path: 'witnessIds', field: 'residentId', rule: 'mask', problem: 'expected a list, found a string' },
    ]);
    expect(findFieldPolicyViolations({ witnessIds: '11010519491231002X' }, MAP, ALL.omit)).toEqual([
      expect.objectContaining({ path: 'witnessIds', rule: 'omit' }),
    ]);
    expect(findFieldPolicyViolations({ witnessIds: '11010519491231002X' }, MAP, ALL.clear)).toEqual([]);
  });

  it('never puts a value into a violation', () => {
    const body = sampleBody();
    const text = JSON.stringify(findFieldPolicyViolations(body, MAP, ALL.hash));
    for (const value of ['11010519491231002X', '张三', '13812345678', '文三路', 'li.si@example.cn']) {
      expect(text).not.toContain(value);
    }
  });

  it('checks bodies from another realm and with a null prototype', () => {
    const foreign = runInNewContext('({ operator: { phone: "13812345678" } })') as unknown;
    const bare = Object.assign(Object.create(null) as object, { operator: { phone: '13812345678' } });
    for (const body of [foreign, bare]) {
      expect(findFieldPolicyViolations(body, MAP, ALL.mask)).toEqual([
        { path: 'operator.phone', field: 'phone', rule: 'mask', problem: 'not masked' },
      ]);
    }
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', '13812345678'],
    ['an array', [{ operator: { phone: '13812345678' } }]],
    ['an operator that is a string', { operator: '13812345678' }],
    ['sellers that are an object', { sellers: { phone: '13812345678' } }],
    ['odd sellers', { sellers: [null, 1, 'x', [], { contacts: 'x' }, { contacts: [null, 2] }] }],
  ])('finds nothing, and does not throw, for %s', (_case, body) => {
    expect(findFieldPolicyViolations(body, MAP, ALL.mask)).toEqual([]);
  });
});

describe('properties', () => {
  const loneSurrogates = fc.string({ unit: fc.nat(0xffff).map((unit) => String.fromCharCode(unit)) });
  const digits = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const fullWidth = fc.string({ unit: fc.constantFrom(...'０１２３４５６７８９＊ｘＸ＠　') });
  const anyString = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    loneSurrogates,
    fullWidth,
    fc.string({ unit: fc.constantFrom(...'0123456789*X@ .-+') }),
    digits(11, 11).map((d) => `1${d.slice(1)}`),
    digits(17, 17).map((d) => `${d}X`),
    digits(0, 20),
  );
  const field = fc.constantFrom(...PERSONAL_FIELDS);

  it('masking is idempotent and always gives a masked value', () => {
    fc.assert(
      fc.property(field, anyString, (f, value) => {
        const masked = maskPersonalValue(f, value);
        expect(maskPersonalValue(f, masked)).toBe(masked);
        expect(isMaskedPersonalValue(f, masked)).toBe(true);
        expect(isKeyedHash(masked)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('a masked value never contains an original longer than what the mask keeps', () => {
    // Without `*` in the original, which a mask would keep as it is.
    const original = anyString.filter((value) => value.length > 0 && !value.includes('*'));
    const email = fc
      .tuple(
        original.filter((local) => !local.includes('@')),
        fc.string(),
      )
      .map(([local, domain]) => `${local}@${domain}`);
    const cases = fc.oneof(
      fc.tuple(fc.constantFrom<PersonalField>('residentId', 'personName', 'phone', 'address'), original),
      fc.tuple(fc.constant<PersonalField>('email'), email),
    );
    fc.assert(
      fc.property(cases, ([f, value]) => {
        expect(maskPersonalValue(f, value)).not.toContain(value);
      }),
      { numRuns: 500 },
    );
  });

  const personValue = fc.oneof(
    { weight: 6, arbitrary: anyString },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const body = fc.record(
    {
      caseNo: fc.string(),
      operator: fc.option(
        fc.record({ residentId: personValue, name: personValue, phone: personValue }, { requiredKeys: [] }),
      ),
      sellers: fc.array(
        fc.record(
          {
            name: personValue,
            phone: personValue,
            address: personValue,
            contacts: fc.array(fc.record({ email: personValue }, { requiredKeys: [] }), { maxLength: 3 }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      witnessIds: fc.array(personValue, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  const policy = fc.record(
    {
      residentId: fc.constantFrom(...FIELD_RULES),
      personName: fc.constantFrom(...FIELD_RULES),
      phone: fc.constantFrom(...FIELD_RULES),
      address: fc.constantFrom(...FIELD_RULES),
      email: fc.constantFrom(...FIELD_RULES),
    },
    { requiredKeys: [] },
  );

  it('what applyFieldPolicy sends complies with the same policy, and the input is untouched', () => {
    fc.assert(
      fc.property(body, policy, (b, p) => {
        const before = JSON.stringify(b);
        const sent = applyFieldPolicy(b, MAP, p, fakeHash);
        expect(findFieldPolicyViolations(sent, MAP, p)).toEqual([]);
        expect(JSON.stringify(b)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('applying a policy again changes nothing when no field is hashed', () => {
    const noHash = policy.map(
      (p) =>
        Object.fromEntries(
          Object.entries(p).map(([f, rule]) => [f, rule === 'hash' ? 'mask' : rule]),
        ) as FieldPolicy,
    );
    fc.assert(
      fc.property(body, noHash, (b, p) => {
        const once = applyFieldPolicy(b, MAP, p, fakeHash);
        expect(applyFieldPolicy(once, MAP, p, fakeHash)).toEqual(once);
      }),
    );
  });

  it('a clear value is reported under mask, hash and omit, at its own path', () => {
    const clearPhones = fc.array(
      digits(11, 11).map((d) => `1${d.slice(1)}`),
      { minLength: 1, maxLength: 5 },
    );
    fc.assert(
      fc.property(clearPhones, fc.constantFrom<FieldRule>('mask', 'hash', 'omit'), (phones, rule) => {
        const b = { sellers: phones.map((phone) => ({ phone })) };
        expect(findFieldPolicyViolations(b, MAP, { phone: rule }).map((v) => v.path)).toEqual(
          phones.map((_, i) => `sellers[${i}].phone`),
        );
      }),
    );
  });
});
