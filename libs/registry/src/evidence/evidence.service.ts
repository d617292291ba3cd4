import { Injectable } from '@nestjs/common';
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
import { EvidenceRepository, type HeldRecord } from './evidence.repository';

/**
 * Evidence bundles: for one record received from another node (a shop synced here, a landing
 * result returned here), one file with the record, its inclusion proof, the signed batch head, the
 * agreement it came under and the node cards of the parties, which `verify-evidence` checks
 * offline. The bundle is built from what is stored: a record altered here no longer verifies.
 */
@Injectable()
export class EvidenceService {
  constructor(
    private readonly held: EvidenceRepository,
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
    const held = await this.held.receivedShop(platform, key);
    if (!held && (await this.held.landedThenWithdrawn(platform, key))) {
      throw new RegistryException(
        RegistryErrorCode.EvidenceNotFound,
        `shop ${platform} ${key} is no longer held here: it was received and landed, then withdrawn by ` +
          'its reporting region (its operator is no longer at home in this region); that region holds its evidence',
      );
    }
    return this.bundle('shop', held, missing(key));
  }

  /** The evidence of a landing result returned by the node of the shop's home region; `url` as for shop. */
  async landing(platform: string, url: string): Promise<EvidenceBundle> {
    const missing = (shown: string) =>
      `no landing result for ${platform} ${shown} was returned by another region`;
    const key = shopKeyUrl(url, missing(url));
    return this.bundle('landing', await this.held.returnedLanding(platform, key), missing(key));
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
