import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { Refusal } from './errors';
import { unstorableTextIn } from './text';

/** Result of validating a plain payload against a contract class. */
export type Validated<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/**
 * Turns an untrusted plain object into an instance of `cls` and validates it with class-validator
 * (unknown properties refused, no implicit conversion beyond the class' own `@Type`s).
 * Before the class is looked at, every string and property name of the payload must be text
 * PostgreSQL can store (`unstorableTextIn`: no NUL, no lone surrogate), so a command arriving over
 * NATS from anywhere meets the same rule as a request at the gateway.
 * Returns a `validation_failed` refusal naming the first offending field instead of throwing.
 */
export function validatePayload<T extends object>(cls: new () => T, plain: unknown): Validated<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, refusal: { code: 'validation_failed', detail: 'body must be a JSON object' } };
  }
  const unstorable = unstorableTextIn(plain);
  if (unstorable) return { ok: false, refusal: { code: 'validation_failed', detail: unstorable.detail, field: unstorable.field } };
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length === 0) return { ok: true, value: instance };
  const first = firstConstraint(errors[0]);
  return { ok: false, refusal: { code: 'validation_failed', detail: first.message, field: first.field } };
}

function firstConstraint(error: ValidationError, parent = ''): { field: string; message: string } {
  const field = parent ? `${parent}.${error.property}` : error.property;
  if (error.constraints) {
    const message = Object.values(error.constraints)[0] ?? `${field} is invalid`;
    return { field, message };
  }
  const child = error.children?.[0];
  return child ? firstConstraint(child, field) : { field, message: `${field} is invalid` };
}
