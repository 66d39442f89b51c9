import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { emailHasControlCharacter, normalizeDomain, normalizeEmail } from './customer';

/**
 * Property decorator: a string email is normalised to the customer key (`normalizeEmail`: trimmed,
 * NFC, lower-cased) before it is validated, and refused (`validation_failed` naming the field)
 * when it holds a control character, which `@IsEmail` lets through inside a quoted local part.
 */
export function NormalizedEmail(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' ? normalizeEmail(value) : value))(target, property);
    NoControlCharacters()(target, property);
  };
}

/** Property decorator (class-validator): a string must hold no control character (Unicode Cc). */
export function NoControlCharacters(): PropertyDecorator {
  return ValidateBy({
    name: 'noControlCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !emailHasControlCharacter(value),
      defaultMessage: (args) => `${args?.property ?? 'value'} must not contain control characters`,
    },
  });
}

/** Property decorator: a string domain is trimmed and lower-cased before it is validated. */
export function NormalizedDomain(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? normalizeDomain(value) : value));
}
