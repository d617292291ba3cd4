import { buildMessage, ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * How many characters `text` holds as PostgreSQL counts them for `varchar(n)`: code points. A
 * surrogate pair is one, and so is a variation selector (U+FE0E, U+FE0F), which class-validator's
 * own length checks leave out: text they let through could then overflow its column.
 */
export function characterCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // The low half of a pair is not counted again.
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) count++;
  }
  return count;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function lengthRule(
  name: string,
  min: number,
  max: number,
  message: (eachPrefix: string, args?: ValidationArguments) => string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const count = characterCount(value);
          return count >= min && count <= max;
        },
        defaultMessage: buildMessage(message, options),
      },
    },
    options,
  );
}

/** At most `max` characters, counted as the database counts them (see characterCount). */
export function MaxChars(max: number, options?: ValidationOptions): PropertyDecorator {
  return lengthRule(
    'maxChars',
    0,
    max,
    (each) => `${each}$property must be shorter than or equal to ${max} characters`,
    options,
  );
}

/** At least `min` characters, counted as the database counts them (see characterCount). */
export function MinChars(min: number, options?: ValidationOptions): PropertyDecorator {
  return lengthRule(
    'minChars',
    min,
    Number.MAX_SAFE_INTEGER,
    (each) => `${each}$property must be longer than or equal to ${min} characters`,
    options,
  );
}

/** Between `min` and `max` characters, counted as the database counts them (see characterCount). */
export function Chars(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return lengthRule(
    'chars',
    min,
    max,
    (each, args) => {
      const count = typeof args?.value === 'string' ? characterCount(args.value) : undefined;
      if (count !== undefined && count < min)
        return `${each}$property must be longer than or equal to ${min} characters`;
      if (count !== undefined && count > max)
        return `${each}$property must be shorter than or equal to ${max} characters`;
      return `${each}$property must be longer than or equal to ${min} and shorter than or equal to ${max} characters`;
    },
    options,
  );
}
