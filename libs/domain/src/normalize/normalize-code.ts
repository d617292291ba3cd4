/** Offset between a full-width form (U+FF01–U+FF5E) and its ASCII counterpart (U+0021–U+007E). */
const FULL_WIDTH_OFFSET = 0xfee0;
const FULL_WIDTH_FIRST = 0xff01;
const FULL_WIDTH_LAST = 0xff5e;
const IDEOGRAPHIC_SPACE = 0x3000;

/**
 * Maps full-width ASCII forms (as typed with a Chinese input method) to their half-width
 * counterparts, and the ideographic space U+3000 to an ordinary space. Nothing else is touched:
 * this is deliberately narrower than NFKC, which would also fold circled digits, superscripts and
 * the like into valid-looking codes.
 */
export function toHalfWidth(input: string): string {
  let out = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= FULL_WIDTH_FIRST && cp <= FULL_WIDTH_LAST) {
      out += String.fromCharCode(cp - FULL_WIDTH_OFFSET);
    } else if (cp === IDEOGRAPHIC_SPACE) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Normalizes a code as typed or pasted by a person: full-width → half-width, trim surrounding
 * white space, upper-case ASCII letters. Inner characters are never removed, so `9133 0100…`
 * stays the wrong length and is reported as such rather than silently repaired.
 *
 * Only ASCII `a`–`z` are upper-cased: `toUpperCase()` on the whole string would turn `ı` into `I`
 * and `ſ` into `S`. A non-string (from untyped JSON) normalizes to the empty string.
 */
export function normalizeCode(input: string): string {
  if (typeof input !== 'string') {
    return '';
  }
  return toHalfWidth(input)
    .trim()
    .replace(/[a-z]/g, (letter) => letter.toUpperCase());
}
