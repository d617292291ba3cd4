import { inputProblem } from '../input/input-problem';
import { characterCount } from '../input/text-length';
import { isMatchingKey } from '../keyed-hash/keyed-hash';

/** `typ` of every signature on a cooperation agreement. */
export const AGREEMENT_TYP = 'regulink-agreement+jws';

/** The kinds of exchange an agreement can allow, each in one direction between two parties. */
export const AGREEMENT_SCOPES = [
  'shop.sync',
  'entity.resolve',
  'landing.result',
  'clue.transfer',
  'assist.request',
] as const;
export type AgreementScope = (typeof AGREEMENT_SCOPES)[number];

/** How a personal field travels under the agreement. */
export const AGREEMENT_FIELD_RULES = ['clear', 'mask', 'hash', 'omit'] as const;
export type AgreementFieldRule = (typeof AGREEMENT_FIELD_RULES)[number];

/** The personal fields the field policy can name. */
export const AGREEMENT_PERSONAL_FIELDS = ['residentId', 'personName', 'phone', 'address', 'email'] as const;
export type AgreementPersonalField = (typeof AGREEMENT_PERSONAL_FIELDS)[number];

export const AGREEMENT_MAX_TITLE_LENGTH = 200;
export const AGREEMENT_MAX_DAILY_QUOTA = 10_000_000;
export const AGREEMENT_MAX_DEADLINE_WORKING_DAYS = 60;

/** Permission for `from` to send `scope` exchanges to `to`, at most `dailyQuota` a day (null: no quota). */
export interface AgreementScopeGrant {
  readonly scope: AgreementScope;
  readonly from: string;
  readonly to: string;
  readonly dailyQuota: number | null;
  /**
   * `entity.resolve` only: `two-step` when `from` first answers a lookup with hit or no hit and a
   * reference, and discloses the record only when asked again by that reference (with its own
   * purpose). Absent: the record is answered at once.
   */
  readonly disclosure?: 'two-step';
}

/** What the parties to a cooperation agreement sign: the payload of the agreement document. */
export interface AgreementTerms {
  readonly v: 1;
  /** Lowercase UUID of this version of the agreement. */
  readonly id: string;
  readonly title: string;
  /** Two or more distinct six-digit region codes, in ascending order. */
  readonly parties: readonly string[];
  /** For each party (and no one else): the key thumbprints allowed to sign for it. */
  readonly keys: Readonly<Record<string, readonly string[]>>;
  readonly scopes: readonly AgreementScopeGrant[];
  /** Personal field -> rule; a field not named here is left to the exchange's own defaults. */
  readonly fieldPolicy: Readonly<Record<string, string>>;
  /** The shared 32-byte key (base64url) for keyed hashes of personal data. */
  readonly matchingKey: string;
  /** First day in force, YYYY-MM-DD, inclusive. */
  readonly validFrom: string;
  /** Last day in force, YYYY-MM-DD, inclusive. */
  readonly validUntil: string;
  readonly deadlines: { readonly clueWorkingDays: number; readonly assistWorkingDays: number };
  /** The id of the agreement version this one renews, or null. */
  readonly supersedes: string | null;
  readonly proposedBy: string;
  /** ISO 8601 UTC timestamp, as Date.prototype.toISOString writes it. */
  readonly proposedAt: string;
}

const TERMS_FIELDS = [
  'v',
  'id',
  'title',
  'parties',
  'keys',
  'scopes',
  'fieldPolicy',
  'matchingKey',
  'validFrom',
  'validUntil',
  'deadlines',
  'supersedes',
  'proposedBy',
  'proposedAt',
] as const;
const GRANT_FIELDS = ['scope', 'from', 'to', 'dailyQuota'] as const;
const OPTIONAL_GRANT_FIELDS = ['disclosure'] as const;
const DEADLINE_FIELDS = ['clueWorkingDays', 'assistWorkingDays'] as const;

const REGION = /^\d{6}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A JWK thumbprint (SHA-256, 32 bytes) is spelled exactly like a matching key. */
const isKid = isMatchingKey;

type Report = (path: string, message: string) => void;

/**
 * Every problem with a would-be set of agreement terms, one message per problem (`path: what is
 * wrong`), or [] when the terms are valid. Nothing stops at the first problem, and no property
 * beyond the ones {@link AgreementTerms} declares is accepted at any level.
 */
export function agreementTermsProblems(value: unknown): string[] {
  const problems: string[] = [];
  const report: Report = (path, message) => problems.push(`${path}: ${message}`);
  if (!isRecord(value)) return ['terms: must be a JSON object'];
  // Text no party could store as signed (a NUL in a title, say) makes no agreement.
  const unfit = inputProblem(value, 'terms');
  if (unfit !== null) return [unfit];
  checkProperties(value, TERMS_FIELDS, '', report);

  if (has(value, 'v') && value.v !== 1) report('v', 'must be 1');
  if (has(value, 'id') && !isUuid(value.id)) report('id', 'must be a lowercase UUID');
  if (has(value, 'title')) checkTitle(value.title, report);
  const parties = has(value, 'parties') ? checkParties(value.parties, report) : undefined;
  if (has(value, 'keys')) checkKeys(value.keys, parties, report);
  if (has(value, 'scopes')) checkScopes(value.scopes, parties, report);
  if (has(value, 'fieldPolicy')) checkFieldPolicy(value.fieldPolicy, report);
  if (has(value, 'matchingKey') && !isMatchingKey(value.matchingKey)) {
    report('matchingKey', 'must be 32 bytes in canonical base64url (43 characters)');
  }
  checkValidity(value, report);
  if (has(value, 'deadlines')) checkDeadlines(value.deadlines, report);
  if (has(value, 'supersedes')) {
    if (value.supersedes !== null && !isUuid(value.supersedes)) {
      report('supersedes', 'must be null or a lowercase UUID');
    } else if (value.supersedes !== null && value.supersedes === value.id) {
      report('supersedes', 'an agreement cannot supersede itself');
    }
  }
  if (has(value, 'proposedBy')) checkRegionRef(value.proposedBy, 'proposedBy', parties, report);
  if (has(value, 'proposedAt') && !isTimestamp(value.proposedAt)) {
    report('proposedAt', 'must be a UTC timestamp like 2026-01-31T08:00:00.000Z');
  }
  return problems;
}

function checkTitle(title: unknown, report: Report): void {
  if (typeof title !== 'string') return report('title', 'must be a string');
  const length = characterCount(title);
  if (length < 1 || length > AGREEMENT_MAX_TITLE_LENGTH) {
    report('title', `must be 1 to ${AGREEMENT_MAX_TITLE_LENGTH} characters long`);
  }
}

/** Checks the party list; returns the well-formed region codes in it, or undefined if it is no list. */
function checkParties(parties: unknown, report: Report): ReadonlySet<string> | undefined {
  if (!Array.isArray(parties)) {
    report('parties', 'must be an array of six-digit region codes');
    return undefined;
  }
  const codes: string[] = [];
  parties.forEach((party, i) => {
    if (isRegion(party)) codes.push(party);
    else report(`parties[${i}]`, 'must be a six-digit region code');
  });
  const distinct = new Set(codes);
  if (distinct.size < 2) report('parties', 'must name at least two distinct regions');
  for (const code of distinct) {
    if (codes.indexOf(code) !== codes.lastIndexOf(code)) report('parties', `lists ${code} more than once`);
  }
  if (codes.some((code, i) => i > 0 && codes[i - 1]! > code)) {
    report('parties', 'must be sorted in ascending order');
  }
  return distinct;
}

function checkKeys(keys: unknown, parties: ReadonlySet<string> | undefined, report: Report): void {
  if (!isRecord(keys)) return report('keys', 'must be an object mapping each party to its key ids');
  for (const party of parties ?? []) {
    if (!has(keys, party)) report('keys', `has no key list for party ${party}`);
  }
  const holders = new Map<string, string[]>();
  for (const [owner, list] of Object.entries(keys)) {
    const path = `keys.${owner}`;
    if (parties ? !parties.has(owner) : !isRegion(owner)) report(path, 'is not a party');
    if (!Array.isArray(list) || list.length === 0) {
      report(path, 'must be a non-empty array of key ids');
      continue;
    }
    const seen = new Set<string>();
    list.forEach((kid, i) => {
      if (!isKid(kid)) return report(`${path}[${i}]`, 'must be a key thumbprint (43 base64url characters)');
      if (seen.has(kid)) return report(path, `lists ${kid} more than once`);
      seen.add(kid);
      holders.set(kid, [...(holders.get(kid) ?? []), owner]);
    });
  }
  for (const [kid, owners] of holders) {
    if (owners.length > 1) report('keys', `${kid} is listed for more than one party (${owners.join(', ')})`);
  }
}

function checkScopes(scopes: unknown, parties: ReadonlySet<string> | undefined, report: Report): void {
  if (!Array.isArray(scopes)) return report('scopes', 'must be an array');
  if (scopes.length === 0) report('scopes', 'must grant at least one scope');
  const firstIndex = new Map<string, number>();
  scopes.forEach((grant: unknown, i) => {
    const path = `scopes[${i}]`;
    if (!isRecord(grant)) return report(path, 'must be an object');
    checkProperties(grant, GRANT_FIELDS, path, report, OPTIONAL_GRANT_FIELDS);
    if (has(grant, 'disclosure')) {
      if (grant.disclosure !== 'two-step') report(`${path}.disclosure`, 'must be two-step when present');
      else if (grant.scope !== 'entity.resolve')
        report(`${path}.disclosure`, 'applies to entity.resolve only');
    }
    if (has(grant, 'scope') && !isOneOf(grant.scope, AGREEMENT_SCOPES)) {
      report(`${path}.scope`, `must be one of ${AGREEMENT_SCOPES.join(', ')}`);
    }
    if (has(grant, 'from')) checkRegionRef(grant.from, `${path}.from`, parties, report);
    if (has(grant, 'to')) checkRegionRef(grant.to, `${path}.to`, parties, report);
    if (typeof grant.from === 'string' && grant.from === grant.to) report(path, 'from and to must differ');
    if (has(grant, 'dailyQuota') && grant.dailyQuota !== null) {
      if (!isIntegerIn(grant.dailyQuota, 1, AGREEMENT_MAX_DAILY_QUOTA)) {
        report(`${path}.dailyQuota`, `must be null or an integer from 1 to ${AGREEMENT_MAX_DAILY_QUOTA}`);
      }
    }
    if (typeof grant.scope === 'string' && typeof grant.from === 'string' && typeof grant.to === 'string') {
      const key = JSON.stringify([grant.scope, grant.from, grant.to]);
      const first = firstIndex.get(key);
      if (first === undefined) firstIndex.set(key, i);
      else report(path, `repeats scopes[${first}] (same scope, from and to)`);
    }
  });
}

function checkFieldPolicy(policy: unknown, report: Report): void {
  if (!isRecord(policy)) return report('fieldPolicy', 'must be an object');
  for (const [field, rule] of Object.entries(policy)) {
    const path = `fieldPolicy.${field}`;
    if (!isOneOf(field, AGREEMENT_PERSONAL_FIELDS)) {
      report(path, `is not a personal field (${AGREEMENT_PERSONAL_FIELDS.join(', ')})`);
    }
    if (!isOneOf(rule, AGREEMENT_FIELD_RULES))
      report(path, `must be one of ${AGREEMENT_FIELD_RULES.join(', ')}`);
  }
}

function checkValidity(terms: Record<string, unknown>, report: Report): void {
  const from = has(terms, 'validFrom') ? terms.validFrom : undefined;
  const until = has(terms, 'validUntil') ? terms.validUntil : undefined;
  if (has(terms, 'validFrom') && !isDate(from)) report('validFrom', 'must be a real date written YYYY-MM-DD');
  if (has(terms, 'validUntil') && !isDate(until))
    report('validUntil', 'must be a real date written YYYY-MM-DD');
  if (isDate(from) && isDate(until) && until < from) report('validUntil', 'must not be before validFrom');
}

function checkDeadlines(deadlines: unknown, report: Report): void {
  if (!isRecord(deadlines)) return report('deadlines', 'must be an object');
  checkProperties(deadlines, DEADLINE_FIELDS, 'deadlines', report);
  for (const field of DEADLINE_FIELDS) {
    if (has(deadlines, field) && !isIntegerIn(deadlines[field], 1, AGREEMENT_MAX_DEADLINE_WORKING_DAYS)) {
      report(`deadlines.${field}`, `must be an integer from 1 to ${AGREEMENT_MAX_DEADLINE_WORKING_DAYS}`);
    }
  }
}

/** A region named elsewhere in the terms must be a party (or, when the party list is broken, a region). */
function checkRegionRef(
  value: unknown,
  path: string,
  parties: ReadonlySet<string> | undefined,
  report: Report,
): void {
  if (!isRegion(value)) report(path, 'must be a six-digit region code');
  else if (parties && !parties.has(value)) report(path, 'must be one of the parties');
}

/** Reports each missing and each unexpected property of an object. */
function checkProperties(
  value: Record<string, unknown>,
  required: readonly string[],
  path: string,
  report: Report,
  optional: readonly string[] = [],
): void {
  const prefix = path === '' ? '' : `${path}.`;
  for (const field of required) if (!has(value, field)) report(`${prefix}${field}`, 'is missing');
  for (const field of Object.keys(value)) {
    if (!required.includes(field) && !optional.includes(field)) {
      report(`${prefix}${field}`, 'is not an allowed property');
    }
  }
}

/** A plain JSON-like object: not null, not an array, not a class instance. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Checked by tag and by shape, so that objects parsed in another realm (a worker, a VM context)
  // count as plain too.
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function has(value: Record<string, unknown>, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, field);
}

function isOneOf<T extends string>(value: unknown, options: readonly T[]): value is T {
  return typeof value === 'string' && (options as readonly string[]).includes(value);
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isRegion(value: unknown): value is string {
  return typeof value === 'string' && REGION.test(value);
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function isDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00.000Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !TIMESTAMP.test(value)) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}
