import { AsyncLocalStorage } from 'node:async_hooks';

interface RequestContext {
  readonly correlationId: string;
}

/** Carries the correlation id of the request being served through every await below it. */
export const requestContext = new AsyncLocalStorage<RequestContext>();
