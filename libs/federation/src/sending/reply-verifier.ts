import { Inject, Injectable } from '@nestjs/common';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { NodeIdentityService } from '@regulink/identity';
import {
  parseEnvelope,
  receiptKid,
  verifyEnvelopeSignature,
  verifyReceipt,
  type ReceiptClaims,
} from '@regulink/protocol';
import { Clock } from '../clock';
import { FederationErrorCode, FederationException } from '../federation.exception';
import type { PeerEntity } from '../peers/peer.entity';
import { PeersService } from '../peers/peers.service';

/** Checks what comes back from a peer: its receipt, and for a query its signed response. */
@Injectable()
export class ReplyVerifier {
  constructor(
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
    private readonly clock: Clock,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /**
   * A reply is made after what it answers and before now (within the clock skew allowed): a date
   * outside that is not the peer's (a retired key's signature dated back to pass as older, say).
   */
  private checkDated(what: string, datedMs: number, sentIat: number): void {
    const skewMs = this.config.federation.clockSkewSeconds * 1000;
    if (Number.isNaN(datedMs) || datedMs < sentIat * 1000 - skewMs)
      throw bad(`the ${what} is dated before the envelope it answers was signed`);
    if (datedMs > this.clock.now().getTime() + skewMs) throw bad(`the ${what} is dated in the future`);
  }

  /** The receipt must be signed by a key pinned for the peer and name exactly what was sent. */
  async receipt(
    peer: PeerEntity,
    receipt: unknown,
    sent: { id: string; digest: string; iat: number },
  ): Promise<ReceiptClaims & { jws: string }> {
    if (typeof receipt !== 'string') throw bad('the reply carries no receipt');
    const kid = receiptKid(receipt);
    const key = kid ? await this.peers.pinnedKey(peer, kid) : undefined;
    if (!key) throw unpinned('receipt', peer.region, kid);
    let claims: ReceiptClaims;
    try {
      claims = await verifyReceipt(receipt, key);
    } catch {
      throw bad('the receipt signature does not verify');
    }
    this.checkDated('receipt', Date.parse(claims.receivedAt), sent.iat);
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
    sent: { id: string; digest: string; iat: number },
    maxBytes: number,
  ): Promise<Record<string, unknown>> {
    let parsed;
    try {
      parsed = parseEnvelope(response, maxBytes);
    } catch {
      throw bad('the response is not a well-formed envelope');
    }
    const key = await this.peers.pinnedKey(peer, parsed.kid);
    if (!key) throw unpinned('response', peer.region, parsed.kid);
    try {
      await verifyEnvelopeSignature(parsed, key);
    } catch {
      throw bad('the response signature does not verify');
    }
    const { claims } = parsed;
    this.checkDated('response', claims.iat * 1000, sent.iat);
    if (claims.exp + this.config.federation.clockSkewSeconds < this.clock.nowSeconds())
      throw bad('the response has expired');
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

/** A reply signed by a key not pinned for the peer: most often one it rotated to, whose card is not re-pinned here yet. */
function unpinned(what: string, region: string, kid: string | undefined): FederationException {
  return bad(
    `the ${what} is signed by key ${kid ?? '(none named)'}, which is not pinned for ${region}: if ${region} ` +
      `rotated its key, re-pin its new card (POST /federation/peers/${region}/repin)`,
  );
}
