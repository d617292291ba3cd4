import { Injectable } from '@nestjs/common';
import type { EnvelopeClaims } from '@regulink/protocol';
import type { PeerEntity } from '../peers/peer.entity';

export type PolicyDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly code: string; readonly reason: string };

/**
 * Whether an exchange with a peer may happen, checked by the sender before anything is queued
 * and by the receiver before anything is applied. This default is the node-level allow list;
 * cooperation agreements replace it with scope, direction, validity and quota checks.
 */
@Injectable()
export class ExchangePolicy {
  async check(claims: EnvelopeClaims, peer: PeerEntity, _direction: 'in' | 'out'): Promise<PolicyDecision> {
    if (!peer.allowed) {
      return {
        allowed: false,
        code: 'NOT_ALLOWED',
        reason: `exchanges with ${peer.region} are not allowed on this node`,
      };
    }
    void claims;
    return { allowed: true };
  }
}
