import { MAX_INPUT_DEPTH } from '../input/input-problem';
import { EvidenceError } from './evidence-bundle';

/** A UTF-8 byte-order mark as decoded text; some editors and Windows tools write one. */
const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Deepest nesting of objects and arrays an evidence file may have. A genuine bundle's record sits
 * one level down and was taken in no deeper than {@link MAX_INPUT_DEPTH}; the rest is shallow.
 */
export const MAX_EVIDENCE_DEPTH = MAX_INPUT_DEPTH + 16;

/**
 * Reads the text of an evidence file as JSON, stricter than `JSON.parse`: a leading byte-order
 * mark is dropped, and a key given twice in one object is refused. `JSON.parse` keeps the last of
 * two, so a file could show a reader one value (`"shopName": "FORGED"`) and verify with another.
 *
 * Throws an {@link EvidenceError} (`shape`) for nesting deeper than {@link MAX_EVIDENCE_DEPTH}
 * (before parsing, which would build it all), `JSON.parse`'s SyntaxError for text that is not
 * JSON, and an {@link EvidenceError} (`shape`) naming the duplicated key, the object it is in and
 * its line and column, for JSON that repeats a key.
 */
export function parseEvidenceJson(text: string): unknown {
  const json = text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;
  const scan = scanObjects(json);
  if (scan?.problem === 'too-deep') {
    throw new EvidenceError(
      'shape',
      `the file is nested deeper than ${MAX_EVIDENCE_DEPTH} levels (${at(json, scan.offset)})`,
    );
  }
  const value: unknown = JSON.parse(json);
  if (scan?.problem === 'duplicate-key') {
    throw new EvidenceError(
      'shape',
      `key ${quoted(scan.key)} is given twice in ${scan.where || 'the bundle'} (${at(json, scan.offset)})`,
    );
  }
  return value;
}

/**
 * The first key given twice in one object of a JSON text, as `key "k" is given twice (in …)`, or
 * undefined when there is none (or the text is not JSON, or nested too deep to scan).
 */
export function repeatedJsonKey(text: string): string | undefined {
  const scan = scanObjects(text);
  if (scan?.problem !== 'duplicate-key') return undefined;
  return `key ${quoted(scan.key)} is given twice${scan.where ? ` in ${scan.where}` : ''}`;
}

/** An object being read: the keys it has so far (a set from the second on) and the last. */
interface OpenObject {
  keys: Set<string> | undefined;
  /** The last key read, which names the value that follows it; undefined before the first. */
  key: string | undefined;
  /** After `{` or `,`: the next string is a key. */
  expectsKey: boolean;
}

type ScanProblem =
  | { readonly problem: 'too-deep'; readonly offset: number }
  | {
      readonly problem: 'duplicate-key';
      readonly key: string;
      readonly where: string;
      readonly offset: number;
    };

/**
 * The first key repeated within one object, unless the text is nested too deep somewhere, which
 * is found instead, and at once. Only strings and the structural characters matter in JSON:
 * numbers, literals and white space are stepped over. Keys are compared decoded (`"a"` and
 * `"\u0061"` are one key). Text that is not JSON ends the scan without a finding (undefined), for
 * `JSON.parse` to word. An open array is held as its index.
 */
function scanObjects(text: string): ScanProblem | undefined {
  const open: (OpenObject | number)[] = [];
  let duplicate: ScanProblem | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const top = open.at(-1);
      if (typeof top !== 'object' || !top.expectsKey) continue;
      let key: string;
      try {
        key = JSON.parse(text.slice(start, i + 1)) as string;
      } catch {
        return undefined;
      }
      if (top.key !== undefined) {
        top.keys ??= new Set([top.key]);
        if (top.keys.has(key)) {
          const where = pathOf(open.slice(0, -1));
          duplicate ??= { problem: 'duplicate-key', key, where, offset: start };
        }
        top.keys.add(key);
      }
      top.key = key;
      top.expectsKey = false;
    } else if (char === '{' || char === '[') {
      if (open.length === MAX_EVIDENCE_DEPTH) return { problem: 'too-deep', offset: i };
      open.push(char === '[' ? 0 : { keys: undefined, key: undefined, expectsKey: true });
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      const top = open.at(-1);
      if (typeof top === 'object') top.expectsKey = true;
      else if (top !== undefined) open[open.length - 1] = top + 1;
    }
  }
  return duplicate;
}

/** The path to the value inside the innermost of `ancestors`: `cards[0].card.endpoints`. */
function pathOf(ancestors: readonly (OpenObject | number)[]): string {
  let path = '';
  for (const frame of ancestors) {
    if (typeof frame === 'number') path += `[${frame}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(frame.key ?? '')) path += path ? `.${frame.key}` : frame.key;
    else path += `[${quoted(frame.key ?? '')}]`;
  }
  return path;
}

/** A key as JSON text, cut short when long: it is shown, not parsed. */
function quoted(key: string): string {
  const text = JSON.stringify(key);
  return text.length <= 66 ? text : `${text.slice(0, 64)}…"`;
}

/** "line L, column C" (from 1, columns in UTF-16 code units) of an offset in `text`. */
function at(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}
