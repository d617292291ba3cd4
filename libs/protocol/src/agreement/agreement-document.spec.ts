import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FlattenedSign, generateKeyPair, type CryptoKey } from 'jose';
import { canonicalJson } from '../canonical-json/canonical-json';
import { toPublicSigningJwk, type Signer } from '../keys/signing-key';
import {
  AgreementDocumentError,
  AgreementDocumentErrorCode as Code,
  countersignAgreement,
  proposeAgreement,
  readAgreementTerms,
  verifyAgreementDocument,
  type AgreementDocument,
  type AgreementKeyResolver,
} from './agreement-document';
import { AGREEMENT_TYP, type AgreementTerms } from './agreement-terms';

interface Key {
  readonly signer: Signer;
  readonly publicKey: CryptoKey;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const { kid } = await toPublicSigningJwk(publicKey);
  return { signer: { kid, privateKey }, publicKey };
}

/** Shanghai, Jiangsu, Zhejiang; Jiangsu has two keys. An outsider key is listed for no one. */
let sh: Key, js: Key, js2: Key, zj: Key, outsider: Key;
beforeAll(async () => {
  [sh, js, js2, zj, outsider] = await Promise.all([newKey(), newKey(), newKey(), newKey(), newKey()]);
});

const SH = '310000';
const JS = '320000';
const ZJ = '330000';

function twoPartyTerms(): AgreementTerms {
  return {
    v: 1,
    id: '0190f5a8-3c2e-7b4d-9a1e-5f6a7b8c9d0e',
    title: '沪苏线索移送协作协议',
    parties: [SH, JS],
    keys: { [SH]: [sh.signer.kid], [JS]: [js.signer.kid, js2.signer.kid] },
    scopes: [
      { scope: 'clue.transfer', from: SH, to: JS, dailyQuota: 200 },
      { scope: 'clue.transfer', from: JS, to: SH, dailyQuota: 200 },
      { scope: 'entity.resolve', from: JS, to: SH, dailyQuota: null },
    ],
    fieldPolicy: { residentId: 'hash', phone: 'mask' },
    matchingKey: Buffer.alloc(32, 42).toString('base64url'),
    validFrom: '2026-01-01',
    validUntil: '2027-12-31',
    deadlines: { clueWorkingDays: 15, assistWorkingDays: 20 },
    supersedes: null,
    proposedBy: SH,
    proposedAt: '2025-11-20T02:00:00.000Z',
  };
}

function threePartyTerms(): AgreementTerms {
  const base = twoPartyTerms();
  return {
    ...base,
    id: '0190f5a8-3c2e-7b4d-9a1e-000000000003',
    title: '长三角三地协作协议',
    parties: [SH, JS, ZJ],
    keys: { ...base.keys, [ZJ]: [zj.signer.kid] },
    scopes: [...base.scopes, { scope: 'assist.request', from: ZJ, to: SH, dailyQuota: 50 }],
    proposedBy: JS,
  };
}

/** Every party's key pinned for that party only. */
function pinned(terms: AgreementTerms): AgreementKeyResolver {
  const all = [sh, js, js2, zj];
  return (region, kid) => {
    const key = all.find((k) => k.signer.kid === kid);
    return key && terms.keys[region]?.includes(kid) ? key.publicKey : undefined;
  };
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const json = (encoded: string): unknown => JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));

/** A signature over `payload` with a header of our choosing, made with jose directly. */
async function signEntry(payload: string, key: Key, header: Record<string, unknown> = {}) {
  const jws = await new FlattenedSign(Buffer.from(payload, 'base64url'))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.signer.kid, typ: AGREEMENT_TYP, ...header })
    .sign(key.signer.privateKey);
  return { protected: jws.protected!, signature: jws.signature };
}

async function failure(promise: Promise<unknown>): Promise<AgreementDocumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AgreementDocumentError)) {
    throw new Error(`expected an AgreementDocumentError, got ${String(error)}`);
  }
  return error;
}

async function expectCode(promise: Promise<unknown>, code: Code): Promise<AgreementDocumentError> {
  const error = await failure(promise);
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  return error;
}

async function fullySigned(): Promise<AgreementDocument> {
  const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
  return countersignAgreement(proposed, JS, js.signer);
}

describe('agreement document', () => {
  describe('signing and verifying', () => {
    it('is complete once both parties have signed, listing the signers in order', async () => {
      const terms = twoPartyTerms();
      const proposed = await proposeAgreement(terms, sh.signer);
      expect(proposed.payload).toBe(b64(canonicalJson(terms)));
      expect(proposed.signatures).toHaveLength(1);
      expect(json(proposed.signatures[0]!.protected)).toEqual({
        alg: 'EdDSA',
        kid: sh.signer.kid,
        typ: 'regulink-agreement+jws',
      });

      const half = await verifyAgreementDocument(proposed, pinned(terms));
      expect(half).toMatchObject({ complete: false, signers: [{ region: SH, kid: sh.signer.kid }] });

      const signed = await countersignAgreement(proposed, JS, js.signer);
      expect(signed.payload).toBe(proposed.payload);
      expect(signed.signatures[0]).toEqual(proposed.signatures[0]);
      // The document travels as JSON.
      const received: unknown = JSON.parse(JSON.stringify(signed));
      const verified = await verifyAgreementDocument(received, pinned(terms));
      expect(verified.terms).toEqual(terms);
      expect(verified.complete).toBe(true);
      expect(verified.signers).toEqual([
        { region: SH, kid: sh.signer.kid },
        { region: JS, kid: js.signer.kid },
      ]);
      expect(verified.digest).toBe(createHash('sha256').update(canonicalJson(terms)).digest('base64url'));
      expect(verified.digest).toBe(half.digest);
    });

    it('accepts a party signing with any one of its listed keys, and an async resolver', async () => {
      const terms = twoPartyTerms();
      const proposed = await proposeAgreement(terms, sh.signer);
      const signed = await countersignAgreement(proposed, JS, js2.signer);
      const resolve = pinned(terms);
      const verified = await verifyAgreementDocument(signed, async (region, kid) => resolve(region, kid));
      expect(verified.signers).toEqual([
        { region: SH, kid: sh.signer.kid },
        { region: JS, kid: js2.signer.kid },
      ]);
      expect(verified.complete).toBe(true);
    });

    it('asks the resolver for each signer under its own region', async () => {
      const terms = twoPartyTerms();
      const asked: string[] = [];
      const resolve = pinned(terms);
      await verifyAgreementDocument(await fullySigned(), (region, kid) => {
        asked.push(`${region}/${kid}`);
        return resolve(region, kid);
      });
      expect(asked).toEqual([`${SH}/${sh.signer.kid}`, `${JS}/${js.signer.kid}`]);
    });

    it('handles a three-party agreement, complete only after the third signature', async () => {
      const terms = threePartyTerms();
      const resolve = pinned(terms);
      const proposed = await proposeAgreement(terms, js.signer);
      const two = await countersignAgreement(proposed, ZJ, zj.signer);
      await expect(verifyAgreementDocument(two, resolve)).resolves.toMatchObject({
        complete: false,
        signers: [{ region: JS }, { region: ZJ }],
      });
      const three = await countersignAgreement(two, SH, sh.signer);
      const verified = await verifyAgreementDocument(three, resolve);
      expect(verified.complete).toBe(true);
      expect(verified.signers).toEqual([
        { region: JS, kid: js.signer.kid },
        { region: ZJ, kid: zj.signer.kid },
        { region: SH, kid: sh.signer.kid },
      ]);
      expect(verified.terms.parties).toEqual([SH, JS, ZJ]);
    });

    it('reads the terms without verifying, and nothing from garbage', async () => {
      const signed = await fullySigned();
      expect(readAgreementTerms(signed)).toEqual(twoPartyTerms());
      const forged = { ...signed, signatures: [{ protected: 'e30', signature: 'AAAA' }] };
      expect(readAgreementTerms(forged)).toEqual(twoPartyTerms());
      expect(readAgreementTerms({ payload: b64('{"v":1}'), signatures: [] })).toBeUndefined();
      expect(readAgreementTerms({ payload: b64('not json') })).toBeUndefined();
      expect(readAgreementTerms({ payload: 'a+b/' })).toBeUndefined();
      expect(readAgreementTerms('document')).toBeUndefined();
      fc.assert(
        fc.property(fc.anything(), (value) => {
          expect(readAgreementTerms(value)).toBeUndefined();
        }),
      );
    });
  });

  describe('proposing', () => {
    it('refuses invalid terms, naming every problem', async () => {
      const terms = { ...twoPartyTerms(), title: '', validUntil: '2025-01-01', extra: 1 } as AgreementTerms;
      const error = await expectCode(proposeAgreement(terms, sh.signer), Code.TermsInvalid);
      expect(error.problems).toHaveLength(3);
      for (const problem of error.problems) expect(error.message).toContain(problem);
      expect(error.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^title: /),
          expect.stringMatching(/^validUntil: /),
          expect.stringMatching(/^extra: /),
        ]),
      );
    });

    it("refuses a key not listed for the proposer, even another party's", async () => {
      await expectCode(proposeAgreement(twoPartyTerms(), js.signer), Code.SignerNotParty);
      await expectCode(proposeAgreement(twoPartyTerms(), outsider.signer), Code.SignerNotParty);
    });
  });

  describe('countersigning', () => {
    it('refuses a region that is no party', async () => {
      const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
      await expectCode(countersignAgreement(proposed, ZJ, zj.signer), Code.SignerNotParty);
    });

    it("refuses a key not listed for the region, even another party's", async () => {
      const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
      const shAgain = { kid: sh.signer.kid, privateKey: sh.signer.privateKey };
      await expectCode(countersignAgreement(proposed, JS, shAgain), Code.SignerNotParty);
      await expectCode(countersignAgreement(proposed, JS, outsider.signer), Code.SignerNotParty);
    });

    it('refuses a party that has already signed, with the same or another of its keys', async () => {
      const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
      await expectCode(countersignAgreement(proposed, SH, sh.signer), Code.DuplicateSignature);
      const signed = await countersignAgreement(proposed, JS, js.signer);
      await expectCode(countersignAgreement(signed, JS, js2.signer), Code.DuplicateSignature);
    });

    it('refuses a document it cannot read', async () => {
      const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
      const padded = { ...proposed, payload: `${proposed.payload}==` };
      await expectCode(countersignAgreement(padded, JS, js.signer), Code.Malformed);
      await expectCode(countersignAgreement({} as AgreementDocument, JS, js.signer), Code.Malformed);
    });
  });

  describe('refusing', () => {
    it('refuses terms changed after signing and re-encoded canonically (bad signature)', async () => {
      const signed = await fullySigned();
      const changed = { ...twoPartyTerms(), validUntil: '2099-12-31' };
      const tampered = { ...signed, payload: b64(canonicalJson(changed)) };
      // The forged document is otherwise impeccable...
      expect(readAgreementTerms(tampered)).toEqual(changed);
      // ...but the signatures were over other bytes.
      await expectCode(verifyAgreementDocument(tampered, pinned(changed)), Code.BadSignature);
    });

    it('refuses terms changed after signing and re-encoded non-canonically', async () => {
      const signed = await fullySigned();
      const changed = { ...twoPartyTerms(), validUntil: '2099-12-31' };
      const pretty = { ...signed, payload: b64(JSON.stringify(changed, null, 2)) };
      await expectCode(verifyAgreementDocument(pretty, pinned(changed)), Code.NotCanonical);
    });

    it.each<[string, (terms: AgreementTerms) => string | Buffer]>([
      ['not JSON at all', () => 'terms: yes'],
      ['not UTF-8', (terms) => Buffer.concat([Buffer.from(canonicalJson(terms)), Buffer.from([0xff])])],
      ['indented', (terms) => JSON.stringify(terms, null, 1)],
      ['in declaration order', (terms) => JSON.stringify(terms)],
      ['with a byte order mark', (terms) => `\uFEFF${canonicalJson(terms)}`],
      ['with a trailing newline', (terms) => `${canonicalJson(terms)}\n`],
      ['with an escaped character', (terms) => canonicalJson(terms).replace('"v":1', '"\\u0076":1')],
      ['with a number spelled 1.0', (terms) => canonicalJson(terms).replace('"v":1', '"v":1.0')],
      ['with a number too large for JSON', (terms) => canonicalJson(terms).replace('"v":1', '"v":1e400')],
    ])('refuses a payload that is not canonical JSON: %s', async (_label, encode) => {
      const terms = twoPartyTerms();
      const bytes = Buffer.from(encode(terms));
      expect(bytes.equals(Buffer.from(canonicalJson(terms)))).toBe(false);
      const payload = bytes.toString('base64url');
      const document = { payload, signatures: [await signEntry(payload, sh)] };
      await expectCode(verifyAgreementDocument(document, pinned(terms)), Code.NotCanonical);
    });

    it('refuses a flipped signature byte and a signature moved under another header', async () => {
      const signed = await fullySigned();
      const first = signed.signatures[0]!;
      const second = signed.signatures[1]!;
      const bytes = Buffer.from(first.signature, 'base64url');
      bytes[10] ^= 1;
      const flipped = {
        ...signed,
        signatures: [{ ...first, signature: bytes.toString('base64url') }, second],
      };
      await expectCode(verifyAgreementDocument(flipped, pinned(twoPartyTerms())), Code.BadSignature);
      const swapped = {
        ...signed,
        signatures: [
          { protected: first.protected, signature: second.signature },
          { protected: second.protected, signature: first.signature },
        ],
      };
      await expectCode(verifyAgreementDocument(swapped, pinned(twoPartyTerms())), Code.BadSignature);
    });

    it("refuses a signature made with one party's key under another party's kid", async () => {
      const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
      const liar = {
        signer: { kid: js.signer.kid, privateKey: sh.signer.privateKey },
        publicKey: js.publicKey,
      };
      const document = {
        ...proposed,
        signatures: [...proposed.signatures, await signEntry(proposed.payload, liar)],
      };
      await expectCode(verifyAgreementDocument(document, pinned(twoPartyTerms())), Code.BadSignature);
    });

    it('refuses when the resolver returns a key other than the signing one', async () => {
      const signed = await fullySigned();
      await expectCode(
        verifyAgreementDocument(signed, () => zj.publicKey),
        Code.BadSignature,
      );
    });

    it('refuses a signature by a key the verifier has not pinned', async () => {
      const signed = await fullySigned();
      const resolve = pinned(twoPartyTerms());
      const withoutJiangsu: AgreementKeyResolver = (region, kid) =>
        region === JS ? undefined : resolve(region, kid);
      const error = await expectCode(verifyAgreementDocument(signed, withoutJiangsu), Code.UnpinnedKey);
      expect(error.message).toContain(js.signer.kid);
      await expectCode(
        verifyAgreementDocument(signed, async () => undefined),
        Code.UnpinnedKey,
      );
    });

    it('refuses a signature by a key listed for no party', async () => {
      const proposed = await proposeAgreement(twoPartyTerms(), sh.signer);
      const document = {
        ...proposed,
        signatures: [...proposed.signatures, await signEntry(proposed.payload, outsider)],
      };
      // Even a verifier that would trust the outsider's key does not get asked.
      const error = await expectCode(
        verifyAgreementDocument(document, () => outsider.publicKey),
        Code.SignerNotParty,
      );
      expect(error.message).toContain(outsider.signer.kid);
    });

    it('refuses a party signing twice, with the same key or with two of its keys', async () => {
      const signed = await fullySigned();
      const again = { ...signed, signatures: [...signed.signatures, signed.signatures[1]!] };
      await expectCode(verifyAgreementDocument(again, pinned(twoPartyTerms())), Code.DuplicateSignature);
      const otherKey = {
        ...signed,
        signatures: [...signed.signatures, await signEntry(signed.payload, js2)],
      };
      await expectCode(verifyAgreementDocument(otherKey, pinned(twoPartyTerms())), Code.DuplicateSignature);
    });

    it('refuses valid canonical JSON that is not valid terms', async () => {
      const payload = b64(canonicalJson({ ...twoPartyTerms(), parties: [SH] }));
      const document = { payload, signatures: [await signEntry(payload, sh)] };
      const error = await expectCode(
        verifyAgreementDocument(document, pinned(twoPartyTerms())),
        Code.TermsInvalid,
      );
      expect(error.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^parties: /)]));
    });

    it.each<[string, (signed: AgreementDocument) => Promise<unknown> | unknown]>([
      ['an extra top-level property', (d) => ({ ...d, agreementId: 'x' })],
      [
        'an unprotected header',
        (d) => ({ ...d, signatures: [{ ...d.signatures[0], header: { kid: 'x' } }] }),
      ],
      ['no signatures', (d) => ({ ...d, signatures: [] })],
      ['signatures that are no array', (d) => ({ ...d, signatures: d.signatures[0] })],
      ['a signature entry that is no object', (d) => ({ ...d, signatures: ['sig'] })],
      ['a missing payload', (d) => ({ signatures: d.signatures })],
      ['an empty payload', (d) => ({ ...d, payload: '' })],
      ['a padded payload', (d) => ({ ...d, payload: `${d.payload}=` })],
      [
        'a payload in standard base64',
        (d) => ({ ...d, payload: Buffer.from(d.payload, 'base64url').toString('base64') }),
      ],
      [
        'a signature that is not base64url',
        (d) => ({ ...d, signatures: [{ ...d.signatures[0], signature: 'a.b' }] }),
      ],
      ['a missing signature', (d) => ({ ...d, signatures: [{ protected: d.signatures[0]!.protected }] })],
      [
        'a protected header that is not JSON',
        (d) => ({ ...d, signatures: [{ ...d.signatures[0], protected: b64('alg=EdDSA') }] }),
      ],
      [
        'a protected header that is an array',
        async (d) => ({ ...d, signatures: [{ ...d.signatures[0], protected: b64('["EdDSA"]') }] }),
      ],
      [
        'another typ',
        async (d) => ({
          ...d,
          signatures: [await signEntry(d.payload, sh, { typ: 'regulink-node-card+jws' })],
        }),
      ],
      ['no typ', async (d) => ({ ...d, signatures: [await signEntry(d.payload, sh, { typ: undefined })] })],
      [
        'a kid that is no string',
        async (d) => ({
          ...d,
          signatures: [
            {
              ...d.signatures[0],
              protected: b64(JSON.stringify({ alg: 'EdDSA', kid: 7, typ: AGREEMENT_TYP })),
            },
          ],
        }),
      ],
      [
        'another algorithm',
        async (d) => ({
          ...d,
          signatures: [
            {
              ...d.signatures[0],
              protected: b64(JSON.stringify({ alg: 'ES256', kid: sh.signer.kid, typ: AGREEMENT_TYP })),
            },
          ],
        }),
      ],
      [
        'an extra header parameter',
        async (d) => ({ ...d, signatures: [await signEntry(d.payload, sh, { cty: 'json' })] }),
      ],
      [
        'an unencoded-payload header',
        async (d) => ({ ...d, signatures: [await signEntry(d.payload, sh, { b64: true })] }),
      ],
      [
        'more than two signatures per party',
        (d) => ({ ...d, signatures: [...d.signatures, ...d.signatures, d.signatures[0]] }),
      ],
    ])('refuses a malformed document: %s', async (_label, mutate) => {
      const document = await mutate(await fullySigned());
      await expectCode(verifyAgreementDocument(document, pinned(twoPartyTerms())), Code.Malformed);
    });

    it('refuses base64url spelled with non-zero unused bits, though it decodes to the same bytes', async () => {
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respell = (encoded: string): string => {
        const last = ALPHABET.indexOf(encoded.at(-1)!);
        const other = `${encoded.slice(0, -1)}${ALPHABET[last + 1]}`;
        expect(Buffer.from(other, 'base64url').equals(Buffer.from(encoded, 'base64url'))).toBe(true);
        return other;
      };
      const signed = await fullySigned();
      const [first, second] = [signed.signatures[0]!, signed.signatures[1]!];
      // 64 signature bytes leave 4 unused bits in the last of 86 characters.
      const signature = {
        ...signed,
        signatures: [first, { ...second, signature: respell(second.signature) }],
      };
      await expectCode(verifyAgreementDocument(signature, pinned(twoPartyTerms())), Code.Malformed);

      const terms = { ...twoPartyTerms(), title: 'x' };
      while (canonicalJson(terms).length % 3 === 0) terms.title += 'x';
      const proposed = await proposeAgreement(terms, sh.signer);
      const payload = { ...proposed, payload: respell(proposed.payload) };
      await expectCode(verifyAgreementDocument(payload, pinned(terms)), Code.Malformed);
    });

    it('throws nothing but its own error for arbitrary input', async () => {
      const resolve = pinned(twoPartyTerms());
      await fc.assert(
        fc.asyncProperty(
          fc.anything({ withNullPrototype: true, withMap: true, withDate: true }),
          async (value) => {
            await failure(verifyAgreementDocument(value, resolve));
          },
        ),
      );
    });

    it('throws nothing but its own error for document-like input', async () => {
      const resolve = pinned(twoPartyTerms());
      const base64url = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url'));
      const text = fc.oneof(fc.string(), base64url, fc.json().map(b64));
      const entry = fc.dictionary(
        fc.constantFrom('protected', 'signature', 'header'),
        fc.oneof(text, fc.anything()),
      );
      const document = fc.record(
        { payload: fc.oneof(text, fc.anything()), signatures: fc.oneof(fc.array(entry), fc.anything()) },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(document, async (value) => {
          await failure(verifyAgreementDocument(value, resolve));
        }),
      );
    });

    it('throws nothing but its own error when any part of a signed document is replaced', async () => {
      const signed = await fullySigned();
      const resolve = pinned(twoPartyTerms());
      const part = fc.constantFrom('payload', 'signatures', 'protected', 'signature', 'entry');
      await fc.assert(
        fc.asyncProperty(part, fc.nat({ max: 1 }), fc.anything(), async (where, index, replacement) => {
          const signatures: unknown[] = signed.signatures.map((s) => ({ ...s }));
          const document: Record<string, unknown> = { ...signed, signatures };
          if (where === 'payload' || where === 'signatures') document[where] = replacement;
          else if (where === 'entry') signatures[index] = replacement;
          else (signatures[index] as Record<string, unknown>)[where] = replacement;
          await failure(verifyAgreementDocument(document, resolve));
        }),
      );
    });
  });
});
