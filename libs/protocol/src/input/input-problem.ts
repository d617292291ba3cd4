/** Deepest nesting of objects and arrays an input may have; no message or record comes near it. */
export const MAX_INPUT_DEPTH = 64;

/**
 * What makes an input (a string, or objects and arrays of them, keys included) unfit to take in,
 * as a problem naming its place (a dotted path from `path`), or null when nothing does: a NUL
 * character U+0000, which PostgreSQL's text and jsonb cannot hold, and nesting deeper than
 * MAX_INPUT_DEPTH, which would exhaust the stack of the code that walks it. Input with either is
 * refused where it comes in, with its own reason, rather than failing further on. `nul: false`
 * looks at the nesting alone (for a check whose place in an order comes before text is looked at).
 */
export function inputProblem(value: unknown, path = '', { nul = true } = {}): string | null {
  // `field`: the path of the outermost field an item sits in, which a depth problem names.
  const pending: { value: unknown; path: string; field: string; depth: number }[] = [
    { value, path, field: path, depth: 0 },
  ];
  while (pending.length > 0) {
    const { value: item, path: at, field, depth } = pending.pop()!;
    if (typeof item === 'string') {
      if (nul && item.includes('\0'))
        return `${at || 'the value'} holds a NUL character (U+0000), which cannot be stored`;
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= MAX_INPUT_DEPTH)
      return `${field || 'the value'} is nested more than ${MAX_INPUT_DEPTH} levels deep`;
    const entries = Object.entries(item);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      // A key is named with its NUL written out: the problem is stored and logged as text.
      const name = key.replaceAll('\0', '\\u0000');
      const here = at ? `${at}.${name}` : name;
      if (nul && key.includes('\0')) return `${here} holds a NUL character (U+0000), which cannot be stored`;
      pending.push({ value: child, path: here, field: depth === 0 ? here : field, depth: depth + 1 });
    }
  }
  return null;
}
