export enum CaseRuleErrorCode {
  /** Not a real calendar date written `YYYY-MM-DD`. */
  InvalidDate = 'invalid-date',
  /** A number of working days that is not a whole number in range. */
  InvalidDayCount = 'invalid-day-count',
  PauseEndsBeforeStart = 'pause-ends-before-start',
  PauseBeforeReceipt = 'pause-before-receipt',
  /** Two pauses share a day, or a pause starts while another is still open. */
  PausesOverlap = 'pauses-overlap',
  /** The action is not possible in the current state, for either side. */
  IllegalTransition = 'illegal-transition',
  /** The action is possible in this state, but only for the other side. */
  WrongSide = 'wrong-side',
  /** The clue already came by transfer: it may not be transferred again. */
  TransferLimit = 'transfer-limit',
  /** The sender's handling restrictions forbid passing the clue on. */
  TransferRestricted = 'transfer-restricted',
  ExtensionUsed = 'extension-used',
  AlreadyPaused = 'already-paused',
  NotPaused = 'not-paused',
  MoreTimeUsed = 'more-time-used',
  DeadlinePassed = 'deadline-passed',
  /** The action is dated before the last recorded one. */
  DateOutOfOrder = 'date-out-of-order',
  /** A field of the action is missing or malformed. */
  InvalidField = 'invalid-field',
  /** The stored facts contradict themselves (for example a received clue without a receipt date). */
  InvalidFacts = 'invalid-facts',
}

/** A case rule refused its input. Pure code throws it; each edge maps `code` to its own answer. */
export class CaseRuleError extends Error {
  constructor(
    readonly code: CaseRuleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CaseRuleError';
  }
}
