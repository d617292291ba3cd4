import fc from 'fast-check';
import { EvidenceError } from './evidence-bundle';
import { MAX_EVIDENCE_DEPTH, parseEvidenceJson } from './evidence-json';

/** The message of the EvidenceError `text` is refused with; any other outcome fails the test. */
function refusal(text: string): string {
  let thrown: unknown;
  try {
    parseEvidenceJson(text);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof EvidenceError)) throw new Error(`expected an EvidenceError, got ${String(thrown)}`);
  expect(thrown.problem).toBe('shape');
  return thrown.message;
}

describe('evidence JSON', () => {
  it('reads what JSON.parse reads, a leading byte-order mark dropped', () => {
    expect(parseEvidenceJson('{"a":[1,{"b":"c"}]}')).toEqual({ a: [1, { b: 'c' }] });
    expect(parseEvidenceJson('\uFEFF{"a":1}')).toEqual({ a: 1 });
    expect(parseEvidenceJson('\uFEFF [1]')).toEqual([1]);
  });

  it('leaves text that is not JSON to JSON.parse, whose SyntaxError it throws', () => {
    for (const text of [
      '{"a":1,',
      '{"a":1,"a":2',
      '{"a',
      '',
      '\uFEFF',
      '{"\\x":1,"\\x":2}',
      '\uFEFF\uFEFF{}',
    ]) {
      expect(() => parseEvidenceJson(text)).toThrow(SyntaxError);
    }
  });

  it.each([
    ['{"a":1,"a":2}', 'key "a" is given twice in the bundle (line 1, column 8)'],
    ['{"index":7,"index":0}', 'key "index" is given twice in the bundle (line 1, column 12)'],
    // The same value twice is refused too: no genuine bundle repeats a key.
    ['{"kind":"shop","kind":"shop"}', 'key "kind" is given twice in the bundle (line 1, column 16)'],
    [
      '{\n  "record": {\n    "shopName": "FORGED NAME",\n    "shopName": "真店名"\n  }\n}',
      'key "shopName" is given twice in record (line 4, column 5)',
    ],
    ['{"cards":[{},{"card":{"endpoints":{"api":"a","api":"b"}}}]}', 'given twice in cards[1].card.endpoints'],
    // Compared as decoded: "\u0061" is "a".
    ['{"r":{"a":1,"\\u0061":2}}', 'key "a" is given twice in r (line 1, column 13)'],
    ['[{"we ird":{"z":1,"z":1}}]', 'key "z" is given twice in [0]["we ird"]'],
    ['{"s":"{\\"b\\":1,\\"b\\":2}","t":{"k":[],"k":{}}}', 'key "k" is given twice in t'],
  ])('refuses %j, naming the key, the object and where it stands', (text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it('takes the same key in different objects, and keys that only look alike', () => {
    const text = '{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":1,"a ":2,"s":"\\"a\\":1"}';
    expect(parseEvidenceJson(text)).toEqual(JSON.parse(text));
  });

  it('shows a long key cut short', () => {
    const key = 'k'.repeat(500);
    expect(refusal(`{"${key}":1,"${key}":2}`)).toBe(
      `key "${'k'.repeat(63)}…" is given twice in the bundle (line 1, column 507)`,
    );
  });

  it(`refuses nesting deeper than ${MAX_EVIDENCE_DEPTH} before parsing it, and takes it up to there`, () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(parseEvidenceJson(nested(MAX_EVIDENCE_DEPTH))).toBeInstanceOf(Array);
    expect(refusal(nested(MAX_EVIDENCE_DEPTH + 1))).toBe(
      `the file is nested deeper than ${MAX_EVIDENCE_DEPTH} levels (line 1, column ${MAX_EVIDENCE_DEPTH + 1})`,
    );
    // Millions deep: refused at once, without building it.
    expect(refusal('{"a":'.repeat(3_000_000) + '1' + '}'.repeat(3_000_000))).toMatch(/nested deeper/);
  });

  it('reads any JSON without a repeated key as JSON.parse does, however it is spaced', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 1, 2, '\t'), (value, space) => {
        const text = JSON.stringify(value, null, space);
        expect(parseEvidenceJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('finds a key repeated in any object', () => {
    const object = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1 });
    fc.assert(
      fc.property(object, fc.jsonValue({ maxDepth: 3 }), (value, extra) => {
        const [key] = Object.keys(value);
        const text = `{${JSON.stringify(key)}:${JSON.stringify(extra)},${JSON.stringify(value).slice(1)}`;
        expect(() => parseEvidenceJson(`{"record":${text}}`)).toThrow(EvidenceError);
      }),
      { numRuns: 300 },
    );
  });
});
