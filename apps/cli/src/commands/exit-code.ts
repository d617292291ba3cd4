/** Exit codes scripts can rely on; `regulink --help` lists them. */
export const ExitCode = {
  /** Done; the evidence verifies. */
  Ok: 0,
  /** Refused by the node (its code and message are printed), or the evidence does not verify. */
  Refused: 1,
  /** Usage or input error: a bad option, a missing or unreadable file; nothing was sent. */
  Usage: 2,
  /** The node could not be reached (or the connection was lost). */
  Unreachable: 3,
  /** A fault of this program, not a verdict. */
  Internal: 70,
} as const;
