export enum RegistryErrorCode {
  ImportNotFound = 'IMPORT_NOT_FOUND',
  ImportFileInvalid = 'IMPORT_FILE_INVALID',
  ImportFormatUnsupported = 'IMPORT_FORMAT_UNSUPPORTED',
  ImportNotResumable = 'IMPORT_NOT_RESUMABLE',
  ImportIdTaken = 'IMPORT_ID_TAKEN',
  /** A resume of an import that another upload is still writing (its heartbeat is fresh). */
  ImportRunning = 'IMPORT_RUNNING',
  /** An upload whose import was taken over by a resume after it gave no sign of life. */
  ImportTakenOver = 'IMPORT_TAKEN_OVER',
  UploadIncomplete = 'IMPORT_UPLOAD_INCOMPLETE',
  /** An upload cut short because its node is stopping: the import is interrupted, to resume. */
  NodeStopping = 'IMPORT_NODE_STOPPING',
  EvidenceNotFound = 'EVIDENCE_NOT_FOUND',
  /** Evidence held here that would not verify (a record altered here, no card naming its keys). */
  EvidenceUnverifiable = 'EVIDENCE_UNVERIFIABLE',
  PurposeRequired = 'PURPOSE_REQUIRED',
  ResolveQueryInvalid = 'RESOLVE_QUERY_INVALID',
  OfficerQuotaExceeded = 'OFFICER_QUOTA_EXCEEDED',
}

/** Failures of a registry operation asked for through the API. */
export class RegistryException extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryException';
  }
}
