import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsArray, IsISO8601, IsObject, Matches, ValidateBy, ValidateIf, ValidateNested, ValidationError, validateSync } from 'class-validator';
import { subject } from './subjects';
import { Validated, validatePayload } from './validation';

/**
 * A message of the system: what travels on one NATS subject, with the version of its schema and a
 * runtime validator. Commands and queries (request/reply) are validated strictly (an unknown
 * property is refused, as the gateway refuses it); events (JetStream) are validated on every field
 * they declare and keep properties a newer publisher added (a consumer of v1 reads v1's fields).
 * Naming (docs/architecture.md, "How to add a message"): `<service>.<commands|queries|events>.<name>.v<version>`.
 */
export interface MessageDefinition<N extends string = string, T = unknown, R = unknown> {
  /** The subject without the namespace prefix (`ledger.events.credits-consumed.v1`): the key of `MessageBySubject`. */
  readonly name: N;
  /** The subject as sent on this process' NATS (`HUB_NAMESPACE` prefix, if any). */
  readonly subject: string;
  /** Schema version (the `v<N>` of the subject). */
  readonly version: number;
  readonly kind: 'command' | 'query' | 'event';
  /** Validates an untrusted, JSON-decoded body; never throws on bad input. */
  validate(body: unknown): Validated<T>;
  /** Type only: the value of an `ok` reply of a command or query (events: never). */
  readonly reply?: R;
}

/** Declares a message; `T` is the body, `R` the reply value of a command or query. */
export function defineMessage<T, R = never>() {
  return <const N extends string>(definition: { name: N; kind: MessageDefinition['kind']; validate: (body: unknown) => Validated<T> }): MessageDefinition<N, T, R> => {
    const version = Number(/\.v(\d+)$/.exec(definition.name)?.[1]);
    if (!Number.isSafeInteger(version)) throw new Error(`message ${definition.name} must end in .v<version>`);
    return { ...definition, subject: subject(definition.name), version };
  };
}

/** A command or query validated strictly (see `validatePayload`). */
export function strictly<T extends object>(cls: new () => T): (body: unknown) => Validated<T> {
  return (body) => validatePayload(cls, body);
}

/**
 * An event body validated against `cls`: every declared field checked (nested ones too), unknown
 * properties kept as they are (a newer publisher's additions). Returns a `validation_failed`
 * refusal naming the first offending field instead of throwing.
 */
export function validateEvent<T extends object>(cls: new () => T, plain: unknown, path = ''): Validated<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, refusal: { code: 'validation_failed', detail: `${path || 'body'} must be a JSON object`, ...(path ? { field: path } : {}) } };
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, { forbidUnknownValues: false });
  if (errors.length === 0) return { ok: true, value: instance };
  const first = firstConstraint(errors[0], path);
  return { ok: false, refusal: { code: 'validation_failed', detail: first.message, field: first.field } };
}

/** `validateEvent` as a body validator. */
export function leniently<T extends object>(cls: new () => T): (body: unknown) => Validated<T> {
  return (body) => validateEvent(cls, body);
}

function firstConstraint(error: ValidationError, parent: string): { field: string; message: string } {
  const field = parent ? `${parent}.${error.property}` : error.property;
  if (error.constraints) return { field, message: Object.values(error.constraints)[0] ?? `${field} is invalid` };
  const child = error.children?.[0];
  return child ? firstConstraint(child, field) : { field, message: `${field} is invalid` };
}

/** Property decorator: the field may be null (then nothing else is checked); it must be present. */
export function Nullable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== null);
}

/**
 * Property decorator: an ISO-8601 time, rewritten to the canonical UTC form of `toISOString()`
 * (`2025-03-01T12:00:00.000Z`) so read models and ids built from it compare equal.
 */
export function IsoTime(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' && value.length <= 64 && !Number.isNaN(Date.parse(value)) ? new Date(Date.parse(value)).toISOString() : value))(target, property);
    IsISO8601({}, { message: `${String(property)} must be an ISO-8601 time` })(target, property);
  };
}

/** Property decorator: a lower-case ISO 4217 currency (`usd`), lower-cased first (Stripe writes it lower case). */
export function Currency(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))(target, property);
    Matches(/^[a-z]{3}$/, { message: `${String(property)} must be an ISO 4217 code` })(target, property);
  };
}

/** Property decorator: a safe integer of at least `min` (credits and minor units are integers). */
export function IntegerAtLeast(min: number): PropertyDecorator {
  return ValidateBy({
    name: 'integerAtLeast',
    constraints: [min],
    validator: {
      validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min,
      defaultMessage: (args) => `${args?.property ?? 'value'} must be a whole number >= ${min}`,
    },
  });
}

/** Property decorator: a nested object (`list`: a list of them), each validated as `cls`. */
export function Nested(cls: () => new () => object, list = false): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Type(cls)(target, property);
    (list ? IsArray({ message: `${String(property)} must be a list` }) : IsObject({ message: `${String(property)} must be an object` }))(target, property);
    ValidateNested({ each: list })(target, property);
  };
}
