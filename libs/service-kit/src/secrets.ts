import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { registerDecorator, ValidationArguments } from 'class-validator';

/**
 * Secrets in configuration: which settings are secret, where their values come from (the variable
 * or a file named by `<NAME>_FILE`, the convention of Docker and Kubernetes secrets), and which
 * values are refused at boot because they are public: former defaults and placeholders written in
 * this repository, values too short or too uniform to be random. A refusal names the variable and
 * never the value.
 */

/**
 * Values that were written in this repository as defaults, examples or test constants of a
 * secret (so anyone can read them). Refused for every secret, as are their SHA-256 hashes where a
 * setting holds hashes (OPERATOR_API_KEYS). `secrets.unit.spec.ts` scans the repository's files
 * and fails when a committed secret-like value is not refused.
 */
export const publicSecretValues: readonly string[] = [
  'dev-only-portal-token-secret-change-me-0123456789', // PORTAL_TOKEN_SECRET's former default
  'whsec_local_standin_secret', // STRIPE_WEBHOOK_SECRET's former default (and the stand-in's own)
  'sk_test_local_standin', // STRIPE_SECRET_KEY's former default
  'whsec_billing_test_secret',
  'CHANGE_ME',
  'CHANGE_ME_at_least_32_characters_random',
  'sk_live_CHANGE_ME',
  'whsec_CHANGE_ME',
  'pCHANGEME1', 'pCHANGEME2', 'pCHANGEME3', 'pCHANGEME4', 'pCHANGEME5', 'pCHANGEME6',
  'another-secret-of-at-least-32-characters!',
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', // the Standard Webhooks example secret (our OpenAPI example too)
  '',
];

/** Words that mark a placeholder rather than a generated secret. */
const placeholderPattern = /change[-_ ]?me|placeholder|example|dev[-_]only|standin|not[-_]a[-_]secret|replace[-_]?me|your[-_]?secret|secret[-_]here|xxxxxx/i;

/**
 * Fewest distinct characters the random part of a secret may have (`aaaa…`, `0101…` are not
 * random): one per 4 characters, at most 10. A random hex value of n characters has fewer only
 * with a probability below 1e-7 (16 characters: fewer than 4 distinct, ~1e-9), so a generated value
 * is never refused; a fixed 10 refused a quarter of 16-character hex values (`openssl rand -hex 8`).
 */
/** The mode prefix of a Stripe secret or restricted key, not part of its random value. */
const stripeKeyPrefix = /^(?:sk|rk)_(?:test|live)_/;

function distinctCharactersMin(length: number): number {
  return Math.min(10, Math.ceil(length / 4));
}

/** How a secret setting is checked; see `IsSecret`. */
export interface SecretRules {
  /** Shortest accepted value, prefix included; default 32. */
  lengthMin?: number;
  /** A prefix the value must start with (`whsec_`, `sk_`); the rest must still be random. */
  prefix?: string;
  /** The value is a comma-separated list of SHA-256 hex hashes (of keys held elsewhere), not a secret itself. */
  hashList?: boolean;
}

const publicHashes = new Set(publicSecretValues.map((value) => sha256Hex(value)));
const publicValues = new Set(publicSecretValues.map((value) => value.toLowerCase()));

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Why `value` cannot be the secret `name`, or undefined when it can. The answer names the variable
 * and the rule, never the value (it ends up in a boot message and a log).
 */
export function secretProblem(name: string, value: unknown, rules: SecretRules = {}): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `${name} is not set: give it in ${name} or in a file named by ${name}_FILE`;
  // Surrounding whitespace (a second newline in a secret file, a stray space) does not make a published value new.
  if (publicValues.has(value.trim().toLowerCase())) return `${name} is a value published in the repository (a former default or an example); generate your own`;
  if (placeholderPattern.test(value)) return `${name} is a placeholder; generate a random value`;
  if (rules.hashList) {
    const hashes = value.split(',').map((hash) => hash.trim().toLowerCase()).filter((hash) => hash !== '');
    if (hashes.some((hash) => publicHashes.has(hash))) return `${name} holds the hash of a value published in the repository; hash a key of your own`;
    return undefined;
  }
  const lengthMin = rules.lengthMin ?? 32;
  if (rules.prefix !== undefined && !value.startsWith(rules.prefix)) return `${name} must start with ${rules.prefix}`;
  if (value.length < lengthMin) return `${name} must be at least ${lengthMin} characters`;
  // The part that must be random: after the rule's prefix, and after a Stripe key's mode prefix (`sk_live_`).
  const randomPart = value.slice(rules.prefix?.length ?? 0).replace(stripeKeyPrefix, '');
  const distinctMin = distinctCharactersMin(randomPart.length);
  if (new Set(randomPart).size < distinctMin) return `${name} is not random enough (fewer than ${distinctMin} distinct characters)`;
  return undefined;
}

/** Secret property names per config class (prototype chain walked by `secretSettingsOf`). */
const secretSettings = new WeakMap<object, Set<string>>();

/**
 * class-validator decorator of a secret setting: checked by `secretProblem` (a missing value is
 * refused unless the property is also `@IsOptional()`), its value never printed by
 * `validateEnvironment`, and readable from the file named by `<NAME>_FILE`.
 */
export function IsSecret(rules: SecretRules = {}): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    const name = String(propertyKey);
    const names = secretSettings.get(target) ?? new Set<string>();
    names.add(name);
    secretSettings.set(target, names);
    registerDecorator({
      name: 'isSecret',
      target: target.constructor,
      propertyName: name,
      validator: {
        validate: (value: unknown) => secretProblem(name, value, rules) === undefined,
        defaultMessage: (args?: ValidationArguments) => secretProblem(name, args?.value, rules) ?? `${name} is refused`,
      },
    });
  };
}

/** The secret settings of a config class (its own and inherited). */
export function secretSettingsOf(cls: new () => object): Set<string> {
  const names = new Set<string>();
  for (let proto: object | null = cls.prototype as object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of secretSettings.get(proto) ?? []) names.add(name);
  }
  return names;
}

/** Raised when a secret's `_FILE` cannot be used; the message names the variable, never a value. */
export class SecretFileError extends Error {
  override name = 'SecretFileError';
}

/**
 * A secret's value from `env[name]`, or from the file named by `env[name + '_FILE']` (one trailing
 * newline dropped); undefined when neither is set. Both set, or an unreadable file: SecretFileError.
 */
export function readSecretSetting(env: Record<string, unknown>, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  const hasDirect = typeof direct === 'string' && direct !== '';
  if (typeof file !== 'string' || file === '') return hasDirect ? (direct as string) : undefined;
  if (hasDirect) throw new SecretFileError(`${name} and ${name}_FILE are both set; set one of them`);
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new SecretFileError(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A connection URL's password (`scheme://user:password@host…`), or undefined when it carries none. */
export function urlPassword(value: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:([^@/\s]*)@/i.exec(value);
  return match ? decodeURIComponentSafe(match[1] as string) : undefined;
}

/** `value` with any URL password replaced by `***`, for messages. */
export function withoutUrlPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)[^@/\s]*@/i, '$1***@');
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Why a URL's password is refused (a placeholder or a published value), or undefined. A URL
 * without a password (trust or certificate authentication) passes.
 */
export function urlPasswordProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const password = urlPassword(value);
  if (password === undefined) return undefined;
  if (publicValues.has(password.toLowerCase()) || placeholderPattern.test(password)) return `${name} carries a placeholder password; use the role's real password`;
  return undefined;
}
