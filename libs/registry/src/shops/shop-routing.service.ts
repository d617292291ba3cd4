import { Injectable } from '@nestjs/common';
import { AgreementGate } from '@regulink/agreements';
import { regionHolding } from '@regulink/domain';
import { PeersService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { SHOP_SYNC_SCOPE } from './shop-feed';
import { ShopRepository } from './shop.repository';

/** Where the shops of one home region go, and whether they can. */
export interface RouteSummary {
  /** The node region holding the shops' home divisions; null for shops nothing locates. */
  readonly region: string | null;
  readonly shops: number;
  /** `local` (this node is their home), `ready` (a peer, under an agreement) or `blocked`. */
  readonly status: 'local' | 'ready' | 'blocked';
  /** The agreement they would go under, when ready. */
  readonly agreement: string | null;
  /** Why they cannot go, when blocked: NO_HOME, NO_NODE, NOT_ALLOWED or the agreement's refusal code. */
  readonly code: string | null;
  readonly reason: string | null;
}

/**
 * Where the reported shops belong: each shop goes to the node whose region holds its operator's
 * home (the longest matching region code among this node and its peers), and only under an
 * agreement granting `shop.sync` to that region. Shops that cannot go are counted, with why.
 */
@Injectable()
export class ShopRoutingService {
  constructor(
    private readonly shops: ShopRepository,
    private readonly peers: PeersService,
    private readonly gate: AgreementGate,
    private readonly identity: NodeIdentityService,
  ) {}

  async plan(): Promise<RouteSummary[]> {
    const own = this.identity.region;
    const peers = await this.peers.list();
    const regions = [own, ...peers.map((p) => p.region)];
    // Shops per node region, and those that no region holds, per reason.
    const toRegion = new Map<string, number>();
    const blocked = new Map<string, RouteSummary>();
    const block = (code: string, reason: string, shops: number) => {
      const entry = blocked.get(reason);
      blocked.set(reason, {
        region: null,
        shops: (entry?.shops ?? 0) + shops,
        status: 'blocked',
        agreement: null,
        code,
        reason,
      });
    };
    for (const { division, shops } of await this.shops.countByHome()) {
      const region = division === null ? undefined : regionHolding(division, regions);
      if (division === null) block('NO_HOME', 'nothing locates the operator', shops);
      else if (region === undefined)
        block('NO_NODE', `no node holds province ${division.slice(0, 2)}0000`, shops);
      else toRegion.set(region, (toRegion.get(region) ?? 0) + shops);
    }
    const summaries: RouteSummary[] = [];
    for (const [region, shops] of [...toRegion].sort(([x], [y]) => x.localeCompare(y))) {
      summaries.push(
        region === own
          ? { region, shops, status: 'local', agreement: null, code: null, reason: null }
          : { region, shops, ...(await this.route(region, peers)) },
      );
    }
    const why = (r: RouteSummary) => `${r.code} ${r.reason}`;
    return [...summaries, ...[...blocked.values()].sort((x, y) => why(x).localeCompare(why(y)))];
  }

  private async route(
    region: string,
    peers: readonly { region: string; allowed: boolean }[],
  ): Promise<Pick<RouteSummary, 'status' | 'agreement' | 'code' | 'reason'>> {
    if (!peers.find((p) => p.region === region)?.allowed) {
      return {
        status: 'blocked',
        agreement: null,
        code: 'NOT_ALLOWED',
        reason: `exchanges with ${region} are not allowed on this node`,
      };
    }
    const covered = await this.gate.senderAgreement(SHOP_SYNC_SCOPE, region);
    if (!('agreement' in covered)) {
      return { status: 'blocked', agreement: null, code: covered.code, reason: covered.reason };
    }
    const agreement = covered.agreement.id;
    const { kid } = this.identity.signer();
    if (!(await this.gate.pinsKey(agreement, this.identity.region, kid))) {
      // The partner's pulls would be refused: a batch signed with this key could not be proven.
      return {
        status: 'blocked',
        agreement,
        code: 'AGREEMENT_KEY_NOT_PINNED',
        reason: `agreement ${agreement} does not pin this node's signing key ${kid} (rotated since): renew it`,
      };
    }
    return { status: 'ready', agreement, code: null, reason: null };
  }
}
