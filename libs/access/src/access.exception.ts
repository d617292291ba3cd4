export enum AccessErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  InvalidToken = 'INVALID_TOKEN',
  Forbidden = 'FORBIDDEN',
  RouteNotDeclared = 'ROUTE_NOT_DECLARED',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  UsernameTaken = 'USERNAME_TAKEN',
}

/** Authentication and authorization failures; the HTTP edge maps each code to a status. */
export class AccessException extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessException';
  }
}
