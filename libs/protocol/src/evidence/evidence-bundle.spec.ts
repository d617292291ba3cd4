import fc from 'fast-check';
import {
  BATCH_ID,
  evidenceCard,
  evidenceWorld,
  newEvidenceKey,
  RECEIVER,
  SENDER,
  type EvidenceWorld,
} from '../../../../test/support/evidence';
import { signNodeCard } from '../node-card/node-card';
import type { SignedRecordBatch } from '../record-batch/record-batch';
import {
  EvidenceError,
  verifyEvidenceBundle,
  type EvidenceBundle,
  type EvidenceProblem,
} from './evidence-bundle';

/** The problem a bundle is refused for, or 'verified'; any other error fails the test. */
async function outcome(input: unknown, now?: Date): Promise<EvidenceProblem | 'verified'> {
  try {
    await verifyEvidenceBundle(input, now);
    return 'verified';
  } catch (error) {
    if (error instanceof EvidenceError) return error.problem;
    throw error;
  }
}

async function refusal(input: unknown): Promise<EvidenceError> {
  const error = await verifyEvidenceBundle(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EvidenceError)) throw new Error(`expected an EvidenceError, got ${String(error)}`);
  return error;
}

/** As it arrives from a file. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('evidence bundle', () => {
  let world: EvidenceWorld;
  let batch: SignedRecordBatch;
  let good: EvidenceBundle;

  beforeAll(async () => {
    world = await evidenceWorld();
    batch = await world.signBatch();
    good = world.bundle(batch, 2);
  });

  const withBatch = async (options: Parameters<EvidenceWorld['signBatch']>[0]) =>
    world.bundle(await world.signBatch(options), 2);

  it('verifies a good bundle and reports what it proves', async () => {
    const verified = await verifyEvidenceBundle(asJson(good));
    expect(verified).toEqual({
      kind: 'shop',
      record: world.records[2],
      index: 2,
      exported: { by: RECEIVER, at: '2026-12-01T09:30:00.000Z' },
      batch: {
        id: BATCH_ID,
        from: SENDER,
        to: RECEIVER,
        size: 5,
        signedAt: '2026-11-23T08:00:00.000Z',
        root: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      },
      agreement: {
        id: world.terms.id,
        title: world.terms.title,
        parties: [SENDER, RECEIVER],
        validFrom: '2026-01-01',
        validUntil: '2027-12-31',
        digest: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      },
      // The sender signed the agreement and the batch with the same key: listed once.
      keys: [
        { region: SENDER, kid: world.sender.signer.kid },
        { region: RECEIVER, kid: world.receiver.signer.kid },
      ],
    });
  });

  describe('shape', () => {
    it.each<[string, (b: EvidenceBundle) => unknown]>([
      ['not an object', () => 'bundle'],
      ['an array', (b) => [b]],
      ['an unknown field', (b) => ({ ...b, note: 'trust me' })],
      ['a missing field', ({ exportedAt: _, ...b }) => b],
      ['another version', (b) => ({ ...b, v: 2 })],
      ['a negative index', (b) => ({ ...b, index: -1 })],
      ['a fractional index', (b) => ({ ...b, index: 1.5 })],
      ['an index written as text', (b) => ({ ...b, index: '2' })],
      ['a proof holding a number', (b) => ({ ...b, proof: [...b.proof, 7] })],
      ['a proof longer than any batch can have', (b) => ({ ...b, proof: Array(15).fill(b.proof[0]) })],
      ['a proof holding what is no hash', (b) => ({ ...b, proof: [...b.proof.slice(1), 'abc'] })],
      ['an empty card list', (b) => ({ ...b, cards: [] })],
      ['an empty kind', (b) => ({ ...b, kind: '' })],
      ['a batch that is no string', (b) => ({ ...b, batch: { head: b.batch } })],
      ['an exporter that is no region', (b) => ({ ...b, exportedBy: 'Guangdong' })],
      ['an export time that is no timestamp', (b) => ({ ...b, exportedAt: 'yesterday' })],
    ])('refuses %s', async (_label, mutate) => {
      expect(await outcome(mutate(good))).toBe('shape');
    });
  });

  it('refuses a proof of a million entries at once, on its length', async () => {
    const error = await refusal({ ...good, proof: Array<string>(1_000_000).fill(good.proof[0]!) });
    expect(error.problem).toBe('shape');
    expect(error.message).toBe('proof must be an array of at most 14 base64url SHA-256 hashes');
  });

  describe('cards', () => {
    /** The bundle as a file holds it, with `from` replaced by `to` in its JSON text. */
    const edited = (from: string, to: string): unknown => {
      const text = JSON.stringify(good);
      expect(text).toContain(from);
      return JSON.parse(text.replace(from, to));
    };

    it.each([
      ['an endpoint JSON reads as Infinity', '"endpoints":{', '"endpoints":{"x":1e400,', 'Infinity'],
      ['an endpoint holding a lone surrogate', '"endpoints":{', '"endpoints":{"x":"\\ud800",', 'surrogate'],
      ['a name holding a lone surrogate', `"name":"node ${SENDER}"`, '"name":"node \\ud800"', 'surrogate'],
    ])('refuses a card with %s as a card that does not verify', async (_label, from, to, reason) => {
      const error = await refusal(edited(from, to));
      expect(error.problem).toBe('card');
      expect(error.message).toMatch(
        /^cards\[0\] does not verify \(shape\): the card has no canonical JSON form/,
      );
      expect(error.message).toContain(reason);
    });

    it('refuses a card entry with a field beside the card and its signature', async () => {
      const [sender, receiver] = world.cards;
      const error = await refusal({ ...good, cards: [sender, { ...receiver, note: 'verified by us' }] });
      expect(error.problem).toBe('card');
      expect(error.message).toBe('cards[1] has unknown fields: note (only card, jws)');
    });

    it('reports a failure no check foresaw as a failure of the check that ran, never throwing it', async () => {
      const hostile = new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('no keys to show');
          },
        },
      );
      const error = await refusal({ ...good, cards: [hostile] });
      expect(error.problem).toBe('card');
      expect(error.message).toBe('the card check failed on this input (no keys to show)');
    });

    it('refuses a card changed after signing', async () => {
      const [sender, receiver] = world.cards;
      const tampered = { ...receiver, card: { ...receiver.card, name: 'someone else' } };
      const error = await refusal({ ...good, cards: [sender, tampered] });
      expect(error.problem).toBe('card');
      expect(error.message).toContain('cards[1]');
    });

    it('refuses two cards for one region', async () => {
      const other = await evidenceCard(RECEIVER, [await newEvidenceKey()]);
      expect(await outcome({ ...good, cards: [...good.cards, other] })).toBe('card');
    });
  });

  describe('agreement', () => {
    it('refuses an agreement only its proposer signed', async () => {
      expect(await outcome({ ...good, agreement: world.proposed })).toBe('agreement');
    });

    it("refuses an agreement signature by a key not on the party's card", async () => {
      const impostor = await evidenceCard(RECEIVER, [await newEvidenceKey()]);
      expect(await outcome({ ...good, cards: [world.cards[0], impostor] })).toBe('agreement');
    });

    it("says a key the agreement pins is missing from the party's card, when it is", async () => {
      // A new card for the sender, validly signed, that no longer lists the key the agreement pins.
      const reissued = await evidenceCard(SENDER, [world.spare]);
      const error = await refusal({ ...good, cards: [reissued, world.cards[1]] });
      expect(error.problem).toBe('agreement');
      expect(error.message).toBe(
        `the agreement does not verify: key ${world.sender.signer.kid} that the agreement pins for ` +
          `${SENDER} is not on its card in the bundle`,
      );
    });

    it('refuses a bundle lacking the card of a party', async () => {
      const error = await refusal({ ...good, cards: [world.cards[0]] });
      expect(error.problem).toBe('missing-card');
      expect(error.message).toContain(RECEIVER);
    });
  });

  describe('batch signature', () => {
    it('refuses a batch signed by a key on the sender card that the agreement does not pin', async () => {
      const bundle = await withBatch({ signer: world.spare.signer });
      const error = await refusal(bundle);
      expect(error.problem).toBe('batch-signature');
      expect(error.message).toContain(world.spare.signer.kid);
    });

    it("refuses a batch naming the sender but signed with the receiver's pinned key", async () => {
      expect(await outcome(await withBatch({ signer: world.receiver.signer }))).toBe('batch-signature');
    });

    it('refuses a batch head whose signed content was changed', async () => {
      const [h, p, s] = batch.head.split('.') as [string, string, string];
      const head = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...head, size: 6 })).toString('base64url');
      expect(await outcome({ ...good, batch: `${h}.${forged}.${s}` })).toBe('batch-signature');
      expect(await outcome({ ...good, batch: 'not.a.jws' })).toBe('batch-signature');
    });

    it('refuses a batch its key signed after the sender card says that key was retired', async () => {
      const next = await newEvidenceKey();
      const cards = async (retiredAt: string) => {
        const sender = await signNodeCard(
          {
            v: 1,
            region: SENDER,
            name: `node ${SENDER}`,
            endpoints: { api: `https://${SENDER}.regulink.example` },
            keys: [next.jwk, world.sender.jwk],
            activeKid: next.signer.kid,
            retired: { [world.sender.signer.kid]: retiredAt },
            issuedAt: '2026-12-02T00:00:00.000Z',
          },
          next.signer,
        );
        return good.cards.map((card) => (card.card.region === SENDER ? sender : card));
      };
      // Signed 2026-11-23T08:00Z: before the key's retirement it stands, after it, not.
      expect(await outcome({ ...good, cards: await cards('2026-11-24T00:00:00.000Z') })).toBe('verified');
      const error = await refusal({ ...good, cards: await cards('2026-11-20T00:00:00.000Z') });
      expect(error.problem).toBe('batch-signature');
      expect(error.message).toContain(`after ${SENDER} retired key ${world.sender.signer.kid}`);
    });
  });

  describe('export', () => {
    it('refuses a file that says it was exported by another region than the one the batch went to', async () => {
      for (const exportedBy of [SENDER, '110000']) {
        const error = await refusal({ ...good, exportedBy });
        expect(error.problem).toBe('export');
        expect(error.message).toContain(`went to ${RECEIVER}`);
      }
    });

    it('refuses a file that says it was exported before its batch was signed, or at a time to come', async () => {
      expect(await outcome({ ...good, exportedAt: '1999-01-01T00:00:00.000Z' })).toBe('export');
      expect(await outcome({ ...good, exportedAt: '2999-01-01T00:00:00.000Z' })).toBe('export');
      // As read on the day of the export, it verifies; the day before the batch was signed, it is to come.
      await expect(verifyEvidenceBundle(good, new Date('2026-12-01T09:31:00.000Z'))).resolves.toBeDefined();
      await expect(verifyEvidenceBundle(good, new Date('2026-11-22T00:00:00.000Z'))).rejects.toMatchObject({
        problem: 'batch-terms',
      });
    });
  });

  describe('batch terms', () => {
    it('refuses a batch sent under another agreement', async () => {
      const bundle = await withBatch({ head: { agreement: '0190f5a8-3c2e-7b4d-9a1e-0000000000ff' } });
      expect(await outcome(bundle)).toBe('batch-terms');
    });

    it('refuses a batch to a region that is no party, or to its own sender', async () => {
      expect(await outcome(await withBatch({ head: { to: '110000' } }))).toBe('batch-terms');
      expect(await outcome(await withBatch({ head: { to: SENDER } }))).toBe('batch-terms');
    });

    it('refuses a batch the agreement grants no scope for, in that direction', async () => {
      // Shop records going the wrong way: the agreement grants shop.sync SENDER -> RECEIVER only.
      const backwards = await withBatch({
        head: { from: RECEIVER, to: SENDER },
        signer: world.receiver.signer,
      });
      expect(await outcome(backwards)).toBe('batch-terms');
      // Landing results do go RECEIVER -> SENDER: the same batch as landing results verifies.
      const results = await withBatch({
        head: { from: RECEIVER, to: SENDER, kind: 'landing' },
        signer: world.receiver.signer,
      });
      expect(await outcome({ ...results, kind: 'landing' })).toBe('verified');
    });

    it('refuses a bundle whose kind differs from the batch kind', async () => {
      expect(await outcome({ ...good, kind: 'landing' })).toBe('batch-terms');
      expect(await outcome(await withBatch({ head: { kind: 'landing' } }))).toBe('batch-terms');
    });

    it.each([
      ['2025-12-31T15:59:59.999Z', 'batch-terms'],
      ['2025-12-31T16:00:00.000Z', 'verified'],
      ['2027-12-31T15:59:59.999Z', 'verified'],
      ['2027-12-31T16:00:00.000Z', 'batch-terms'],
    ])('judges a batch signed at %s by its China date: %s', async (signedAt, expected) => {
      // Read in 2028, when every one of these dates has passed.
      const read = new Date('2028-06-01T00:00:00.000Z');
      expect(await outcome(await withBatch({ signedAt: new Date(signedAt) }), read)).toBe(expected);
    });
  });

  describe('inclusion', () => {
    it('refuses a record altered by one character, without quoting it', async () => {
      const record = { ...world.records[2], url: 'https://shop2.example.con' };
      const error = await refusal({ ...good, record });
      expect(error.problem).toBe('inclusion');
      expect(error.message).not.toContain('example');
    });

    it('proves every record of the batch at its own index, with its own proof', async () => {
      for (const index of world.records.keys()) {
        expect(await outcome(world.bundle(batch, index))).toBe('verified');
      }
    });

    it("refuses a record with another index's proof, or at another index", async () => {
      expect(await outcome({ ...good, proof: batch.proofs[3] })).toBe('inclusion');
      expect(await outcome({ ...good, index: 3 })).toBe('inclusion');
      expect(await outcome({ ...good, record: world.records[3] })).toBe('inclusion');
    });

    it('refuses an index past the end of the batch', async () => {
      expect(await outcome({ ...world.bundle(batch, 4), index: 5 })).toBe('inclusion');
    });
  });

  it('throws nothing but its own error when any field is replaced', async () => {
    const field = fc.constantFrom(...(Object.keys(good) as (keyof EvidenceBundle)[]));
    await fc.assert(
      fc.asyncProperty(field, fc.anything(), async (name, value) => {
        expect(await outcome({ ...good, [name]: value })).not.toBe('verified');
      }),
      { numRuns: 200 },
    );
  });
});
