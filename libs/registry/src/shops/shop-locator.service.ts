import { Injectable } from '@nestjs/common';
import { normalizeShopId, normalizeShopUrl, parseCreditCode, regionHolding } from '@regulink/domain';
import { PeersService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { ResolveRepository } from '../resolve/resolve.repository';

/** Why a region is taken to be where a seller operates, strongest first. */
export type SellerPlaceBasis = 'landing-result' | 'operator-code' | 'operating-address' | 'platform-region';

/** Where a seller operates, as far as this node can tell, and the evidence for it. */
export interface SellerPlace {
  /** The node region holding the place, or null when no node of the federation holds it. */
  readonly region: string | null;
  readonly basis: SellerPlaceBasis;
  /** The division code or region the basis names (the home division, the landing node, …). */
  readonly evidence: string;
}

/** A shop as a case names it: a URL, or a platform and its shop id. */
export interface ShopReference {
  readonly platform: string;
  readonly url?: string;
  readonly shopId?: string;
}

/**
 * Where the seller behind a shop or an entity actually operates, from what this node holds: the
 * region that landed the shop (its register matched the operator), else the operator's home
 * division (from its credit code, else the reported operating address), else the region of the
 * platform that reported the shop. Jurisdiction over in-platform sellers follows that place.
 */
@Injectable()
export class ShopLocator {
  constructor(
    private readonly lookups: ResolveRepository,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
  ) {}

  /** The place of a shop's seller, or undefined when this node holds no such shop. */
  async shop(reference: ShopReference): Promise<SellerPlace | undefined> {
    const url = reference.url === undefined ? undefined : normalizeShopUrl(reference.url);
    const found =
      url !== undefined
        ? url.status === 'valid'
          ? await this.lookups.shopsByUrl(url.url, reference.platform)
          : undefined
        : await this.lookups.shopsById(reference.platform, normalizeShopId(reference.shopId ?? ''));
    const shop = found?.shops[0];
    if (!shop) return undefined;
    const regions = await this.regions();
    const landedBy =
      shop.landing?.outcome === 'matched' ? (shop.landing.landedBy ?? this.identity.region) : null;
    if (landedBy) return { region: landedBy, basis: 'landing-result', evidence: landedBy };
    if (shop.homeDivision) {
      return {
        region: regionHolding(shop.homeDivision, regions) ?? null,
        basis: shop.homeSource === 'operating-division' ? 'operating-address' : 'operator-code',
        evidence: shop.homeDivision,
      };
    }
    const platformRegion = shop.origin ?? this.identity.region;
    return { region: platformRegion, basis: 'platform-region', evidence: platformRegion };
  }

  /** The place of a registered entity: the home division inside its credit code. */
  async entity(creditCode: string): Promise<SellerPlace | undefined> {
    const parsed = parseCreditCode(creditCode);
    if (parsed.status === 'malformed') return undefined;
    const division = parsed.divisionCode;
    return {
      region: regionHolding(division, await this.regions()) ?? null,
      basis: 'operator-code',
      evidence: division,
    };
  }

  private async regions(): Promise<string[]> {
    return [this.identity.region, ...(await this.peers.regions())];
  }
}
