export enum AccessErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  InvalidToken = 'INVALID_TOKEN',
  Forbidden = 'FORBIDDEN',
  RouteNotDeclared = 'ROUTE_NOT_DECLARED',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  UsernameTaken = 'USERNAME_TAKEN',
  UserNotFound = 'USER_NOT_FOUND',
  /** The change would leave the node without an enabled administrator. */
  LastAdmin = 'LAST_ADMIN',
  /** A new password that breaks a rule only the account can tell (it is the username). */
  PasswordUnfit = 'PASSWORD_UNFIT',
  /** Changing one's own password: the current password given is not it. */
  CurrentPasswordWrong = 'CURRENT_PASSWORD_WRONG',
  /** Too many failed sign-ins for this username (whether or not it exists); wait. */
  SignInLocked = 'SIGN_IN_LOCKED',
  /** Too many failed sign-ins from this client address; wait. */
  SignInRateLimited = 'SIGN_IN_RATE_LIMITED',
}

/** Authentication and authorization failures; the HTTP edge maps each code to a status. */
export class AccessException extends Error {
  constructor(
    readonly code: AccessErrorCode,
    message: string,
    /** For a refusal that ends by itself (a sign-in lock): in how many seconds it does. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AccessException';
  }
}
