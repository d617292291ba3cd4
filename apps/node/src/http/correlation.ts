import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';
const ACCEPTED = /^[A-Za-z0-9._:-]{8,128}$/;

/** The caller's correlation id when it is a sane token, a new one otherwise. */
export function correlationIdFor(request: { headers: IncomingHttpHeaders }): string {
  const given = request.headers[CORRELATION_HEADER];
  return typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
}
