import { createHash } from 'node:crypto';

/** SHA-256 of the UTF-8 bytes of a string (a compact JWS, a canonical JSON text), base64url. */
export function sha256Base64Url(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('base64url');
}
