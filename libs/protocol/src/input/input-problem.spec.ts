import { inputProblem, MAX_INPUT_DEPTH } from './input-problem';

const NUL = 'holds a NUL character (U+0000), which cannot be stored';

describe('inputProblem', () => {
  it('finds a NUL character in a string, a nested value or a key, and says where', () => {
    expect(inputProblem('a\0b')).toBe(`the value ${NUL}`);
    expect(inputProblem({ a: 'x', b: { c: ['ok', 'n\0'] } })).toBe(`b.c.1 ${NUL}`);
    expect(inputProblem({ 'k\0': 1 }, 'body')).toBe(`body.k\\u0000 ${NUL}`);
  });

  it('finds a lone surrogate, which JSON carries and text cannot, and keeps a pair', () => {
    const parsed = JSON.parse('{"a":"x\\ud800y","b":"\\udc00","c":"\\ud83d\\ude00"}') as Record<
      string,
      string
    >;
    expect(inputProblem({ a: parsed.a })).toBe('a is not well-formed Unicode text (a lone surrogate)');
    expect(inputProblem({ b: parsed.b })).toBe('b is not well-formed Unicode text (a lone surrogate)');
    expect(inputProblem({ c: parsed.c, d: '𠀋' })).toBeNull();
    expect(inputProblem({ [parsed.b!]: 1 })).toBe(
      '\\udc00 is not well-formed Unicode text (a lone surrogate)',
    );
  });

  it('refuses the keys that reading an input into its class would drop unseen', () => {
    const never = 'is not a field of any input (a key by that name is never read)';
    expect(inputProblem(JSON.parse('{"name":"a","__proto__":{"role":"admin"}}'), 'body')).toBe(
      `body.__proto__ ${never}`,
    );
    expect(inputProblem({ a: [{ constructor: 1 }] })).toBe(`a.0.constructor ${never}`);
    expect(inputProblem({ a: { proto: 1, constructors: 2, prototype: 3 } })).toBeNull();
    expect(inputProblem(JSON.parse('{"__proto__":1}'), '', { text: false })).toBeNull();
  });

  it('reports the first problem in document order', () => {
    expect(inputProblem({ a: ['\0'], b: '\0' })).toBe(`a.0 ${NUL}`);
  });

  it('refuses nesting deeper than the limit without exhausting the stack', () => {
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
    expect(inputProblem({ a: deep }, 'body')).toBe('body.a is nested more than 64 levels deep');
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) ok = [ok];
    expect(inputProblem(ok)).toBeNull();
    expect(inputProblem([ok])).toMatch(/nested more than 64/);
  });

  it('looks at the nesting alone when asked to', () => {
    expect(inputProblem({ a: 'n\0' }, '', { text: false })).toBeNull();
    expect(inputProblem({ a: JSON.parse('['.repeat(100) + ']'.repeat(100)) }, '', { text: false })).toBe(
      'a is nested more than 64 levels deep',
    );
  });

  it('finds nothing in text without a NUL, numbers, null or empty values', () => {
    expect(inputProblem({ a: 'x', b: [1, null, true, '\\u0000'], c: {} })).toBeNull();
    expect(inputProblem(undefined)).toBeNull();
  });
});
