/** Each character's two-byte GB18030 (GBK) code, built once from the decoder. */
let gbkCodes: Map<string, number[]> | undefined;

/**
 * The bytes of `text` in GB18030, as a system exporting in GBK writes them (the platform's
 * TextEncoder writes UTF-8 only). ASCII stays one byte; the other characters must be in GBK.
 */
export function gb18030Bytes(text: string): Uint8Array {
  if (!gbkCodes) {
    gbkCodes = new Map();
    const decoder = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        const char = trail === 0x7f ? '' : decoder.decode(Uint8Array.of(lead, trail));
        if (char.length === 1 && !gbkCodes.has(char)) gbkCodes.set(char, [lead, trail]);
      }
    }
  }
  const codes = gbkCodes;
  return Uint8Array.from(
    Array.from(text).flatMap((char) => {
      if (char.charCodeAt(0) < 0x80) return [char.charCodeAt(0)];
      const code = codes.get(char);
      if (!code) throw new Error(`${char} has no two-byte GB18030 code`);
      return code;
    }),
  );
}
