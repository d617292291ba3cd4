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
    if (metadata.type !== 'custom') {
      const unfit = inputProblem(value, metadata.data ?? '');
      if (unfit !== null) throw new RequestValidationException([unfit]);
    }
    return super.transform(value, metadata);
  }
}
