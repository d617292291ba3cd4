export enum AuditErrorCode {
  OutOfRange = 'AUDIT_OUT_OF_RANGE',
}

export class AuditException extends Error {
  constructor(
    readonly code: AuditErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuditException';
  }
}
