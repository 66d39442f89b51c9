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
/** What a message is: a command or query (request/reply) or an event (JetStream). */
export type MessageKind = 'command' | 'query' | 'event';

export interface MessageDefinition<N extends string = string, T = unknown, R = unknown, K extends MessageKind = MessageKind> {
  /** The subject without the namespace prefix (`ledger.events.credits-consumed.v1`): the key of `MessageBySubject`. */
  readonly name: N;
  /** The subject as sent on this process' NATS (`HUB_NAMESPACE` prefix, if any). */
  readonly subject: string;
  /** Schema version (the `v<N>` of the subject). */
  readonly version: number;
  readonly kind: K;
  /**
   * Validates an untrusted, JSON-decoded body; never throws on bad input. `read` (events): only
   * those field paths must be valid (a consumer's tolerant read); commands ignore it.
   */
  validate(body: unknown, read?: readonly string[]): Validated<T>;
  /** Type only: the value of an `ok` reply of a command or query (events: never). */
  readonly reply?: R;
}

/** Declares a message; `T` is the body, `R` the reply value of a command or query. */
export function defineMessage<T, R = never>() {
  return <const N extends string, const K extends MessageKind>(definition: { name: N; kind: K; validate: (body: unknown, read?: readonly string[]) => Validated<T> }): MessageDefinition<N, T, R, K> => {
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
 * properties kept as they are (a newer publisher's additions). With `read`, only the errors of
 * those fields count (a consumer reads what it uses: `['eventId', 'data.credits']`; a path names a
 * field and everything below it). Returns a `validation_failed` refusal naming the first offending
 * field instead of throwing. `path`: where the body sits in the message (`data`), for field names.
 */
export function validateEvent<T extends object>(cls: new () => T, plain: unknown, path = '', read?: readonly string[]): Validated<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, refusal: { code: 'validation_failed', detail: `${path || 'body'} must be a JSON object`, ...(path ? { field: path } : {}) } };
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, { forbidUnknownValues: false });
  for (const error of errors) {
    for (const leaf of constraintsOf(error, path)) {
      if (read === undefined || isRead(leaf.field, read)) return { ok: false, refusal: { code: 'validation_failed', detail: leaf.message, field: leaf.field } };
    }
  }
  return { ok: true, value: instance };
}

/**
 * Whether an error at `field` (`data.draws.0.credits`) counts for a consumer that reads `read`:
 * the field is a read path, lies below one, or holds one (`request` must be an object for
 * `request.domain` to be read).
 */
export function isRead(field: string, read: readonly string[]): boolean {
  return read.some((path) => field === path || field.startsWith(`${path}.`) || path.startsWith(`${field}.`));
}

/** `validateEvent` as a body validator. */
export function leniently<T extends object>(cls: new () => T): (body: unknown, read?: readonly string[]) => Validated<T> {
  return (body, read) => validateEvent(cls, body, '', read);
}

/** Every failed constraint under `error`, as field path and message, in declaration order. */
function constraintsOf(error: ValidationError, parent: string): { field: string; message: string }[] {
  const field = parent ? `${parent}.${error.property}` : error.property;
  const own = error.constraints ? [{ field, message: Object.values(error.constraints)[0] ?? `${field} is invalid` }] : [];
  const below = (error.children ?? []).flatMap((child) => constraintsOf(child, field));
  return own.length + below.length > 0 ? [...own, ...below] : [{ field, message: `${field} is invalid` }];
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

/** Field paths of a message, two levels deep (`eventId`, `data`, `data.credits`): what a consumer may `read`. */
export type FieldPath<T> = {
  [K in keyof T & string]: K | (NonNullable<T[K]> extends readonly unknown[] ? never : NonNullable<T[K]> extends object ? `${K}.${keyof NonNullable<T[K]> & string}` : never);
}[keyof T & string];

type Head<P extends string> = P extends `${infer H}.${string}` ? H : P;
type Tail<P extends string, H extends string> = P extends `${H}.${infer R}` ? R : never;

/** The part of `T` the paths `P` name: what a consumer that read only `P` may use. */
export type PickFields<T, P extends string> = {
  [K in keyof T & string as K extends Head<P> ? K : never]: [Tail<P, K>] extends [never] ? T[K] : PickFields<NonNullable<T[K]>, Tail<P, K>>;
};
