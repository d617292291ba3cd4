import type { CustomTransportStrategy } from '@nestjs/microservices';

/** What travels on the wire for one exchange: the sender's envelope ... */
export interface WireRequest {
  readonly envelope: string;
}

/**
 * ... and the receiver's answer: a signed receipt, plus the signed response for a query. When the
 * receiver fails on its own side it says so, unsigned, instead of a receipt: the sender retries.
 */
export interface WireReply {
  readonly receipt?: string;
  readonly response?: string;
  readonly error?: string;
}

export type EnvelopeHandler = (request: unknown) => Promise<WireReply>;

/**
 * Carries envelopes between nodes. The envelope layer never sees which transport it is: it hands
 * over a request for a peer's federation endpoint and gets the reply or an error.
 */
export abstract class FederationTransport {
  /** Sends one envelope to the node at `endpoint` and waits for its reply. */
  abstract request(endpoint: string, request: WireRequest, timeoutMs: number): Promise<WireReply>;

  /** The listener to connect next to the HTTP API, delivering every incoming request to `handler`. */
  abstract listener(handler: EnvelopeHandler): CustomTransportStrategy;

  /** Whether this transport can reach an endpoint of that form. */
  abstract canReach(endpoint: string): boolean;

  abstract close(): Promise<void>;
}

/**
 * The message pattern envelopes travel under on point-to-point transports. An object, because the
 * receiving server first tries the pattern as JSON: a plain string fails that and costs a thrown
 * exception on every message.
 */
export const ENVELOPE_PATTERN = { regulink: 'envelope' } as const;

/** Errors of the transport itself (connection refused, timeout): the envelope may be retried. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
