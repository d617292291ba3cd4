import { QueryFailedError } from 'typeorm';

/**
 * True when a statement failed on a unique or primary-key constraint (SQLSTATE 23505), whether it
 * ran through TypeORM (which wraps the driver's error) or straight on the pool.
 */
export function isUniqueViolation(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  return (cause as { code?: unknown } | null)?.code === '23505' && cause instanceof Error;
}
