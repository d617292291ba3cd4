import { validateSync } from 'class-validator';
import { toHalfWidth } from '@regulink/domain';
import type { LineProblem } from './import-target';

const RESERVED: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The values with the codes in `fields` written half-width (`３３０１０６` as `330106`, as a Chinese
 * input method types them); the same object when none is written otherwise.
 */
export function withHalfWidthCodes(
  values: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): Readonly<Record<string, unknown>> {
  let out: Record<string, unknown> | undefined;
  for (const field of fields) {
    const value = values[field];
    if (typeof value !== 'string' || !/[\uff01-\uff5e\u3000]/.test(value)) continue;
    out ??= { ...values };
    out[field] = toHalfWidth(value);
  }
  return out ?? values;
}

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
  const reserved: LineProblem[] = [];
  for (const [field, value] of Object.entries(values)) {
    // Names that would reach the object's machinery instead of a field are refused outright.
    if (RESERVED.has(field)) {
      reserved.push({ field, reason: `${field} is not a field of this file` });
      continue;
    }
    const trimmed = typeof value === 'string' ? value.trim() : value;
    if (trimmed !== '' && trimmed !== null && trimmed !== undefined) cleaned[field] = trimmed;
  }
  if (reserved.length > 0) return { problems: reserved };
  // The line DTOs are flat strings: an instance with the values is all validation needs (cheaper
  // per line than a class-transformer pass, which matters at millions of lines).
  const line = Object.assign(new dto(), cleaned);
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
