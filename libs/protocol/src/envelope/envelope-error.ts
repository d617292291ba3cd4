/**
 * Why a received envelope was refused, in the order the receiver checks. Each code is what the
 * signed rejection receipt carries back to the sender.
 */
export enum EnvelopeErrorCode {
  TooLarge = 'ENVELOPE_TOO_LARGE',
  Malformed = 'ENVELOPE_MALFORMED',
  UnknownSender = 'UNKNOWN_SENDER',
  UnpinnedKey = 'UNPINNED_KEY',
  BadSignature = 'BAD_SIGNATURE',
  /** Signed by a key the sender retired, and dated after it did. */
  KeyRetired = 'KEY_RETIRED',
  WrongAudience = 'WRONG_AUDIENCE',
  Expired = 'EXPIRED',
  NotYetValid = 'NOT_YET_VALID',
  Replayed = 'REPLAYED',
  NotAllowed = 'NOT_ALLOWED',
  UnknownType = 'UNKNOWN_TYPE',
  // The cooperation agreement an exchange of business data rides on:
  NoAgreement = 'NO_AGREEMENT',
  AgreementNotActive = 'AGREEMENT_NOT_ACTIVE',
  AgreementSuspended = 'AGREEMENT_SUSPENDED',
  AgreementRevoked = 'AGREEMENT_REVOKED',
  AgreementExpired = 'AGREEMENT_EXPIRED',
  ScopeNotAllowed = 'SCOPE_NOT_ALLOWED',
  DirectionNotAllowed = 'DIRECTION_NOT_ALLOWED',
  FieldNotAllowed = 'FIELD_NOT_ALLOWED',
  QuotaExceeded = 'QUOTA_EXCEEDED',
  /** An agreement document carried by a lifecycle message does not verify. */
  AgreementInvalid = 'AGREEMENT_INVALID',
  BodyInvalid = 'BODY_INVALID',
}

/**
 * A refusal by the handler of a message type, in the handler's own words (a case step that breaks
 * the case's rules, say): codes of the context that owns the type, upper snake case.
 */
export type HandlerRefusalCode = `${Uppercase<string>}_${Uppercase<string>}`;

export class EnvelopeError extends Error {
  constructor(
    readonly code: EnvelopeErrorCode | HandlerRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}
