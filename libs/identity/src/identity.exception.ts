export enum IdentityErrorCode {
  WrongPassphrase = 'KEY_PASSPHRASE_WRONG',
  KeyFileCorrupt = 'KEY_FILE_CORRUPT',
  KeyFileUnreadable = 'KEY_FILE_UNREADABLE',
}

/** Problems with the node's own identity: its key file and passphrase. */
export class IdentityException extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityException';
  }
}
