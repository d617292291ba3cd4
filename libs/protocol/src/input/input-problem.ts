import { characterCount } from './text-length';

/** Deepest nesting of objects and arrays an input may have; no message or record comes near it. */
export const MAX_INPUT_DEPTH = 64;

/**
 * What is wrong with a piece of text that PostgreSQL would refuse or alter, or null: a NUL, or a
 * UTF-16 surrogate without its other half (JSON can carry one, `"\ud800"`; Unicode text cannot).
 */
function textProblem(text: string): string | null {
  if (text.includes('\0')) return 'holds a NUL character (U+0000), which cannot be stored';
  if (!text.isWellFormed()) return 'is not well-formed Unicode text (a lone surrogate)';
  return null;
}

/**
 * Keys the reading of an input into its class drops without a word (class-transformer skips them
 * to keep an object's prototype safe): sent, they would vanish unread, where any other unknown
 * field is refused. None is a field of any input.
 */
const DROPPED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/**
 * Text made storable as it is, for text that reports on input (a rejection's reason, which can
 * quote the very thing refused): NUL written as `\u0000`, a lone surrogate as U+FFFD, and text
 * over `maxChars` characters cut.
 */
export function storableText(text: string, maxChars = Number.MAX_SAFE_INTEGER): string {
  const clean = text.replaceAll('\0', '\\u0000').toWellFormed();
  if (characterCount(clean) <= maxChars) return clean;
  return [...clean].slice(0, maxChars - 1).join('') + '…';
}

/**
 * What makes an input (a string, or objects and arrays of them, keys included) unfit to take in,
 * as a problem naming its place (a dotted path from `path`), or null when nothing does: text that
 * PostgreSQL's text and jsonb cannot hold as it is (a NUL character U+0000, which they refuse; a
 * lone surrogate, which JSON can carry and jsonb refuses, and text would store altered), and
 * nesting deeper than MAX_INPUT_DEPTH, which would exhaust the stack of the code that walks it;
 * a key named `__proto__` or `constructor`, which reading the input would drop unseen.
 * Such input is refused where it comes in, with its own reason, rather than failing further on.
 * `text: false` looks at the nesting alone (for a check whose place in an order comes before the
 * text is looked at).
 */
export function inputProblem(value: unknown, path = '', { text = true } = {}): string | null {
  // `field`: the path of the outermost field an item sits in, which a depth problem names.
  const pending: { value: unknown; path: string; field: string; depth: number }[] = [
    { value, path, field: path, depth: 0 },
  ];
  while (pending.length > 0) {
    const { value: item, path: at, field, depth } = pending.pop()!;
    if (typeof item === 'string') {
      const problem = text ? textProblem(item) : null;
      if (problem !== null) return `${at || 'the value'} ${problem}`;
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= MAX_INPUT_DEPTH)
      return `${field || 'the value'} is nested more than ${MAX_INPUT_DEPTH} levels deep`;
    const entries = Object.entries(item);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const keyProblem = text ? textProblem(key) : null;
      // A bad key is named as JSON writes it: the problem is stored and logged as text.
      const name = keyProblem === null ? key : JSON.stringify(key).slice(1, -1);
      const here = at ? `${at}.${name}` : name;
      if (keyProblem !== null) return `${here} ${keyProblem}`;
      if (text && DROPPED_KEYS.has(key) && !Array.isArray(item))
        return `${here} is not a field of any input (a key by that name is never read)`;
      pending.push({ value: child, path: here, field: depth === 0 ? here : field, depth: depth + 1 });
    }
  }
  return null;
}
