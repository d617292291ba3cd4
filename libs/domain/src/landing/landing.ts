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

/** What of a claim can differ from the entity it lands on (`creditCode`: a code on no entry here). */
export const LANDING_FIELDS = ['creditCode', 'name', 'address'] as const;
export type LandingField = (typeof LANDING_FIELDS)[number];

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

/** Two addresses whose specific parts (after the administrative divisions) agree this much (Dice over character pairs) count as the same. */
export const SAME_TEXT = 0.85;
/** Most candidates an ambiguous result lists, best first. */
export const MAX_CANDIDATES = 20;

/**
 * Lands a claimed operator on the register. With a credit code, the entry under that code decides:
 * deregistered or revoked, or matched unless its name or address differs. Without one, or with a
 * code on no entry here (a platform's typo, say), the entries of the same name do: the ones in
 * force first, else a deregistered or revoked one; among namesakes, the one whose address agrees
 * (the code, when one was claimed, then among what differs). Names are the same only when equal
 * once normalized (a name one character off is another entity's name, as a look-alike name often
 * is; a branch is its own entity); addresses as `sameAddress` says. `candidates` are the entry
 * under the claimed code, or else the entries of the claimed name.
 */
export function landOperator(claim: ClaimedOperator, candidates: readonly RegisterEntry[]): LandingOutcome {
  const name = normalizeEntityText(claim.name);
  if (claim.creditCode) {
    const entry = candidates.find((c) => c.creditCode === claim.creditCode);
    if (entry) return landOn(entry, normalizeEntityText(entry.name) === name, claim.address);
    const byName = landByName(name, claim.address, candidates);
    if (byName.outcome !== 'matched' && byName.outcome !== 'mismatch') return byName;
    const differing = byName.outcome === 'mismatch' ? byName.differing : [];
    return { ...byName, outcome: 'mismatch', differing: ['creditCode', ...differing] };
  }
  return landByName(name, claim.address, candidates);
}

/** Lands a claim by its reduced name `name` among `candidates` (see {@link landOperator}). */
function landByName(
  name: string,
  address: string | null,
  candidates: readonly RegisterEntry[],
): LandingOutcome {
  const namesakes = candidates.filter((c) => normalizeEntityText(c.name) === name);
  const inForce = namesakes.filter((c) => !isClosed(c));
  const pool = inForce.length > 0 ? inForce : namesakes;
  if (pool.length === 0) return { outcome: 'not-found' };
  const placed = address === null ? [] : pool.filter((c) => sameAddress(address, c.registeredAddress));
  const chosen = pool.length === 1 ? pool[0] : placed.length === 1 ? placed[0] : undefined;
  if (chosen) return landOn(chosen, true, address);
  const scored = pool
    .map((c) => ({
      creditCode: c.creditCode,
      score:
        address === null
          ? 1
          : round(
              0.7 +
                0.3 *
                  (placed.includes(c)
                    ? 1
                    : textSimilarity(normalizeEntityText(address), normalizeEntityText(c.registeredAddress))),
            ),
    }))
    .sort((x, y) => y.score - x.score || x.creditCode.localeCompare(y.creditCode));
  return { outcome: 'ambiguous', candidates: scored.slice(0, MAX_CANDIDATES) };
}

function isClosed(entry: RegisterEntry): entry is RegisterEntry & { status: 'deregistered' | 'revoked' } {
  return entry.status === 'deregistered' || entry.status === 'revoked';
}

/** The outcome of landing on `entry`: its closure, else matched unless name or address differ. */
function landOn(entry: RegisterEntry, sameName: boolean, address: string | null): LandingOutcome {
  if (isClosed(entry)) return { outcome: entry.status, creditCode: entry.creditCode };
  const differing: LandingField[] = [];
  if (!sameName) differing.push('name');
  if (address !== null && !sameAddress(address, entry.registeredAddress)) differing.push('address');
  const abnormal = entry.status === 'abnormal';
  return differing.length === 0
    ? { outcome: 'matched', creditCode: entry.creditCode, abnormal }
    : { outcome: 'mismatch', creditCode: entry.creditCode, differing, abnormal };
}

/**
 * Legal forms written two ways (Company Law): 有限责任公司 or 有限公司, 股份有限公司 or 股份公司.
 * Folded to the shorter spelling (a reduced name never grows), so that either names the entity.
 */
const LEGAL_FORM_SPELLINGS: readonly (readonly [RegExp, string])[] = [
  [/有限责任公司/gu, '有限公司'],
  [/股份有限公司/gu, '股份公司'],
];

/**
 * A name or address reduced to what identifies it: full-width forms and compatibility characters
 * folded (NFKC), letters lower-case, spaces, punctuation and brackets dropped, legal forms written
 * one way.
 */
export function normalizeEntityText(text: string): string {
  let reduced = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
  for (const [spelling, folded] of LEGAL_FORM_SPELLINGS) reduced = reduced.replace(spelling, folded);
  return reduced;
}

/**
 * One administrative division at the start of an address: a province, autonomous region,
 * prefecture or city, district, county or banner, named by at least two characters.
 */
const DIVISION_UNIT =
  /^\p{Script=Han}{2,9}?(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|地区|盟|州|区|县|旗)/u;

/** An address as its divisions from the top (as written, possibly none) and the rest. */
function splitAddress(address: string): { divisions: string[]; rest: string } {
  const divisions: string[] = [];
  let rest = address;
  for (let unit = DIVISION_UNIT.exec(rest); unit; unit = DIVISION_UNIT.exec(rest)) {
    divisions.push(unit[0]);
    rest = rest.slice(unit[0].length);
  }
  return { divisions, rest };
}

/**
 * Whether two addresses name the same place. The divisions written may stop short at the top (a
 * province's node holds its own province's addresses: 西湖区… is 浙江省杭州市西湖区…) but must
 * otherwise agree; then the specific parts must agree: the numbers in them (house, building,
 * room) the same as far as both go, and the parts themselves equal, one the other continued (a
 * room added to a building) or alike (SAME_TEXT).
 */
export function sameAddress(a: string, b: string): boolean {
  const x = splitAddress(normalizeEntityText(a));
  const y = splitAddress(normalizeEntityText(b));
  const [fewer, more] = x.divisions.length <= y.divisions.length ? [x, y] : [y, x];
  const offset = more.divisions.length - fewer.divisions.length;
  if (!fewer.divisions.every((unit, i) => unit === more.divisions[offset + i])) return false;
  if (x.rest === y.rest) return true;
  if (x.rest === '' || y.rest === '') return false;
  const xNumbers = x.rest.match(/\d+/g) ?? [];
  const yNumbers = y.rest.match(/\d+/g) ?? [];
  const [shortList, longList] =
    xNumbers.length <= yNumbers.length ? [xNumbers, yNumbers] : [yNumbers, xNumbers];
  if (!shortList.every((n, i) => n === longList[i])) return false;
  if (x.rest.startsWith(y.rest) || y.rest.startsWith(x.rest)) return true;
  return textSimilarity(x.rest, y.rest) >= SAME_TEXT;
}

/**
 * Dice coefficient over pairs of adjacent characters (code points), 0 to 1; 1 for equal texts (a
 * one-character text compares whole).
 */
export function textSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const left = Array.from(a);
  const right = Array.from(b);
  if (left.length < 2 || right.length < 2) return 0;
  const pairs = new Map<string, number>();
  for (let i = 0; i < left.length - 1; i++) {
    const pair = left[i]! + left[i + 1]!;
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < right.length - 1; i++) {
    const pair = right[i]! + right[i + 1]!;
    const count = pairs.get(pair) ?? 0;
    if (count > 0) {
      shared++;
      pairs.set(pair, count - 1);
    }
  }
  return (2 * shared) / (left.length - 1 + (right.length - 1));
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
