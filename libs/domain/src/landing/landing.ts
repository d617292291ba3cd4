/**
 * Landing (网店落地): matching the operator a platform claims for a shop against the home region's
 * own register, and saying what was found. Pure: the caller looks the candidates up.
 */

/** A market entity as the home region's register holds it (the fields landing compares). */
export interface RegisterEntry {
  readonly creditCode: string;
  readonly name: string;
  readonly registeredAddress: string;
  /** active, deregistered, revoked or abnormal. */
  readonly status: string;
}

/** Who the platform says operates the shop. */
export interface ClaimedOperator {
  /** Normalized and checked, when the seller is registered. */
  readonly creditCode: string | null;
  readonly name: string;
  /** The actual operating address the platform reported. */
  readonly address: string | null;
}

export type LandingField = 'name' | 'address';

export interface LandingCandidate {
  readonly creditCode: string;
  /** 0 to 1: how closely name and address agree with the claim. */
  readonly score: number;
}

export type LandingOutcome =
  | { readonly outcome: 'matched'; readonly creditCode: string; readonly abnormal: boolean }
  | {
      readonly outcome: 'mismatch';
      readonly creditCode: string;
      readonly differing: readonly LandingField[];
      readonly abnormal: boolean;
    }
  | { readonly outcome: 'deregistered' | 'revoked'; readonly creditCode: string }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'ambiguous'; readonly candidates: readonly LandingCandidate[] };

/** A name or address that agrees this much (Dice over character pairs) counts as the same. */
export const SAME_TEXT = 0.85;
/** Without a code, a candidate scoring at least this is a match (alone) or in the running (with others). */
export const CANDIDATE_SCORE = 0.75;

/**
 * Lands a claimed operator on the register. With a credit code, the entry under that code decides:
 * not found, deregistered or revoked, or matched unless its name or address differs (each compared
 * after normalization, allowing small differences). Without one, candidates found by name are
 * scored on name (weight 0.7) and address (0.3): one strong candidate is a match, several are
 * ambiguous, none is not found.
 */
export function landOperator(claim: ClaimedOperator, candidates: readonly RegisterEntry[]): LandingOutcome {
  if (claim.creditCode) {
    const entry = candidates.find((c) => c.creditCode === claim.creditCode);
    if (!entry) return { outcome: 'not-found' };
    if (entry.status === 'deregistered' || entry.status === 'revoked') {
      return { outcome: entry.status, creditCode: entry.creditCode };
    }
    const differing: LandingField[] = [];
    if (textSimilarity(normalizeEntityText(claim.name), normalizeEntityText(entry.name)) < SAME_TEXT) {
      differing.push('name');
    }
    if (
      claim.address !== null &&
      textSimilarity(normalizeEntityText(claim.address), normalizeEntityText(entry.registeredAddress)) <
        SAME_TEXT
    ) {
      differing.push('address');
    }
    const abnormal = entry.status === 'abnormal';
    return differing.length === 0
      ? { outcome: 'matched', creditCode: entry.creditCode, abnormal }
      : { outcome: 'mismatch', creditCode: entry.creditCode, differing, abnormal };
  }
  const name = normalizeEntityText(claim.name);
  const address = claim.address === null ? null : normalizeEntityText(claim.address);
  const scored = candidates
    .filter((c) => c.status !== 'deregistered' && c.status !== 'revoked')
    .map((c) => {
      const nameScore = textSimilarity(name, normalizeEntityText(c.name));
      const addressScore =
        address === null ? nameScore : textSimilarity(address, normalizeEntityText(c.registeredAddress));
      return {
        creditCode: c.creditCode,
        score: round(0.7 * nameScore + 0.3 * addressScore),
        status: c.status,
      };
    })
    .filter((c) => c.score >= CANDIDATE_SCORE)
    .sort((x, y) => y.score - x.score || x.creditCode.localeCompare(y.creditCode));
  if (scored.length === 0) return { outcome: 'not-found' };
  if (scored.length === 1) {
    return {
      outcome: 'matched',
      creditCode: scored[0]!.creditCode,
      abnormal: scored[0]!.status === 'abnormal',
    };
  }
  return { outcome: 'ambiguous', candidates: scored.map(({ creditCode, score }) => ({ creditCode, score })) };
}

/**
 * A name or address reduced to what identifies it: full-width forms and compatibility characters
 * folded (NFKC), letters lower-case, spaces, punctuation and brackets dropped.
 */
export function normalizeEntityText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
}

/** Dice coefficient over character pairs, 0 to 1; 1 for equal texts (a one-character text compares whole). */
export function textSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const pairs = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const pair = a.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const pair = b.slice(i, i + 2);
    const left = pairs.get(pair) ?? 0;
    if (left > 0) {
      shared++;
      pairs.set(pair, left - 1);
    }
  }
  return (2 * shared) / (a.length - 1 + (b.length - 1));
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
