import { Transform } from 'class-transformer';

/**
 * A whole number given as text (a query or path parameter): decimal digits only, read as a
 * number; anything else is left as it came, for the integer rule to refuse. Number() alone would
 * read '' as 0 and '0x10' as 16.
 */
export function IntegerText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value,
  );
}
