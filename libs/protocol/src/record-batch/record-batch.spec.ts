import fc from 'fast-check';
import { generateKeyPair, type CryptoKey } from 'jose';
import { toPublicSigningJwk } from '../keys/signing-key';
import type { Signer } from '../keys/signing-key';
import { hashToBase64Url, interiorHash } from '../merkle/merkle-hash';
import { appendLeaves, inclusionProofFrom, rootFrom } from '../merkle/merkle-log-layout';
import { StoredHashMap } from '../merkle/merkle-plan';
import {
  isRecordInBatch,
  recordBatchKid,
  recordBatchTree,
  recordLeafHash,
  signRecordBatch,
  verifyRecordBatchHead,
  type RecordBatchHead,
} from './record-batch';

const HEAD = {
  id: '01a2095f-0000-7000-8000-000000000001',
  kind: 'shop',
  from: '330000',
  to: '370000',
  agreement: '01a2095f-0000-7000-8000-0000000000aa',
};

async function newSigner(): Promise<{ signer: Signer; publicKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { signer: { kid: (await toPublicSigningJwk(publicKey)).kid, privateKey }, publicKey };
}

const shop = (i: number) => ({
  platform: '示例电商平台',
  url: `https://shop${i}.example.com`,
  operator: `op ${i}`,
});

describe('record batches', () => {
  let signer: Signer;
  let publicKey: CryptoKey;

  beforeAll(async () => {
    ({ signer, publicKey } = await newSigner());
  });

  it('signs one head over the Merkle root, with the RFC 9162 root for a small batch', async () => {
    const records = [shop(1), shop(2), shop(3)];
    const batch = await signRecordBatch(HEAD, records, signer, new Date('2026-11-23T08:00:00Z'));
    expect(recordBatchKid(batch.head)).toBe(signer.kid);
    const head = await verifyRecordBatchHead(batch.head, publicKey);
    const [l0, l1, l2] = records.map(recordLeafHash) as [Uint8Array, Uint8Array, Uint8Array];
    expect(head).toEqual({
      v: 1,
      ...HEAD,
      size: 3,
      root: hashToBase64Url(interiorHash(interiorHash(l0, l1), l2)),
      signedAt: '2026-11-23T08:00:00.000Z',
    });
    expect(batch.proofs).toEqual([
      [hashToBase64Url(l1), hashToBase64Url(l2)],
      [hashToBase64Url(l0), hashToBase64Url(l2)],
      [hashToBase64Url(interiorHash(l0, l1))],
    ]);
  });

  it('proves every record of a batch of any size alone, and nothing altered or misplaced', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), async (size, pick) => {
        const records = Array.from({ length: size }, (_, i) => shop(i));
        const batch = await signRecordBatch(HEAD, records, signer);
        const head = await verifyRecordBatchHead(batch.head, publicKey);
        records.forEach((record, i) => expect(isRecordInBatch(record, i, batch.proofs[i]!, head)).toBe(true));
        const i = pick % size;
        // One altered field, the record at another place, or a proof from another record: refused.
        expect(isRecordInBatch({ ...records[i], operator: 'someone else' }, i, batch.proofs[i]!, head)).toBe(
          false,
        );
        if (size > 1) {
          const j = (i + 1) % size;
          expect(isRecordInBatch(records[i], j, batch.proofs[j]!, head)).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('builds the same root and proofs as the audit log would for the same leaves', () => {
    for (const size of [1, 2, 3, 7, 8, 9, 16, 17, 100, 255, 256, 257, 300]) {
      const records = Array.from({ length: size }, (_, i) => shop(i));
      const leaves = records.map(recordLeafHash);
      const log = new StoredHashMap();
      leaves.forEach((hash, index) => log.addLeaf(index, hash));
      for (const node of appendLeaves(0, leaves, log).nodes) log.addNode(node.level, node.index, node.hash);
      const tree = recordBatchTree(records);
      expect(tree.root).toBe(hashToBase64Url(rootFrom(size, log)));
      expect(tree.proofs).toEqual(
        leaves.map((_, index) => inclusionProofFrom(index, size, log).map(hashToBase64Url)),
      );
    }
  });

  it('refuses a head signed by another key, or one whose root was changed', async () => {
    const batch = await signRecordBatch(HEAD, [shop(1)], signer);
    const other = await newSigner();
    await expect(verifyRecordBatchHead(batch.head, other.publicKey)).rejects.toThrow();
    const [h, p, s] = batch.head.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as RecordBatchHead;
    const forged = Buffer.from(
      JSON.stringify({ ...payload, root: hashToBase64Url(recordLeafHash(shop(2))) }),
    ).toString('base64url');
    await expect(verifyRecordBatchHead(`${h}.${forged}.${s}`, publicKey)).rejects.toThrow();
  });

  it('takes 1 to 10,000 records', async () => {
    await expect(signRecordBatch(HEAD, [], signer)).rejects.toThrow(RangeError);
    await expect(
      signRecordBatch(
        HEAD,
        Array.from({ length: 10_001 }, (_, i) => i),
        signer,
      ),
    ).rejects.toThrow(RangeError);
  });
});
