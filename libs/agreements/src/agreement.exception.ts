export enum AgreementErrorCode {
  NotFound = 'AGREEMENT_NOT_FOUND',
  TermsInvalid = 'AGREEMENT_TERMS_INVALID',
  WrongState = 'AGREEMENT_WRONG_STATE',
  DocumentInvalid = 'AGREEMENT_DOCUMENT_INVALID',
  NotParty = 'AGREEMENT_NOT_PARTY',
  /** The agreement pins, for a party, only keys it no longer signs with (rotated since it was proposed). */
  KeysRetired = 'AGREEMENT_KEYS_RETIRED',
}

/** Failures of an agreement operation asked for by an administrator. */
export class AgreementException extends Error {
  constructor(
    readonly code: AgreementErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgreementException';
  }
}
