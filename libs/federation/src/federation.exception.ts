import type { EnvelopeErrorCode } from '@regulink/protocol';

export enum FederationErrorCode {
  PeerNotFound = 'PEER_NOT_FOUND',
  PeerCardInvalid = 'PEER_CARD_INVALID',
  PeerIsSelf = 'PEER_IS_SELF',
  PeerKeysChanged = 'PEER_KEYS_CHANGED',
  PeerRegionMismatch = 'PEER_REGION_MISMATCH',
  PeerNotAllowed = 'PEER_NOT_ALLOWED',
  NoRoute = 'NO_ROUTE',
  UnknownMessageType = 'UNKNOWN_MESSAGE_TYPE',
  MessageBodyInvalid = 'MESSAGE_BODY_INVALID',
  MessageNotFound = 'MESSAGE_NOT_FOUND',
  QueryTimeout = 'QUERY_TIMEOUT',
  QueryRefused = 'QUERY_REFUSED',
  PeerUnreachable = 'PEER_UNREACHABLE',
  BadReply = 'BAD_REPLY',
}

/** Failures of the federation layer as seen by a local caller (admin API, services sending messages). */
export class FederationException extends Error {
  constructor(
    readonly code: FederationErrorCode,
    message: string,
    /** For a query the peer refused: the code of its signed rejection receipt. */
    readonly peerCode?: string,
  ) {
    super(message);
    this.name = 'FederationException';
  }

  /** For a query that was sent (then timed out, refused, or answered with a reply refused here): its envelope id. */
  messageId?: string;
}

/**
 * The sender's own refusal of an exchange, with the same code the receiver would put in its
 * rejection receipt (no agreement, scope or direction not granted, agreement revoked...).
 */
export class ExchangeRefusedException extends Error {
  constructor(
    readonly code: EnvelopeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeRefusedException';
  }
}
