import { isMaskedPersonalValue, maskPersonalValue, type PersonalField } from './personal-value-mask';

export {
  PERSONAL_FIELDS,
  isMaskedPersonalValue,
  isPersonalField,
  maskPersonalValue,
} from './personal-value-mask';
export type { PersonalField } from './personal-value-mask';

/*
 * Personal-data field policy. An inter-regional cooperation agreement says, for each personal
 * field, how it may cross between nodes: in clear, masked, as a keyed hash, or not at all. The
 * sending node runs `applyFieldPolicy` on a message body before signing it; the receiving node runs
 * `findFieldPolicyViolations` on what it received.
 *
 * Where a message type carries personal data is given by a `PersonalFieldMap` from body paths to
 * fields. A path is dot-separated property names; a name followed by `[]` stands for each element
 * of the array under that name (`sellers[].contacts[].email`), and `[][]` for an array of arrays.
 * When the last name carries `[]`, each element of that array is a personal value. Only arrays and
 * plain objects are walked into: a path that runs into a missing property, `null`, or a value of
 * another shape matches nothing there.
 *
 * Nothing here ever puts a personal value into an error message or a violation.
 */

export const FIELD_RULES = ['clear', 'mask', 'hash', 'omit'] as const;
export type FieldRule = (typeof FIELD_RULES)[number];

/** Rule per personal field; a field not listed is 'omit'. */
export type FieldPolicy = Partial<Record<PersonalField, FieldRule>>;

/** Where a message type carries personal data: body path -> which personal field it is. */
export type PersonalFieldMap = Readonly<Record<string, PersonalField>>;

const FIELD_RULE_SET: ReadonlySet<string> = new Set(FIELD_RULES);

/** True for the names in `FIELD_RULES` (for checking an agreement read from configuration). */
export function isFieldRule(value: unknown): value is FieldRule {
  return typeof value === 'string' && FIELD_RULE_SET.has(value);
}

/** The format of a keyed hash as the caller's HMAC produces it: `h1:` + 32 bytes in base64url. */
export const KEYED_HASH_PATTERN: RegExp = /^h1:[A-Za-z0-9_-]{43}$/;

export function isKeyedHash(value: unknown): boolean {
  return typeof value === 'string' && KEYED_HASH_PATTERN.test(value);
}

export interface FieldPolicyViolation {
  /** Concrete path in the body, with array indexes: `sellers[2].phone`. */
  readonly path: string;
  readonly field: PersonalField;
  readonly rule: FieldRule;
  /** What is wrong, in words; never the value. */
  readonly problem: string;
}

interface PathSegment {
  readonly name: string;
  /** How many `[]` follow the name. */
  readonly arrayDepth: number;
}

type JsonRecord = Record<string, unknown>;

const SEGMENT = /^([^.[\]]+)((?:\[\])*)$/;

/** @throws TypeError on a malformed path (a mistake in a field map, not in a body). */
function parsePath(path: string): readonly PathSegment[] {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`Invalid personal field path ${JSON.stringify(path)}.`);
  }
  return path.split('.').map((segment) => {
    const match = SEGMENT.exec(segment);
    if (!match) {
      throw new TypeError(`Invalid personal field path ${JSON.stringify(path)}.`);
    }
    return { name: match[1], arrayDepth: match[2].length / 2 };
  });
}

/** Plain objects (parsed JSON, DTO instances), from any realm; not arrays, dates, buffers, maps. */
function isRecord(value: unknown): value is JsonRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.prototype.toString.call(value) === '[object Object]'
  );
}

function childPath(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function ownValue(record: JsonRecord, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Each element `depth` array levels below `value`, with its concrete path. */
function* arrayElements(value: unknown, depth: number, path: string): Generator<[unknown, string]> {
  if (depth === 0) {
    yield [value, path];
    return;
  }
  if (!Array.isArray(value)) {
    return;
  }
  for (let i = 0; i < value.length; i++) {
    yield* arrayElements(value[i], depth - 1, `${path}[${i}]`);
  }
}

/**
 * Each record that should hold the path's last property, with the concrete path of that record
 * (`''` for the body itself).
 */
function* holders(body: unknown, segments: readonly PathSegment[]): Generator<[JsonRecord, string]> {
  let current: [unknown, string][] = [[body, '']];
  for (const segment of segments.slice(0, -1)) {
    const next: [unknown, string][] = [];
    for (const [value, prefix] of current) {
      if (!isRecord(value)) {
        continue;
      }
      const here = childPath(prefix, segment.name);
      next.push(...arrayElements(ownValue(value, segment.name), segment.arrayDepth, here));
    }
    current = next;
  }
  for (const [value, prefix] of current) {
    if (isRecord(value)) {
      yield [value, prefix];
    }
  }
}

function ruleOf(policy: FieldPolicy, field: PersonalField): FieldRule {
  const rule: unknown =
    typeof policy === 'object' && policy !== null && Object.hasOwn(policy, field) ? policy[field] : undefined;
  return isFieldRule(rule) ? rule : 'omit';
}

function setOwn(target: JsonRecord | unknown[], key: string | number, value: unknown): void {
  // defineProperty rather than assignment, so that a `__proto__` key stays an ordinary property.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Copies arrays and plain objects; anything else (primitives, dates, buffers) is shared, which is
 * safe because the policy never walks into or changes such values.
 */
function copyBody(value: unknown, ancestors: unknown[]): unknown {
  if (!Array.isArray(value) && !isRecord(value)) {
    return value;
  }
  if (ancestors.includes(value)) {
    throw new TypeError('applyFieldPolicy: the body refers to itself; it is not JSON.');
  }
  ancestors.push(value);
  let copy: JsonRecord | unknown[];
  if (Array.isArray(value)) {
    copy = value.map((element: unknown) => copyBody(element, ancestors));
  } else {
    copy = {};
    for (const key of Object.keys(value)) {
      setOwn(copy, key, copyBody(value[key], ancestors));
    }
  }
  ancestors.pop();
  return copy;
}

/** `an array`, `an object`, `a boolean`…: for messages, which must not carry the value itself. */
function describeType(value: unknown): string {
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Returns a deep copy of `body` with every personal field treated per `policy`:
 * - `clear`: left unchanged;
 * - `mask`: replaced by `maskPersonalValue(field, value)`;
 * - `hash`: replaced by `hash(field, value)`, the caller's keyed hash, whose result must match
 *   `KEYED_HASH_PATTERN`;
 * - `omit`, or a field the policy does not list (or lists with an unknown rule): the property is
 *   removed. Under a path ending in `[]` that removes the whole array.
 *
 * `null` and `undefined` values are left as they are. Under `mask` and `hash` a number is turned
 * into its decimal string first. The input is never changed.
 *
 * @throws TypeError when a value to mask or hash is neither a string nor a number (or, under a path
 *   ending in `[]`, is not an array), when `hash` returns something that is not a keyed hash, when a
 *   path in `fields` is malformed, or when the body is cyclic. Messages name the path, never the
 *   value.
 */
export function applyFieldPolicy(
  body: unknown,
  fields: PersonalFieldMap,
  policy: FieldPolicy,
  hash: (field: PersonalField, value: string) => string,
): unknown {
  const copy = copyBody(body, []);
  for (const [path, field] of Object.entries(fields)) {
    const segments = parsePath(path);
    const last = segments[segments.length - 1];
    const rule = ruleOf(policy, field);
    if (rule === 'clear') {
      continue;
    }

    const transform = (value: unknown, where: string): string => {
      let text: string;
      if (typeof value === 'string') {
        text = value;
      } else if (typeof value === 'number') {
        text = String(value);
      } else {
        throw new TypeError(
          `applyFieldPolicy: the ${field} at ${where} is ${describeType(value)}, not a string or number.`,
        );
      }
      if (rule === 'mask') {
        return maskPersonalValue(field, text);
      }
      const hashed = hash(field, text);
      if (!isKeyedHash(hashed)) {
        throw new TypeError(
          `applyFieldPolicy: the keyed hash for ${where} does not match KEYED_HASH_PATTERN.`,
        );
      }
      return hashed;
    };

    const replaceIn = (
      holder: JsonRecord | unknown[],
      key: string | number,
      depth: number,
      where: string,
    ) => {
      const value: unknown = (holder as Record<string | number, unknown>)[key];
      if (value === null || value === undefined) {
        return;
      }
      if (depth === 0) {
        setOwn(holder, key, transform(value, where));
        return;
      }
      if (!Array.isArray(value)) {
        throw new TypeError(
          `applyFieldPolicy: the ${field} list at ${where} is ${describeType(value)}, not an array.`,
        );
      }
      for (let i = 0; i < value.length; i++) {
        replaceIn(value, i, depth - 1, `${where}[${i}]`);
      }
    };

    for (const [holder, prefix] of holders(copy, segments)) {
      if (!Object.hasOwn(holder, last.name)) {
        continue;
      }
      const value = holder[last.name];
      if (value === null || value === undefined) {
        continue;
      }
      if (rule === 'omit') {
        delete holder[last.name];
      } else {
        replaceIn(holder, last.name, last.arrayDepth, childPath(prefix, last.name));
      }
    }
  }
  return copy;
}

/** Why a present, non-null value breaks `rule`, or `undefined` when it complies. */
function problemWith(field: PersonalField, rule: FieldRule, value: unknown): string | undefined {
  switch (rule) {
    case 'clear':
      return undefined;
    case 'omit':
      return 'present, but the agreement does not let this field cross';
    case 'mask':
      if (typeof value !== 'string') {
        return `expected a masked string, found ${describeType(value)}`;
      }
      if (isKeyedHash(value)) {
        return 'a keyed hash, but the agreement asks for a masked value';
      }
      return isMaskedPersonalValue(field, value) ? undefined : 'not masked';
    case 'hash':
      if (typeof value !== 'string') {
        return `expected a keyed hash, found ${describeType(value)}`;
      }
      return isKeyedHash(value) ? undefined : 'not a keyed hash';
  }
}

/**
 * What a received body carries that `policy` does not allow, in the order of `fields` and then of
 * the body; `[]` when the body complies.
 *
 * - `omit` (or unlisted): any present value other than `null`/`undefined` is a violation (under a
 *   path ending in `[]`, each such element; an empty array carries nothing).
 * - `mask`: the value must be a string accepted by `isMaskedPersonalValue`; a keyed hash is not.
 * - `hash`: the value must be a keyed hash (`KEYED_HASH_PATTERN`).
 * - `clear`: anything is accepted, including masked and hashed values.
 *
 * Under `mask` and `hash`, a value that is not a string is a violation, and so is a value that is
 * not an array under a path ending in `[]`. Never throws on odd bodies; it does throw TypeError on
 * a malformed path in `fields`, a mistake in code or configuration rather than in the message.
 */
export function findFieldPolicyViolations(
  body: unknown,
  fields: PersonalFieldMap,
  policy: FieldPolicy,
): FieldPolicyViolation[] {
  const violations: FieldPolicyViolation[] = [];
  for (const [path, field] of Object.entries(fields)) {
    const segments = parsePath(path);
    const last = segments[segments.length - 1];
    const rule = ruleOf(policy, field);
    if (rule === 'clear') {
      continue;
    }

    const check = (value: unknown, depth: number, where: string): void => {
      if (value === null || value === undefined) {
        return;
      }
      if (depth > 0 && Array.isArray(value)) {
        value.forEach((element: unknown, i) => check(element, depth - 1, `${where}[${i}]`));
        return;
      }
      const problem =
        depth > 0 && rule !== 'omit'
          ? `expected a list, found ${describeType(value)}`
          : problemWith(field, rule, value);
      if (problem !== undefined) {
        violations.push({ path: where, field, rule, problem });
      }
    };

    for (const [holder, prefix] of holders(body, segments)) {
      check(ownValue(holder, last.name), last.arrayDepth, childPath(prefix, last.name));
    }
  }
  return violations;
}
