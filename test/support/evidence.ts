import { generateKeyPair } from 'jose';
import {
  countersignAgreement,
  proposeAgreement,
  signNodeCard,
  signRecordBatch,
  toPublicSigningJwk,
  type AgreementDocument,
  type AgreementTerms,
  type EvidenceBundle,
  type PublicSigningJwk,
  type RecordBatchHead,
  type SignedNodeCard,
  type SignedRecordBatch,
  type Signer,
} from '@regulink/protocol';

/** Real signed material for evidence bundle tests: two regions, their agreement, one batch. */

export const SENDER = '330000';
export const RECEIVER = '440000';
export const BATCH_ID = '01a2095f-0000-7000-8000-0000000000b1';
/** Inside the agreement's validity (2026-01-01 to 2027-12-31). */
export const SIGNED_AT = new Date('2026-11-23T08:00:00.000Z');
/** When the receiver exports a bundle of a batch signed at SIGNED_AT. */
export const EXPORTED_AT = '2026-12-01T09:30:00.000Z';

export interface EvidenceKey {
  readonly signer: Signer;
  readonly jwk: PublicSigningJwk;
}

export async function newEvidenceKey(): Promise<EvidenceKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await toPublicSigningJwk(publicKey);
  return { signer: { kid: jwk.kid, privateKey }, jwk };
}

/** A node card for `region` listing `keys`, signed by the first of them (its active key). */
export function evidenceCard(region: string, keys: readonly EvidenceKey[]): Promise<SignedNodeCard> {
  const active = keys[0]!;
  return signNodeCard(
    {
      v: 1,
      region,
      name: `node ${region}`,
      endpoints: { api: `https://${region}.regulink.example` },
      keys: keys.map((k) => k.jwk),
      activeKid: active.signer.kid,
      issuedAt: '2025-10-01T00:00:00.000Z',
    },
    active.signer,
  );
}

/** Valid two-party terms pinning one key per party; shop records flow from SENDER to RECEIVER. */
export function evidenceTerms(sender: EvidenceKey, receiver: EvidenceKey): AgreementTerms {
  return {
    v: 1,
    id: '0190f5a8-3c2e-7b4d-9a1e-00000000e71d',
    title: '浙粤网店信息同步协议',
    parties: [SENDER, RECEIVER],
    keys: { [SENDER]: [sender.signer.kid], [RECEIVER]: [receiver.signer.kid] },
    scopes: [
      { scope: 'shop.sync', from: SENDER, to: RECEIVER, dailyQuota: null },
      { scope: 'landing.result', from: RECEIVER, to: SENDER, dailyQuota: 1000 },
    ],
    fieldPolicy: { phone: 'mask' },
    matchingKey: Buffer.alloc(32, 7).toString('base64url'),
    validFrom: '2026-01-01',
    validUntil: '2027-12-31',
    deadlines: { clueWorkingDays: 15, assistWorkingDays: 20 },
    supersedes: null,
    proposedBy: SENDER,
    proposedAt: '2025-11-20T02:00:00.000Z',
  };
}

export function shopRecord(i: number): Record<string, unknown> {
  return {
    platform: '示例电商平台',
    url: `https://shop${i}.example.com`,
    operator: `经营者 ${i}`,
    phone: `138****${String(1000 + i)}`,
  };
}

export interface BatchOptions {
  readonly head?: Partial<Omit<RecordBatchHead, 'v' | 'size' | 'root' | 'signedAt'>>;
  readonly signer?: Signer;
  readonly signedAt?: Date;
}

export interface EvidenceWorld {
  readonly sender: EvidenceKey;
  readonly receiver: EvidenceKey;
  /** On the sender's card, but pinned by no agreement. */
  readonly spare: EvidenceKey;
  readonly terms: AgreementTerms;
  /** Signed by the sender only. */
  readonly proposed: AgreementDocument;
  /** Signed by both parties. */
  readonly agreement: AgreementDocument;
  /** Sender's card (sender and spare keys), receiver's card. */
  readonly cards: readonly [SignedNodeCard, SignedNodeCard];
  readonly records: readonly Record<string, unknown>[];
  /** The five records signed as a shop batch from SENDER to RECEIVER, changed as asked. */
  signBatch(options?: BatchOptions): Promise<SignedRecordBatch>;
  /** The bundle for record `index` of `batch`, as RECEIVER exports it. */
  bundle(batch: SignedRecordBatch, index: number): EvidenceBundle;
}

export async function evidenceWorld(): Promise<EvidenceWorld> {
  const [sender, receiver, spare] = await Promise.all([newEvidenceKey(), newEvidenceKey(), newEvidenceKey()]);
  const terms = evidenceTerms(sender, receiver);
  const proposed = await proposeAgreement(terms, sender.signer);
  const agreement = await countersignAgreement(proposed, RECEIVER, receiver.signer);
  const cards = [
    await evidenceCard(SENDER, [sender, spare]),
    await evidenceCard(RECEIVER, [receiver]),
  ] as const;
  const records = Array.from({ length: 5 }, (_, i) => shopRecord(i));
  return {
    sender,
    receiver,
    spare,
    terms,
    proposed,
    agreement,
    cards,
    records,
    signBatch: (options = {}) =>
      signRecordBatch(
        { id: BATCH_ID, kind: 'shop', from: SENDER, to: RECEIVER, agreement: terms.id, ...options.head },
        records,
        options.signer ?? sender.signer,
        options.signedAt ?? SIGNED_AT,
      ),
    bundle: (batch, index) => {
      // Exported by the region the batch went to, a while after it was signed (as a node does).
      const head = JSON.parse(
        Buffer.from(batch.head.split('.')[1]!, 'base64url').toString(),
      ) as RecordBatchHead;
      const exportedAt = new Date(Math.max(Date.parse(EXPORTED_AT), Date.parse(head.signedAt) + 3_600_000));
      return {
        v: 1,
        kind: 'shop',
        record: records[index],
        index,
        proof: batch.proofs[index]!,
        batch: batch.head,
        agreement,
        cards,
        exportedBy: head.to,
        exportedAt: exportedAt.toISOString(),
      };
    },
  };
}
