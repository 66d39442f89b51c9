import Ajv, { type ValidateFunction } from 'ajv';
import { consumeBatchSizeMax, emailHasControlCharacter, Limits, normalizeEmail } from '@credit-hub/contracts';
import { isEmail } from 'class-validator';
import { ConsumeBatchRequest, BalanceRequest, ConsumeCreditsRequest } from '../portfolio/credits.dto';
import { CaptureReservationRequest, ReleaseReservationRequest, ReservationPath, ReserveCreditsRequest } from '../portfolio/credit-ledger.dto';

/**
 * JSON schemas of the hot credit routes' inputs, compiled once by ajv: the fast path of the
 * gateway's validation. A schema accepts a subset of what the DTO's class-validator rules accept
 * (the same bounds, patterns and email rule; no unknown property; optional fields absent rather
 * than null), never more: an input it accepts is turned into the DTO without class-transformer
 * and class-validator; an input it refuses goes to the class-validator pipe, whose answer (code,
 * field, detail) is the one clients see. So the answers are those of the class-validator rules
 * by construction; only the cost of a valid request changes.
 *
 * Lengths count UTF-16 code units (ajv `unicode: false`), as class-validator's `Length` does.
 */
const ajv = new Ajv({ allErrors: false, unicode: false, strict: true, coerceTypes: false, useDefaults: false, removeAdditional: false });

/** `email` as EmailField checks it: a string whose normalised form (normalizeEmail) has no control character, fits the bound and is an email address (class-validator's isEmail). */
ajv.addKeyword({
  keyword: 'customerEmail',
  type: 'string',
  schemaType: 'boolean',
  errors: false,
  validate: (_schema: boolean, value: string) => {
    const normalized = normalizeEmail(value);
    return !emailHasControlCharacter(normalized) && normalized.length <= Limits.emailLengthMax && isEmail(normalized, {});
  },
});

const email = { type: 'string', customerEmail: true };
const domain = { type: 'string', minLength: 1, maxLength: Limits.domainLengthMax, pattern: '^[a-zA-Z0-9.-]+$' };
const referenceId = { type: 'string', minLength: 1, maxLength: Limits.referenceIdLengthMax };
const actionType = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' };
const creditsMax = Limits.creditsPerCommandMax;
const ttlSecondsMax = 7 * 24 * 3600;

const closed = (properties: Record<string, object>, required: string[]) => ({ type: 'object', properties, required, additionalProperties: false });

const consumeSchema = closed({ email, domain, deltaCredits: { type: 'integer', minimum: -creditsMax, maximum: -1 }, actionType, referenceId }, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']);

/** A DTO class and how a value its schema accepted becomes the DTO: the fields the class-transformer rules would change (email normalised). */
interface CompiledInput {
  validate: ValidateFunction;
  emailFields: readonly string[];
}

const compiled = new Map<Function, CompiledInput>([
  [ConsumeCreditsRequest, { validate: ajv.compile(consumeSchema), emailFields: ['email'] }],
  [ConsumeBatchRequest, { validate: ajv.compile(closed({ items: { type: 'array', minItems: 1, maxItems: consumeBatchSizeMax, items: { type: 'object' } } }, ['items'])), emailFields: [] }],
  [BalanceRequest, { validate: ajv.compile(closed({ email, domain }, ['email'])), emailFields: ['email'] }],
  [ReserveCreditsRequest, {
    validate: ajv.compile(closed({ email, domain, credits: { type: 'integer', minimum: 1, maximum: creditsMax }, referenceId, ttlSeconds: { type: 'integer', minimum: 1, maximum: ttlSecondsMax } }, ['email', 'domain', 'credits', 'referenceId', 'ttlSeconds'])),
    emailFields: ['email'],
  }],
  [CaptureReservationRequest, { validate: ajv.compile(closed({ email, domain, credits: { type: 'integer', minimum: 0, maximum: creditsMax }, actionType }, ['email', 'domain', 'credits'])), emailFields: ['email'] }],
  [ReleaseReservationRequest, { validate: ajv.compile(closed({ email, domain }, ['email', 'domain'])), emailFields: ['email'] }],
  [ReservationPath, { validate: ajv.compile(closed({ reservationId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,200}$' } }, ['reservationId'])), emailFields: [] }],
]);

/**
 * The DTO instance for `value` when the compiled schema of `metatype` accepts it (email fields
 * normalised, as EmailField's transform does); undefined when `metatype` has no compiled schema
 * or the schema refuses the value (then the class-validator pipe decides and words the answer).
 */
export function compiledInput<T extends object>(metatype: (new () => T) | Function | undefined, value: unknown): T | undefined {
  const input = metatype && compiled.get(metatype);
  if (!input || !input.validate(value)) return undefined;
  const instance = new (metatype as new () => T)() as Record<string, unknown>;
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) instance[name] = field;
  for (const name of input.emailFields) instance[name] = normalizeEmail(instance[name] as string);
  return instance as T;
}

/** Whether the compiled schema of `metatype` exists (tests: every hot DTO has one). */
export function hasCompiledInput(metatype: Function): boolean {
  return compiled.has(metatype);
}
