import { Injectable, Logger } from '@nestjs/common';
import { AgreementsService } from '@regulink/agreements';
import { PeersService } from '@regulink/federation';
import { normalizeShopUrl } from '@regulink/domain';
import { NodeIdentityService } from '@regulink/identity';
import {
  EVIDENCE_BUNDLE_VERSION,
  EvidenceError,
  readAgreementTerms,
  verifyEvidenceBundle,
  type EvidenceBundle,
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
  private readonly logger = new Logger(EvidenceService.name);

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
    const terms = readAgreementTerms(document);
    const parties = terms?.parties ?? [];
    const bundle: EvidenceBundle = {
      v: EVIDENCE_BUNDLE_VERSION,
      kind,
      record: held.record,
      index: held.index,
      proof: held.proof,
      batch: batch.head,
      agreement: document,
      cards: await Promise.all(parties.map((region) => this.card(region, terms?.keys[region] ?? []))),
      exportedBy: this.identity.region,
      exportedAt: new Date().toISOString(),
    };
    // What is handed out verifies: a file that would not (the record altered here, no card held
    // that names the keys) is refused here, with the reason, rather than found out later.
    try {
      await verifyEvidenceBundle(bundle);
    } catch (error) {
      const reason = error instanceof EvidenceError ? `${error.problem}: ${error.message}` : String(error);
      this.logger.error({ kind, batch: batch.id, reason }, 'evidence held here does not verify');
      throw new RegistryException(
        RegistryErrorCode.EvidenceUnverifiable,
        `the evidence held here for this record does not verify (${reason})`,
      );
    }
    return bundle;
  }

  /**
   * A party's signed node card: this node's own, or, of a peer, the card pinned now if it names
   * every key the agreement pins for it, else the most recent card pinned before that does (a
   * peer that has since lost keys, reinstalled, still has its earlier signatures proven).
   */
  private async card(region: string, kids: readonly string[]): Promise<SignedNodeCard> {
    if (region === this.identity.region) return this.identity.signedCard();
    const cards = await this.peers.cards(region);
    const names = (signed: SignedNodeCard) =>
      kids.every((kid) => signed.card.keys.some((k) => k.kid === kid));
    return cards.find(names) ?? cards[0]!;
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
