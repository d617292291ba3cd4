import { CompactSign, compactVerify, decodeProtectedHeader, type CryptoKey } from 'jose';
import { canonicalBytes, canonicalJson } from '../canonical-json/canonical-json';
import { SIGNING_ALG, type Signer } from '../keys/signing-key';

/**
 * The one way this project signs a JSON document: a compact JWS (EdDSA) whose payload is the
 * document's RFC 8785 canonical JSON, with `kid` and the document type (`typ`) protected.
 */
export function signCanonical(value: unknown, typ: string, signer: Signer): Promise<string> {
  return new CompactSign(canonicalBytes(value))
    .setProtectedHeader({ alg: SIGNING_ALG, kid: signer.kid, typ })
    .sign(signer.privateKey);
}

/**
 * Verifies a document signed with {@link signCanonical}: the signature, the type, and that the
 * signed bytes are canonical JSON. Returns the parsed payload; throws on any mismatch.
 */
export async function verifyCanonical(jws: string, typ: string, key: CryptoKey): Promise<unknown> {
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: [SIGNING_ALG] });
  if (protectedHeader.typ !== typ) throw new Error(`not a ${typ}`);
  const text = new TextDecoder().decode(payload);
  const value: unknown = JSON.parse(text);
  if (canonicalJson(value) !== text) throw new Error(`the ${typ} payload is not canonical JSON`);
  return value;
}

/** The `kid` a signed document of type `typ` names, to choose the key that verifies it. */
export function signedKid(jws: string, typ: string): string | undefined {
  try {
    const header = decodeProtectedHeader(jws);
    return header.typ === typ && typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
