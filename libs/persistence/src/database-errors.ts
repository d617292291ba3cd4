import { QueryFailedError } from 'typeorm';

/** True when a statement failed on a unique or primary-key constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === '23505'
  );
}
