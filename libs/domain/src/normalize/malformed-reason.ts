/**
 * Why a code could not even be read. Shared by every code parser in this library; a malformed
 * code is always rejected.
 */
export enum MalformedReason {
  /** Nothing left after normalization (or not a string at all). */
  Empty = 'empty',
  /** The normalized code has the wrong number of characters. */
  WrongLength = 'wrong-length',
  /** A character outside the code's alphabet; the result gives its position (1-based, after normalization). */
  InvalidCharacter = 'invalid-character',
}

/** A rejected input. Parsers of personal data leave out `input`. */
export interface MalformedCode {
  readonly status: 'malformed';
  readonly reason: MalformedReason;
  /** 1-based position in the normalized code of the first offending character, for `InvalidCharacter` only. */
  readonly position?: number;
}
