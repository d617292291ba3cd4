import type { ValidationError } from 'class-validator';

/** A request body, query or parameter that fails its DTO rules. */
export class RequestValidationException extends Error {
  readonly code = 'VALIDATION_FAILED';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'RequestValidationException';
  }

  static fromErrors(errors: ValidationError[]): RequestValidationException {
    const flatten = (list: ValidationError[], prefix: string): string[] =>
      list.flatMap((error) => {
        const path = prefix ? `${prefix}.${error.property}` : error.property;
        const own = Object.values(error.constraints ?? {}).map((message) =>
          message.startsWith(error.property)
            ? `${path}${message.slice(error.property.length)}`
            : `${path}: ${message}`,
        );
        return [...own, ...flatten(error.children ?? [], path)];
      });
    return new RequestValidationException(flatten(errors, ''));
  }
}
