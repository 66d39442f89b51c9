// Typed reads from a parsed form, raising the 400 errors Stripe raises. `prefix` is the bracket name
// of the enclosing object (`line_items[0]`), so error `param`s read like Stripe's.
import { emptyParam, invalidInteger, invalidRequest, missingParam, unknownParam } from './errors';
import type { FormObject, FormValue } from './form';

/** True for a parsed nested object (not a string, number or array). */
export function isFormObject(value: FormValue | undefined): value is FormObject {
  return typeof value === 'object' && !Array.isArray(value);
}

/** Bracket name of `key` inside `prefix`: `paramName('line_items[0]', 'quantity')` -> `line_items[0][quantity]`. */
export function paramName(prefix: string | undefined, key: string): string {
  return prefix ? `${prefix}[${key}]` : key;
}

/** Throws 400 `parameter_unknown` for the first key of `params` not in `allowed`. */
export function rejectUnknown(params: FormObject, allowed: ReadonlySet<string>, prefix?: string): void {
  const unknown = Object.keys(params).find((key) => !allowed.has(key));
  if (unknown !== undefined) throw unknownParam(paramName(prefix, unknown));
}

/** A string param; `undefined` when absent or sent empty (Stripe reads `''` as "unset"). */
export function readString(params: FormObject, key: string, prefix?: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'object') throw invalidRequest(`Invalid string: ${paramName(prefix, key)} must be a string.`, { param: paramName(prefix, key) });
  return String(value);
}

/** A required string param: 400 `parameter_missing` when absent, `parameter_invalid_empty` when `''`. */
export function requireString(params: FormObject, key: string, prefix?: string): string {
  if (params[key] === '') throw emptyParam(paramName(prefix, key));
  const value = readString(params, key, prefix);
  if (value === undefined) throw missingParam(paramName(prefix, key));
  return value;
}

/** An integer param at least `min`; `undefined` when absent or `''`. */
export function readInt(params: FormObject, key: string, prefix?: string, min = 0): number | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  const param = paramName(prefix, key);
  if (typeof value === 'object') throw invalidRequest(`Invalid integer: ${param} must be an integer.`, { param });
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number) || (typeof value === 'string' && !/^-?\d+$/.test(value))) {
    throw invalidInteger(param, String(value));
  }
  if (number < min) throw invalidRequest(`This value must be greater than or equal to ${min}.`, { param });
  return number;
}

/** A required integer param at least `min`. */
export function requireInt(params: FormObject, key: string, prefix?: string, min = 0): number {
  const value = readInt(params, key, prefix, min);
  if (value === undefined) throw missingParam(paramName(prefix, key));
  return value;
}

/** A nested object param; `undefined` when absent or `''`. */
export function readObject(params: FormObject, key: string, prefix?: string): FormObject | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (!isFormObject(value)) throw invalidRequest(`Invalid object: ${paramName(prefix, key)} must be an object.`, { param: paramName(prefix, key) });
  return value;
}

/** An array param (`x[0]=..` or `x[]=..`); `undefined` when absent or `''`. */
export function readArray(params: FormObject, key: string, prefix?: string): FormValue[] | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value)) throw invalidRequest(`Invalid array: ${paramName(prefix, key)} must be an array.`, { param: paramName(prefix, key) });
  return value;
}

/** An array of strings (e.g. `expand[]`); `[]` when absent. */
export function readStringList(params: FormObject, key: string, prefix?: string): string[] {
  const list = readArray(params, key, prefix) ?? [];
  return list.map((item, index) => {
    if (typeof item === 'object') throw invalidRequest(`Invalid string: ${paramName(prefix, key)}[${index}] must be a string.`, { param: `${paramName(prefix, key)}[${index}]` });
    return String(item);
  });
}

const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

/**
 * A `metadata` param as Stripe stores it: string keys and values, empty values dropped,
 * at most 50 keys, keys up to 40 characters, values up to 500. `{}` when absent.
 */
export function readMetadata(params: FormObject, key = 'metadata', prefix?: string): Record<string, string> {
  const raw = readObject(params, key, prefix) ?? {};
  const param = paramName(prefix, key);
  const entries = Object.entries(raw).map(([name, value]): [string, string] => {
    if (typeof value === 'object') throw invalidRequest(`Invalid metadata: ${param}[${name}] must be a string.`, { param });
    if (name.length > METADATA_LIMITS.keyLength) throw invalidRequest(`Metadata keys can have up to 40 characters.`, { param });
    if (String(value).length > METADATA_LIMITS.valueLength) throw invalidRequest(`Metadata values can have up to 500 characters.`, { param });
    return [name, String(value)];
  });
  if (entries.length > METADATA_LIMITS.keys) throw invalidRequest(`You can specify up to 50 metadata keys.`, { param });
  return Object.fromEntries(entries.filter(([, value]) => value !== ''));
}

/** A boolean param (`true` / `false`, as the SDK sends booleans); `undefined` when absent or `''`. */
export function readBoolean(params: FormObject, key: string, prefix?: string): boolean | undefined {
  const value = readString(params, key, prefix);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw invalidRequest(`Invalid boolean: ${value}`, { code: 'parameter_invalid_boolean', param: paramName(prefix, key) });
  }
  return value === 'true';
}

/** A string param that must be one of `allowed`; `undefined` when absent. */
export function readEnum<T extends string>(params: FormObject, key: string, allowed: readonly T[], prefix?: string): T | undefined {
  const value = readString(params, key, prefix);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${paramName(prefix, key)}: must be one of ${allowed.join(', ')}`, { code: 'parameter_invalid_string', param: paramName(prefix, key) });
  }
  return value as T;
}

/**
 * Applies a `metadata` update the way Stripe merges it: keys sent are set, keys sent as `''` are
 * removed, other keys are kept. `metadata=''` (the whole field empty) clears everything.
 */
export function mergeMetadata(current: Record<string, string>, params: FormObject, key = 'metadata'): Record<string, string> {
  if (params[key] === '') return {};
  const raw = readObject(params, key) ?? {};
  const merged = { ...current, ...readMetadata(params, key) };
  for (const [name, value] of Object.entries(raw)) if (value === '') delete merged[name];
  return merged;
}
