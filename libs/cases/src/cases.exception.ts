export enum CasesErrorCode {
  NotFound = 'CASE_NOT_FOUND',
  FileNotFound = 'CASE_FILE_NOT_FOUND',
  /** No region of the federation can be found where the seller operates; name one with `to`. */
  NoJurisdiction = 'CASE_NO_JURISDICTION',
  /** The suspects point, as strongly, to more than one region: the officer names one. */
  JurisdictionAmbiguous = 'CASE_JURISDICTION_AMBIGUOUS',
  /** The seller operates in this node's own region: the case is handled here, not sent. */
  LocalJurisdiction = 'CASE_LOCAL_JURISDICTION',
  /** The step is not one the case's state allows. */
  TransitionIllegal = 'CASE_TRANSITION_ILLEGAL',
  /** The step belongs to the other side. */
  WrongSide = 'CASE_WRONG_SIDE',
  /** A case that came by transfer may not be transferred again. */
  TransferLimit = 'CASE_TRANSFER_LIMIT',
  /** The sender's handling restriction forbids handing the case on. */
  TransferRestricted = 'CASE_TRANSFER_RESTRICTED',
  ExtensionUsed = 'CASE_EXTENSION_USED',
  MoreTimeUsed = 'CASE_MORE_TIME_USED',
  /** More time is asked for after the answer was due. */
  DeadlinePassed = 'CASE_DEADLINE_PASSED',
  AlreadyPaused = 'CASE_ALREADY_PAUSED',
  NotPaused = 'CASE_NOT_PAUSED',
  /** A field the step needs is missing or wrong. */
  FieldInvalid = 'CASE_FIELD_INVALID',
  /** Another step was taken at the same time; read the case again. */
  Conflict = 'CASE_CONFLICT',
  EvidenceInvalid = 'CASE_EVIDENCE_INVALID',
  EvidenceTooLarge = 'CASE_EVIDENCE_TOO_LARGE',
  /** The request id names an earlier request of the same user that created another case. */
  RequestIdTaken = 'CASE_REQUEST_ID_TAKEN',
}

/**
 * Why a node refuses a case message from another region, in its signed receipt (besides the rules'
 * own codes, which are the same as the API's: CASE_TRANSITION_ILLEGAL, CASE_WRONG_SIDE, …).
 */
export enum CaseRefusalCode {
  Unknown = 'CASE_UNKNOWN',
  Exists = 'CASE_EXISTS',
  StepConflict = 'CASE_STEP_CONFLICT',
  StepDateInvalid = 'CASE_STEP_DATE_INVALID',
  EvidenceMissing = 'CASE_EVIDENCE_MISSING',
  EvidenceMismatch = 'CASE_EVIDENCE_MISMATCH',
}

/** Failures of a case operation asked for through the API. */
export class CasesException extends Error {
  constructor(
    readonly code: CasesErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CasesException';
  }
}
