import { QueryFailedError } from 'typeorm';

/**
 * True when a statement failed on a unique or primary-key constraint (SQLSTATE 23505), whether it
 * ran through TypeORM (which wraps the driver's error) or straight on the pool.
 */
export function isUniqueViolation(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  return (cause as { code?: unknown } | null)?.code === '23505' && cause instanceof Error;
}

/**
 * True when the server cancelled a statement (SQLSTATE 57014): it ran past the statement timeout,
 * waiting for a lock perhaps, or an operator cancelled it. Not the statement's fault: it may be
 * tried again.
 */
export function isStatementCancelled(error: unknown): boolean {
  return causes(error).some((cause) => (cause as { code?: unknown }).code === '57014');
}

/**
 * True when a statement failed for a reason of the moment, not of the data it was given: the
 * database out of reach, the statement cancelled (a timeout), a serialization failure or deadlock
 * (class 40), the server short of resources (class 53), a lock not available (55P03). The same
 * work may succeed when tried again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error) || isStatementCancelled(error)) return true;
  return causes(error).some((cause) => {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && (code.startsWith('40') || code.startsWith('53') || code === '55P03');
  });
}

/** The error, then what it wraps (TypeORM's driver error, a cause), five deep at most. */
function causes(error: unknown): Error[] {
  const found: Error[] = [];
  for (let cause = error; cause instanceof Error && found.length < 5;) {
    found.push(cause);
    cause = cause instanceof QueryFailedError ? (cause.driverError as unknown) : cause.cause;
  }
  return found;
}

/** SQLSTATEs of a server that is going away or not yet taking connections. */
const UNAVAILABLE_STATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03']);
/** Socket errors on the way to the server. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What the driver says when a connection broke or none could be had in time. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended)/;

/**
 * True when a statement failed because the database could not be reached (down, restarting,
 * unreachable, the pool timing out on a connection), not because of the statement: the request
 * may be tried again once the database is back. Looks through TypeORM's wrapper and error causes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some((cause) => {
    const code = (cause as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_STATES.has(code) || code.startsWith('08') || UNREACHABLE_CODES.has(code))
    )
      return true;
    return UNAVAILABLE_MESSAGES.test(cause.message);
  });
}
