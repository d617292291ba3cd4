import fc from 'fast-check';
import { agreementTermsProblems, type AgreementTerms } from './agreement-terms';

/** A well-formed key thumbprint (43 base64url characters, canonical). */
const kid = (n: number): string => Buffer.alloc(32, n).toString('base64url');

const ID = '0190f5a8-3c2e-7b4d-9a1e-5f6a7b8c9d0e';

function validTerms(): AgreementTerms {
  return {
    v: 1,
    id: ID,
    title: '长三角市场监管数据协作协议',
    parties: ['310000', '320000', '330000'],
    keys: { '310000': [kid(1)], '320000': [kid(2), kid(3)], '330000': [kid(4)] },
    scopes: [
      { scope: 'clue.transfer', from: '310000', to: '320000', dailyQuota: 500 },
      { scope: 'clue.transfer', from: '320000', to: '310000', dailyQuota: null },
      { scope: 'assist.request', from: '330000', to: '310000', dailyQuota: 10_000_000 },
    ],
    fieldPolicy: { residentId: 'hash', personName: 'mask', phone: 'omit' },
    matchingKey: kid(9),
    validFrom: '2026-01-01',
    validUntil: '2026-12-31',
    deadlines: { clueWorkingDays: 10, assistWorkingDays: 60 },
    supersedes: null,
    proposedBy: '320000',
    proposedAt: '2025-12-01T08:30:00.000Z',
  };
}

type Mutable = Record<string, unknown>;

/** A copy of the valid terms with `change` applied to it. */
function broken(change: (terms: Mutable & { keys: Mutable; scopes: Mutable[] }) => void): unknown {
  const terms = JSON.parse(JSON.stringify(validTerms())) as Mutable & { keys: Mutable; scopes: Mutable[] };
  change(terms);
  return terms;
}

function grant(i: number, patch: Mutable) {
  return (terms: { scopes: Mutable[] }) => {
    terms.scopes[i] = { ...terms.scopes[i], ...patch };
  };
}

/** Asserts the problems are exactly the expected ones: each pattern matches one problem, none left over. */
function expectProblems(value: unknown, expected: readonly RegExp[]): void {
  const problems = agreementTermsProblems(value);
  const unmatched = [...problems];
  for (const pattern of expected) {
    const at = unmatched.findIndex((problem) => pattern.test(problem));
    if (at < 0) throw new Error(`no problem matches ${pattern} in ${JSON.stringify(problems)}`);
    unmatched.splice(at, 1);
  }
  expect(unmatched).toEqual([]);
}

describe('agreementTermsProblems', () => {
  it('finds nothing wrong with valid terms, also after a JSON round trip', () => {
    expect(agreementTermsProblems(validTerms())).toEqual([]);
    expect(agreementTermsProblems(JSON.parse(JSON.stringify(validTerms())))).toEqual([]);
  });

  it.each<[string, unknown]>([
    [
      'two parties',
      broken((t) => {
        t.parties = ['110000', '120000'];
        t.keys = { '110000': [kid(1)], '120000': [kid(2)] };
        t.scopes = [{ scope: 'shop.sync', from: '120000', to: '110000', dailyQuota: null }];
        t.proposedBy = '110000';
      }),
    ],
    ['an empty field policy', broken((t) => (t.fieldPolicy = {}))],
    ['a one-day agreement', broken((t) => (t.validUntil = t.validFrom))],
    ['a leap day', broken((t) => (t.validUntil = '2028-02-29'))],
    ['a renewal', broken((t) => (t.supersedes = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890'))],
    [
      'the smallest quota and deadlines',
      broken((t) => {
        grant(0, { dailyQuota: 1 })(t);
        t.deadlines = { clueWorkingDays: 1, assistWorkingDays: 1 };
      }),
    ],
    [
      'a title of 200 characters outside the BMP (400 UTF-16 units)',
      broken((t) => (t.title = '𠀀'.repeat(200))),
    ],
    [
      'every scope, field and rule',
      broken((t) => {
        t.scopes = ['shop.sync', 'entity.resolve', 'landing.result', 'clue.transfer', 'assist.request'].map(
          (scope) => ({ scope, from: '330000', to: '310000', dailyQuota: null }),
        );
        t.fieldPolicy = {
          residentId: 'clear',
          personName: 'mask',
          phone: 'hash',
          address: 'omit',
          email: 'hash',
        };
      }),
    ],
  ])('accepts %s', (_label, value) => {
    expect(agreementTermsProblems(value)).toEqual([]);
  });

  it.each<[unknown]>([[null], [undefined], [[]], ['terms'], [42], [new Date()], [new Map()]])(
    'refuses %p as a whole',
    (value) => {
      expect(agreementTermsProblems(value)).toEqual(['terms: must be a JSON object']);
    },
  );

  it.each<[string, unknown, RegExp[]]>([
    ['a wrong version', broken((t) => (t.v = 2)), [/^v: must be 1$/]],
    ['a missing version', broken((t) => delete t.v), [/^v: is missing$/]],
    ['an unknown property', broken((t) => (t.note = 'x')), [/^note: is not an allowed property$/]],
    ['an upper-case id', broken((t) => (t.id = ID.toUpperCase())), [/^id: /]],
    ['an id that is no UUID', broken((t) => (t.id = 'agreement-1')), [/^id: /]],
    ['an empty title', broken((t) => (t.title = '')), [/^title: must be 1 to 200/]],
    ['a title of 201 characters', broken((t) => (t.title = 'x'.repeat(201))), [/^title: must be 1 to 200/]],
    ['a title that is no string', broken((t) => (t.title = 7)), [/^title: must be a string$/]],
    [
      'a title with a NUL character, which no party could store',
      broken((t) => (t.title = '协议\u0000')),
      [/^terms\.title holds a NUL character/],
    ],
    [
      'a title of 200 characters with a variation selector, 201 as stored',
      broken((t) => (t.title = `${'x'.repeat(199)}☃\uFE0F`)),
      [/^title: must be 1 to 200/],
    ],
    [
      'parties that are no array',
      broken((t) => (t.parties = '310000,320000')),
      [/^parties: must be an array/],
    ],
    [
      'a malformed party code',
      broken((t) => (t.parties = ['310000', '320000', '330000', '34000'])),
      [/^parties\[3\]: must be a six-digit region code$/],
    ],
    [
      'unsorted parties',
      broken((t) => (t.parties = ['320000', '310000', '330000'])),
      [/^parties: must be sorted in ascending order$/],
    ],
    [
      'a party listed twice',
      broken((t) => (t.parties = ['310000', '320000', '320000', '330000'])),
      [/^parties: lists 320000 more than once$/],
    ],
    [
      'a single party',
      broken((t) => {
        t.parties = ['310000'];
        t.keys = { '310000': [kid(1)] };
        t.scopes = [{ scope: 'shop.sync', from: '310000', to: '310000', dailyQuota: null }];
        t.proposedBy = '310000';
      }),
      [/^parties: must name at least two distinct regions$/, /^scopes\[0\]: from and to must differ$/],
    ],
    [
      'a party code that is a number (everything naming it is then reported)',
      broken((t) => (t.parties = [310000, '320000', '330000'])),
      [
        /^parties\[0\]: must be a six-digit region code$/,
        /^keys\.310000: is not a party$/,
        /^scopes\[0\]\.from: must be one of the parties$/,
        /^scopes\[1\]\.to: must be one of the parties$/,
        /^scopes\[2\]\.to: must be one of the parties$/,
      ],
    ],
    [
      'keys that are no object',
      broken((t) => Object.assign(t, { keys: [[kid(1)]] })),
      [/^keys: must be an object/],
    ],
    [
      'a party without keys',
      broken((t) => delete t.keys['330000']),
      [/^keys: has no key list for party 330000$/],
    ],
    [
      'keys for a region that is no party',
      broken((t) => (t.keys['340000'] = [kid(5)])),
      [/^keys\.340000: is not a party$/],
    ],
    [
      'an empty key list',
      broken((t) => (t.keys['330000'] = [])),
      [/^keys\.330000: must be a non-empty array/],
    ],
    [
      'a key list that is no array',
      broken((t) => (t.keys['330000'] = kid(4))),
      [/^keys\.330000: must be a non-empty/],
    ],
    [
      'a key id that is no thumbprint',
      broken((t) => (t.keys['320000'] = [kid(2), 'key-2'])),
      [/^keys\.320000\[1\]: must be a key thumbprint/],
    ],
    [
      'a key id listed twice for one party',
      broken((t) => (t.keys['320000'] = [kid(2), kid(2)])),
      [new RegExp(`^keys\\.320000: lists ${kid(2)} more than once$`)],
    ],
    [
      'a key id listed for two parties',
      broken((t) => (t.keys['330000'] = [kid(1)])),
      [new RegExp(`^keys: ${kid(1)} is listed for more than one party \\(310000, 330000\\)$`)],
    ],
    [
      'scopes that are no array',
      broken((t) => Object.assign(t, { scopes: {} })),
      [/^scopes: must be an array$/],
    ],
    ['no scopes', broken((t) => (t.scopes = [])), [/^scopes: must grant at least one scope$/]],
    [
      'a grant that is no object',
      broken((t) => Object.assign(t.scopes, { 1: 'clue.transfer' })),
      [/^scopes\[1\]: must be an object$/],
    ],
    ['an unknown scope', broken(grant(0, { scope: 'shop.delete' })), [/^scopes\[0\]\.scope: must be one of/]],
    [
      'a grant from a non-party',
      broken(grant(0, { from: '340000' })),
      [/^scopes\[0\]\.from: must be one of the parties$/],
    ],
    [
      'a grant to a malformed region',
      broken(grant(2, { to: 'beijing' })),
      [/^scopes\[2\]\.to: must be a six-digit/],
    ],
    [
      'a grant from a party to itself',
      broken(grant(0, { to: '310000' })),
      [/^scopes\[0\]: from and to must differ$/],
    ],
    [
      'a zero quota',
      broken(grant(0, { dailyQuota: 0 })),
      [/^scopes\[0\]\.dailyQuota: must be null or an integer/],
    ],
    ['a quota too high', broken(grant(0, { dailyQuota: 10_000_001 })), [/^scopes\[0\]\.dailyQuota: /]],
    ['a fractional quota', broken(grant(0, { dailyQuota: 1.5 })), [/^scopes\[0\]\.dailyQuota: /]],
    ['a quota as text', broken(grant(0, { dailyQuota: '500' })), [/^scopes\[0\]\.dailyQuota: /]],
    [
      'a missing quota',
      broken((t) => delete t.scopes[0]!.dailyQuota),
      [/^scopes\[0\]\.dailyQuota: is missing$/],
    ],
    [
      'an extra grant property',
      broken(grant(1, { note: 'x' })),
      [/^scopes\[1\]\.note: is not an allowed property$/],
    ],
    [
      'a grant repeated with another quota',
      broken((t) => t.scopes.push({ ...t.scopes[0], dailyQuota: 7 })),
      [/^scopes\[3\]: repeats scopes\[0\]/],
    ],
    [
      'a field policy that is no object',
      broken((t) => (t.fieldPolicy = ['hash'])),
      [/^fieldPolicy: must be an object$/],
    ],
    [
      'a field that is not personal',
      broken((t) => (t.fieldPolicy = { creditCode: 'clear' })),
      [/^fieldPolicy\.creditCode: is not a personal field/],
    ],
    [
      'an unknown field rule',
      broken((t) => (t.fieldPolicy = { phone: 'encrypt' })),
      [/^fieldPolicy\.phone: must be one of clear, mask, hash, omit$/],
    ],
    ['a short matching key', broken((t) => (t.matchingKey = kid(9).slice(1))), [/^matchingKey: /]],
    ['a padded matching key', broken((t) => (t.matchingKey = `${kid(9)}=`)), [/^matchingKey: /]],
    [
      'a matching key of 16 bytes',
      broken((t) => (t.matchingKey = Buffer.alloc(16).toString('base64url'))),
      [/^matchingKey: /],
    ],
    ['an impossible date', broken((t) => (t.validFrom = '2026-02-30')), [/^validFrom: must be a real date/]],
    [
      'a date without leading zeros',
      broken((t) => (t.validFrom = '2026-1-1')),
      [/^validFrom: must be a real date/],
    ],
    [
      'a date with a time',
      broken((t) => (t.validUntil = '2026-12-31T00:00:00Z')),
      [/^validUntil: must be a real date/],
    ],
    ['a month 13', broken((t) => (t.validUntil = '2026-13-01')), [/^validUntil: must be a real date/]],
    [
      'a period ending before it starts',
      broken((t) => (t.validUntil = '2025-12-31')),
      [/^validUntil: must not be before validFrom$/],
    ],
    ['deadlines that are no object', broken((t) => (t.deadlines = 10)), [/^deadlines: must be an object$/]],
    [
      'a zero deadline',
      broken((t) => (t.deadlines = { clueWorkingDays: 0, assistWorkingDays: 5 })),
      [/^deadlines\.clueWorkingDays: must be an integer from 1 to 60$/],
    ],
    [
      'a deadline over 60',
      broken((t) => (t.deadlines = { clueWorkingDays: 5, assistWorkingDays: 61 })),
      [/^deadlines\.assistWorkingDays: /],
    ],
    [
      'a fractional deadline',
      broken((t) => (t.deadlines = { clueWorkingDays: 2.5, assistWorkingDays: 5 })),
      [/^deadlines\.clueWorkingDays: /],
    ],
    [
      'a missing deadline',
      broken((t) => (t.deadlines = { clueWorkingDays: 5 })),
      [/^deadlines\.assistWorkingDays: is missing$/],
    ],
    [
      'an extra deadline',
      broken((t) => (t.deadlines = { clueWorkingDays: 5, assistWorkingDays: 5, landingWorkingDays: 5 })),
      [/^deadlines\.landingWorkingDays: is not an allowed property$/],
    ],
    [
      'a renewal of itself',
      broken((t) => (t.supersedes = ID)),
      [/^supersedes: an agreement cannot supersede itself$/],
    ],
    [
      'a renewal of no UUID',
      broken((t) => (t.supersedes = 'v1')),
      [/^supersedes: must be null or a lowercase UUID$/],
    ],
    ['a missing supersedes', broken((t) => delete t.supersedes), [/^supersedes: is missing$/]],
    [
      'a proposer that is no party',
      broken((t) => (t.proposedBy = '340000')),
      [/^proposedBy: must be one of the parties$/],
    ],
    [
      'a proposer that is no region',
      broken((t) => (t.proposedBy = 32)),
      [/^proposedBy: must be a six-digit region code$/],
    ],
    [
      'a timestamp without milliseconds',
      broken((t) => (t.proposedAt = '2025-12-01T08:30:00Z')),
      [/^proposedAt: /],
    ],
    [
      'a timestamp with an offset',
      broken((t) => (t.proposedAt = '2025-12-01T16:30:00.000+08:00')),
      [/^proposedAt: /],
    ],
    [
      'an impossible timestamp',
      broken((t) => (t.proposedAt = '2025-02-30T08:30:00.000Z')),
      [/^proposedAt: /],
    ],
    [
      'a timestamp as a number',
      broken((t) => (t.proposedAt = Date.parse('2025-12-01T08:30:00.000Z'))),
      [/^proposedAt: /],
    ],
  ])('names the problem with %s', (_label, value, expected) => {
    expectProblems(value, expected);
  });

  it('takes two-step disclosure on an entity.resolve grant, and nowhere else', () => {
    const twoStep = broken((t) => {
      t.scopes.push({
        scope: 'entity.resolve',
        from: '330000',
        to: '320000',
        dailyQuota: null,
        disclosure: 'two-step',
      });
    });
    expect(agreementTermsProblems(twoStep)).toEqual([]);
    expectProblems(broken(grant(0, { disclosure: 'two-step' })), [
      /^scopes\[0\]\.disclosure: applies to entity.resolve only$/,
    ]);
    expectProblems(
      broken((t) => {
        t.scopes.push({
          scope: 'entity.resolve',
          from: '330000',
          to: '320000',
          dailyQuota: null,
          disclosure: 'direct',
        });
      }),
      [/^scopes\[3\]\.disclosure: must be two-step when present$/],
    );
  });

  it('lists every problem at once, not only the first', () => {
    const value = broken((t) => {
      t.v = 0;
      t.title = '';
      t.extra = true;
      t.keys['330000'] = [];
      grant(0, { dailyQuota: -1, colour: 'red' })(t);
      t.fieldPolicy = { phone: 'shout' };
      t.validFrom = '2026-02-29';
      t.deadlines = { clueWorkingDays: 61, assistWorkingDays: 0 };
      t.proposedAt = 'yesterday';
      delete t.matchingKey;
    });
    expectProblems(value, [
      /^v: /,
      /^title: /,
      /^extra: is not an allowed property$/,
      /^keys\.330000: /,
      /^scopes\[0\]\.dailyQuota: /,
      /^scopes\[0\]\.colour: is not an allowed property$/,
      /^fieldPolicy\.phone: /,
      /^validFrom: /,
      /^deadlines\.clueWorkingDays: /,
      /^deadlines\.assistWorkingDays: /,
      /^proposedAt: /,
      /^matchingKey: is missing$/,
    ]);
  });

  it('reports exactly the one missing field whichever top-level field is removed', () => {
    for (const field of Object.keys(validTerms())) {
      const value = broken((t) => delete t[field]);
      expect({ field, problems: agreementTermsProblems(value) }).toEqual({
        field,
        problems: [`${field}: is missing`],
      });
    }
  });

  it('never throws and always finds a problem in arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withDate: true }),
        (value) => {
          const problems = agreementTermsProblems(value);
          expect(problems.length).toBeGreaterThan(0);
          expect(problems.every((p) => typeof p === 'string')).toBe(true);
        },
      ),
    );
  });

  it('never throws when one field of valid terms is replaced by anything', () => {
    const fields = Object.keys(validTerms());
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.anything(), (field, replacement) => {
        const value = { ...validTerms(), [field]: replacement };
        expect(Array.isArray(agreementTermsProblems(value))).toBe(true);
      }),
    );
  });
});
