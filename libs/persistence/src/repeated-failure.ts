import type { Logger } from '@nestjs/common';

/** How often a task that keeps failing is logged again. */
export const REPEATED_FAILURE_LOG_MS = 60_000;

/**
 * The log of a task that runs again and again and may fail every time for a while (the database
 * away, say): the first failure is logged as an error with its cause, the next ones once per
 * `everyMs` at most (how many, for how long), and the first success after them once. A ten-minute
 * outage makes a dozen lines, not thousands.
 */
export class RepeatedFailure {
  private failures = 0;
  private since = 0;
  private loggedAt = 0;

  constructor(
    private readonly logger: Logger,
    /** What fails, as the log says it: "outbox delivery round", "listening for table changes". */
    private readonly what: string,
    private readonly now: () => number = Date.now,
    private readonly everyMs = REPEATED_FAILURE_LOG_MS,
  ) {}

  /** Failures in a row so far (0 while it works). */
  get count(): number {
    return this.failures;
  }

  failed(error: unknown): void {
    const now = this.now();
    if (this.failures++ === 0) {
      this.since = now;
      this.loggedAt = now;
      this.logger.error({ err: error }, `${this.what} failed`);
    } else if (now - this.loggedAt >= this.everyMs) {
      this.loggedAt = now;
      this.logger.warn(
        {
          failures: this.failures,
          forSeconds: Math.round((now - this.since) / 1000),
          reason: error instanceof Error ? error.message : String(error),
        },
        `${this.what} still failing`,
      );
    }
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.log(
      { failures: this.failures, forSeconds: Math.round((this.now() - this.since) / 1000) },
      `${this.what} works again`,
    );
    this.failures = 0;
  }
}
