import { Transform } from 'class-transformer';
import { normalizeDomain, normalizeEmail } from './customer';

/** Property decorator: a string email is trimmed and lower-cased before it is validated. */
export function NormalizedEmail(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? normalizeEmail(value) : value));
}

/** Property decorator: a string domain is trimmed and lower-cased before it is validated. */
export function NormalizedDomain(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? normalizeDomain(value) : value));
}
