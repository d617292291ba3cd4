import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { LineProblem } from './import-target';

/**
 * Checks the shape of one import line against its DTO, with the API's validation rules. Strings
 * are trimmed and an empty value counts as absent (an empty CSV field). Returns the typed line,
 * or a problem per field at fault.
 */
export function checkLineShape<T extends object>(
  dto: new () => T,
  values: Readonly<Record<string, unknown>>,
): { line: T } | { problems: LineProblem[] } {
  const cleaned: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    const trimmed = typeof value === 'string' ? value.trim() : value;
    if (trimmed !== '' && trimmed !== null && trimmed !== undefined) cleaned[field] = trimmed;
  }
  const line = plainToInstance(dto, cleaned);
  const errors = validateSync(line, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length === 0) return { line };
  return {
    problems: errors.map((e) => ({
      field: e.property,
      reason: Object.values(e.constraints ?? {}).join('; ') || `${e.property} is invalid`,
    })),
  };
}
