import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { nulCharacterAt } from '@regulink/persistence';
import { RequestValidationException } from './request-validation.exception';

/**
 * How every request body, query and route parameter is checked: a value holding a NUL character
 * is refused first (PostgreSQL text cannot hold one, so it would fail at the first write), then
 * the DTO's rules apply, unknown fields refused.
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
      const at = nulCharacterAt(value, metadata.data ?? '');
      if (at !== null) {
        throw new RequestValidationException([
          `${at || metadata.type} holds a NUL character (U+0000), which cannot be stored`,
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}
