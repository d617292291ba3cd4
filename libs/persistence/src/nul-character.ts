/**
 * Where in a value (a string, or an object or array of them, keys included) a NUL character
 * U+0000 is, as a dotted path from `path` ('' for the value itself); null when there is none.
 * PostgreSQL's text and jsonb cannot hold one: input with it is refused where it comes in, with
 * its own reason, instead of failing the first write that meets it.
 */
export function nulCharacterAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\0')) return here;
    const found = nulCharacterAt(item, here);
    if (found !== null) return found;
  }
  return null;
}
