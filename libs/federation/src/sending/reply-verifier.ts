import { Injectable } from '@nestjs/common';
import { NodeIdentityService } from '@regulink/identity';
import {
  parseEnvelope,
  receiptKid,
  verifyEnvelopeSignature,
  verifyReceipt,
  type ReceiptClaims,
} from '@regulink/protocol';
import { FederationErrorCode, FederationException } from '../federation.exception';
import type { PeerEntity } from '../peers/peer.entity';
import { PeersService } from '../peers/peers.service';

/** Checks what comes back from a peer: its receipt, and for a query its signed response. */
@Injectable()
export class ReplyVerifier {
  constructor(
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
  ) {}

  /** The receipt must be signed by a key pinned for the peer and name exactly what was sent. */
  async receipt(
    peer: PeerEntity,
    receipt: unknown,
    sent: { id: string; digest: string },
  ): Promise<ReceiptClaims & { jws: string }> {
    if (typeof receipt !== 'string') throw bad('the reply carries no receipt');
    const kid = receiptKid(receipt);
    const key = kid ? await this.peers.pinnedKey(peer, kid) : undefined;
    if (!key) throw bad(`the receipt is not signed by a key pinned for ${peer.region}`);
    let claims: ReceiptClaims;
    try {
      claims = await verifyReceipt(receipt, key);
    } catch {
      throw bad('the receipt signature does not verify');
    }
    if (!this.peers.signedWhileActive(peer, kid!, claims.receivedAt)) {
      throw bad(
        `the receipt is signed by key ${kid}, which ${peer.region} retired before the receipt's date`,
      );
    }
    if (
      claims.by !== peer.region ||
      claims.digest !== sent.digest ||
      (claims.of !== null && claims.of !== sent.id)
    ) {
      throw bad('the receipt does not name the envelope that was sent');
    }
    return { ...claims, jws: receipt };
  }

  /** The response must come from the peer, to this node, and name the request and its digest. */
  async response(
    peer: PeerEntity,
    response: unknown,
    sent: { id: string; digest: string },
    maxBytes: number,
  ): Promise<Record<string, unknown>> {
    let parsed;
    try {
      parsed = parseEnvelope(response, maxBytes);
    } catch {
      throw bad('the response is not a well-formed envelope');
    }
    const key = await this.peers.pinnedKey(peer, parsed.kid);
    if (!key) throw bad(`the response is not signed by a key pinned for ${peer.region}`);
    try {
      await verifyEnvelopeSignature(parsed, key);
    } catch {
      throw bad('the response signature does not verify');
    }
    const { claims } = parsed;
    if (!this.peers.signedWhileActive(peer, parsed.kid, new Date(claims.iat * 1000))) {
      throw bad(`the response is signed by key ${parsed.kid}, which ${peer.region} retired before its date`);
    }
    const body = claims.body as { inReplyTo?: unknown; requestDigest?: unknown; result?: unknown };
    if (
      claims.from !== peer.region ||
      claims.to !== this.identity.region ||
      body.inReplyTo !== sent.id ||
      body.requestDigest !== sent.digest ||
      !body.result ||
      typeof body.result !== 'object'
    ) {
      throw bad('the response does not answer the request that was sent');
    }
    return body.result as Record<string, unknown>;
  }
}

function bad(message: string): FederationException {
  return new FederationException(FederationErrorCode.BadReply, message);
}
