import { compactVerify, decodeProtectedHeader } from 'jose';
import { canonicalJson } from '../canonical-json/canonical-json';
import { signCanonical } from '../signed-json/signed-json';
import {
  importPublicKey,
  isSelfConsistentJwk,
  SIGNING_ALG,
  type PublicSigningJwk,
  type Signer,
} from '../keys/signing-key';

export const NODE_CARD_TYP = 'regulink-node-card+jws';

/** The self-description a node publishes and administrators exchange. */
export interface NodeCard {
  readonly v: 1;
  /** GB/T 2260 code of the region the node serves. */
  readonly region: string;
  readonly name: string;
  /** `api`: the HTTP API; `federation`: where envelopes are delivered (tcp://, tls:// or nats:<subject>). */
  readonly endpoints: { readonly api: string; readonly federation?: string };
  /** Every public key the node has signed with; retired ones stay so old evidence still verifies. */
  readonly keys: readonly PublicSigningJwk[];
  /** The key that signs from now on. */
  readonly activeKid: string;
  /**
   * When each retired key stopped signing (kid → ISO time), once a key has been rotated out:
   * what it signed before then stands, nothing dated after.
   */
  readonly retired?: Readonly<Record<string, string>>;
  readonly issuedAt: string;
}

/** The card together with its compact JWS, whose payload is the card's canonical JSON. */
export interface SignedNodeCard {
  readonly card: NodeCard;
  readonly jws: string;
}

export type NodeCardProblem =
  'shape' | 'key-not-self-consistent' | 'signer-not-active-key' | 'signature' | 'payload-mismatch';

export class NodeCardError extends Error {
  constructor(
    readonly problem: NodeCardProblem,
    message: string,
  ) {
    super(message);
    this.name = 'NodeCardError';
  }
}

export async function signNodeCard(card: NodeCard, signer: Signer): Promise<SignedNodeCard> {
  if (signer.kid !== card.activeKid)
    throw new NodeCardError('signer-not-active-key', 'card must be signed by its active key');
  const jws = await signCanonical(card, NODE_CARD_TYP, signer);
  return { card, jws };
}

/**
 * Checks a card on its own terms: well formed, every key's `kid` is its thumbprint, the signature
 * is by the card's active key, and the signed bytes are exactly the card. Whether the keys are the
 * ones an administrator expects is the caller's decision (pinning). Any input is refused with a
 * {@link NodeCardError}, never another error.
 */
export async function verifyNodeCard(input: unknown): Promise<NodeCard> {
  if (!input || typeof input !== 'object')
    throw new NodeCardError('shape', 'a signed node card is an object');
  const { card, jws } = input as { card?: unknown; jws?: unknown };
  if (typeof jws !== 'string') throw new NodeCardError('shape', 'jws must be a compact JWS string');
  assertCardShape(card);
  let canonical: string;
  try {
    canonical = canonicalJson(card);
  } catch (error) {
    // JSON can carry what canonical JSON refuses (1e400 reads as Infinity; "\ud800" is half a
    // character): such a card cannot be the one that was signed.
    const reason = error instanceof Error ? error.message : String(error);
    throw new NodeCardError('shape', `the card has no canonical JSON form (${reason})`);
  }
  for (const key of card.keys) {
    if (!(await isSelfConsistentJwk(key))) {
      throw new NodeCardError(
        'key-not-self-consistent',
        'every key must be an Ed25519 public key whose kid is its thumbprint',
      );
    }
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw new NodeCardError('shape', 'jws is not a compact JWS');
  }
  if (header.kid !== card.activeKid || header.alg !== SIGNING_ALG || header.typ !== NODE_CARD_TYP) {
    throw new NodeCardError('signer-not-active-key', 'the card must be signed with EdDSA by its active key');
  }
  const activeKey = card.keys.find((k) => k.kid === card.activeKid);
  if (!activeKey) throw new NodeCardError('signer-not-active-key', 'activeKid is not among the card keys');
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, await importPublicKey(activeKey), { algorithms: [SIGNING_ALG] }));
  } catch {
    throw new NodeCardError('signature', 'the card signature does not verify');
  }
  if (new TextDecoder().decode(payload) !== canonical) {
    throw new NodeCardError('payload-mismatch', 'the signed card differs from the card presented');
  }
  return card;
}

function assertCardShape(card: unknown): asserts card is NodeCard {
  const c = card as Partial<Record<keyof NodeCard, unknown>> | null;
  const ok =
    !!c &&
    typeof c === 'object' &&
    c.v === 1 &&
    typeof c.region === 'string' &&
    /^\d{6}$/.test(c.region) &&
    typeof c.name === 'string' &&
    c.name.length > 0 &&
    !!c.endpoints &&
    typeof (c.endpoints as { api?: unknown }).api === 'string' &&
    ['undefined', 'string'].includes(typeof (c.endpoints as { federation?: unknown }).federation) &&
    Array.isArray(c.keys) &&
    c.keys.length > 0 &&
    typeof c.activeKid === 'string' &&
    typeof c.issuedAt === 'string' &&
    !Number.isNaN(Date.parse(c.issuedAt)) &&
    (c.retired === undefined || retiredShapeOk(c.retired, c.keys as { kid?: unknown }[], c.activeKid));
  if (!ok) throw new NodeCardError('shape', 'the card lacks a field or has one of the wrong type');
}

/** `retired` names keys of the card other than the active one, each with a time. */
function retiredShapeOk(retired: unknown, keys: { kid?: unknown }[], activeKid: string): boolean {
  if (!retired || typeof retired !== 'object' || Array.isArray(retired)) return false;
  const kids = new Set(keys.map((k) => (k && typeof k === 'object' ? k.kid : undefined)));
  return Object.entries(retired).every(
    ([kid, at]) =>
      kid !== activeKid && kids.has(kid) && typeof at === 'string' && !Number.isNaN(Date.parse(at)),
  );
}

/**
 * How long after a key's retirement what it signed still stands: the other replicas of the node
 * take up a rotation from their shared key file within about a second, signing with the retired
 * key until then.
 */
export const RETIREMENT_TOLERANCE_MS = 10_000;

/**
 * Whether a signature by `kid` dated `signedAt` was made while the key was in use, by the
 * retirements a card published (`NodeCard.retired`, or what a peer pinned of it): a key retired at
 * R signs nothing dated R (and the tolerance) or later.
 */
export function signedWhileActive(
  retired: Readonly<Record<string, string>> | undefined,
  kid: string,
  signedAt: Date | string,
): boolean {
  const at = retired?.[kid];
  if (at === undefined) return true;
  const signed = typeof signedAt === 'string' ? Date.parse(signedAt) : signedAt.getTime();
  return !Number.isNaN(signed) && signed < Date.parse(at) + RETIREMENT_TOLERANCE_MS;
}
