import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { inputProblem } from '@regulink/protocol';

/**
 * What is wrong with a received record's shape, checked against its DTO with the API's rules
 * (nested objects included, unknown fields refused, no NUL character or deep nesting); null when
 * nothing. Never quotes a value.
 */
export function recordShapeProblem(dto: new () => object, record: unknown): string | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not an object';
  const unfit = inputProblem(record);
  if (unfit !== null) return unfit;
  const errors = validateSync(plainToInstance(dto, record), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  const problems = errors.flatMap((e) => flatten(e, ''));
  return problems.length === 0 ? null : problems.join('; ');
}

function flatten(error: ValidationError, parent: string): string[] {
  const path = parent ? `${parent}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((c) => (parent ? `${parent}.${c}` : c));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, path))];
}
