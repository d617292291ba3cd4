import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { isCalendarDate } from '../cases/working-days';

/** A real calendar day written YYYY-MM-DD (years 1000 to 9999): not 2026-02-30, not year 0. */
export function IsCalendarDay(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDay',
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a calendar date, YYYY-MM-DD`,
          options,
        ),
      },
    },
    options,
  );
}
