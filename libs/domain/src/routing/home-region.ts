import { isAcceptedCreditCode, parseCreditCode } from '../credit-code/credit-code';
import { provinceOf } from '../divisions/divisions';
import { parseRegistrationNumber } from '../registration-number/registration-number';

/** What told a seller's home: the code it registered under, or where it says it operates. */
export type HomeSource = 'credit-code' | 'registration-number' | 'operating-division';

export interface SellerHome {
  /** GB/T 2260 code: the registering authority's division, or the operating division. */
  readonly division: string;
  readonly source: HomeSource;
}

/** What a shop record says about its operator, as stored (codes already normalized and checked). */
export interface SellerIdentity {
  readonly creditCode?: string | null;
  readonly registrationNumber?: string | null;
  readonly operatingDivisionCode?: string | null;
}

/**
 * The division where a seller is at home, whose region has jurisdiction: the registering
 * authority's division inside its credit code (positions 3–8) or its 15-digit registration number
 * (digits 1–6); otherwise the division it declares it operates in. A code whose province is not a
 * known one is passed over. `undefined` when nothing locates the seller.
 */
export function sellerHome(seller: SellerIdentity): SellerHome | undefined {
  const code = seller.creditCode ? parseCreditCode(seller.creditCode) : undefined;
  const number = seller.registrationNumber ? parseRegistrationNumber(seller.registrationNumber) : undefined;
  const candidates: [string | null | undefined, HomeSource][] = [
    [code && isAcceptedCreditCode(code) ? code.divisionCode : undefined, 'credit-code'],
    [number && number.status !== 'malformed' ? number.authorityCode : undefined, 'registration-number'],
    [seller.operatingDivisionCode, 'operating-division'],
  ];
  for (const [division, source] of candidates) {
    if (division && provinceOf(division) !== undefined) return { division, source };
  }
  return undefined;
}

/** The digits of a region code that count for matching: `330000` → `33`, `330100` → `3301`. */
export function regionPrefix(region: string): string {
  if (region.endsWith('0000')) return region.slice(0, 2);
  if (region.endsWith('00')) return region.slice(0, 4);
  return region;
}

/**
 * The node whose region holds `division`: the longest region prefix that matches, so a city's
 * node wins over its province's, and a county's over its city's. `undefined` when no region
 * of `regions` (node region codes) holds it.
 */
export function regionHolding(division: string, regions: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestLength = 0;
  for (const region of regions) {
    const prefix = regionPrefix(region);
    if (division.startsWith(prefix) && prefix.length > bestLength) {
      best = region;
      bestLength = prefix.length;
    }
  }
  return best;
}

/**
 * The prefixes of the regions among `others` that lie inside `region` (a city node inside a
 * province node): the divisions under them belong to those nodes, not to `region`'s.
 */
export function nestedPrefixes(region: string, others: readonly string[]): string[] {
  const own = regionPrefix(region);
  return others.map(regionPrefix).filter((prefix) => prefix.length > own.length && prefix.startsWith(own));
}
