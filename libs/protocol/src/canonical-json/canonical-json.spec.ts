import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('orders keys by UTF-16 code units at every depth, whatever the input order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: '浙' } })).toBe(
      '{"a":{"c":"浙","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('spells numbers the ECMAScript way (RFC 8785 section 3.2.2.3)', () => {
    expect(canonicalJson([1e21, 1.0, -0, 0.000001, 1e-7])).toBe('[1e+21,1,0,0.000001,1e-7]');
  });

  it('refuses values with no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});
