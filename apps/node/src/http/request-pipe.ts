import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { inputProblem } from '@regulink/protocol';
import { RequestValidationException } from './request-validation.exception';

/**
 * How every request body, query and route parameter is checked: a value holding a NUL character
 * (PostgreSQL text cannot hold one, so it would fail at the first write) or nested deeper than
 * any DTO (walking it would exhaust the stack) is refused first; then the DTO's rules apply,
 * unknown fields refused.
 */
export class RequestPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      exceptionFactory: (errors) => RequestValidationException.fromErrors(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A body sent as CSV, NDJSON or bytes reaches a JSON route unread, as a stream (as text/plain,
    // as a string): refused as what it is, rather than walked as an object.
    if (
      metadata.type === 'body' &&
      (typeof value === 'string' || (typeof value === 'object' && value !== null && !isPlain(value)))
    ) {
      throw new RequestValidationException(['the body must be a JSON document sent as application/json']);
    }
    if (metadata.type !== 'custom') {
      const unfit = inputProblem(value, metadata.data ?? '');
      if (unfit !== null) throw new RequestValidationException([unfit]);
    }
    return super.transform(value, metadata);
  }
}

/** What JSON.parse makes: an object or an array, not a stream or any other class. */
function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === Array.prototype || prototype === null;
}
