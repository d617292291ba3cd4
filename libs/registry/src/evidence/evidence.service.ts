import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AgreementsService } from '@regulink/agreements';
import { PeersService } from '@regulink/federation';
import { normalizeShopUrl } from '@regulink/domain';
import { NodeIdentityService } from '@regulink/identity';
import {
  EVIDENCE_BUNDLE_VERSION,
  readAgreementTerms,
  type EvidenceBundle,
  type NodeCard,
  type SignedNodeCard,
} from '@regulink/protocol';
import { RegistryErrorCode, RegistryException } from '../registry.exception';
import { SyncRepository } from '../sync/sync.repository';

/** A record this node received in a signed batch, as stored, with where it sits in its batch. */
interface HeldRecord {
  readonly record: unknown;
  readonly proof: string[];
  readonly batchId: string;
  readonly index: number;
}

/**
 * Evidence bundles: for one record received from another node (a shop synced here, a landing
 * result returned here), one file with the record, its inclusion proof, the signed batch head, the
 * agreement it came under and the node cards of the parties, which `verify-evidence` checks
 * offline. The bundle is built from what is stored: a record altered here no longer verifies.
 */
@Injectable()
export class EvidenceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly batches: SyncRepository,
    private readonly agreements: AgreementsService,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
  ) {}

  /**
   * The evidence of a shop received from the node of its platform's region. `url` may be written
   * any way the shop's report could have written it: it is normalized as the import does.
   */
  async shop(platform: string, url: string): Promise<EvidenceBundle> {
    const missing = (shown: string) => `no shop ${platform} ${shown} was received from another region`;
    const key = shopKeyUrl(url, missing(url));
    const rows: HeldRecord[] = await this.dataSource.query(
      `SELECT record, proof, import_id AS "batchId", import_line AS index
         FROM registry_shop WHERE platform = $1 AND url = $2 AND origin IS NOT NULL`,
      [platform, key],
    );
    return this.bundle('shop', rows[0], missing(key));
  }

  /** The evidence of a landing result returned by the node of the shop's home region; `url` as for shop. */
  async landing(platform: string, url: string): Promise<EvidenceBundle> {
    const missing = (shown: string) =>
      `no landing result for ${platform} ${shown} was returned by another region`;
    const key = shopKeyUrl(url, missing(url));
    const rows: HeldRecord[] = await this.dataSource.query(
      `SELECT record, proof, batch_id AS "batchId", batch_index AS index
         FROM registry_landing WHERE platform = $1 AND url = $2 AND landed_by IS NOT NULL`,
      [platform, key],
    );
    return this.bundle('landing', rows[0], missing(key));
  }

  private async bundle(kind: string, held: HeldRecord | undefined, missing: string): Promise<EvidenceBundle> {
    const batch = held ? await this.batches.findBatch(held.batchId) : null;
    if (!held || !batch) throw new RegistryException(RegistryErrorCode.EvidenceNotFound, missing);
    const agreement = await this.agreements.require(batch.agreement);
    const document = agreement.document!;
    const parties = readAgreementTerms(document)?.parties ?? [];
    return {
      v: EVIDENCE_BUNDLE_VERSION,
      kind,
      record: held.record,
      index: held.index,
      proof: held.proof,
      batch: batch.head,
      agreement: document,
      cards: await Promise.all(parties.map((region) => this.card(region))),
      exportedBy: this.identity.region,
      exportedAt: new Date().toISOString(),
    };
  }

  /** A party's signed node card: this node's own, or a peer's as it was imported. */
  private async card(region: string): Promise<SignedNodeCard> {
    if (region === this.identity.region) return this.identity.signedCard();
    const peer = await this.peers.require(region);
    const payload = peer.cardJws.split('.')[1]!;
    return {
      card: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as NodeCard,
      jws: peer.cardJws,
    };
  }
}

/**
 * The shop URL as shops are keyed: normalized (`normalizeShopUrl`, as the import does), so that
 * `HTTPS://Shop.Example.com/` finds `https://shop.example.com`. What is no shop URL finds nothing.
 */
function shopKeyUrl(url: string, missing: string): string {
  const parsed = normalizeShopUrl(url);
  if (parsed.status !== 'valid') {
    throw new RegistryException(
      RegistryErrorCode.EvidenceNotFound,
      `${missing}: not a shop URL (${parsed.reason})`,
    );
  }
  return parsed.url;
}
