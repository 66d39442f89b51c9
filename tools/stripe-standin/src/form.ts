// Parser for the `application/x-www-form-urlencoded` bodies and query strings the Stripe SDK sends:
// bracket notation (`a[b][0][c]=v`, `expand[]=x`) becomes nested objects and arrays.
import { invalidInteger, invalidRequest } from './errors';

/** A parsed form value: strings as sent, numbers for the known integer fields, nested objects and arrays. */
export type FormValue = string | number | FormObject | FormValue[];

/** A parsed form object. Keys are own properties (a `__proto__` key cannot reach the prototype). */
export interface FormObject {
  [key: string]: FormValue;
}

/**
 * Leaf keys whose values are integers in the Stripe API (money in minor units, counts, unix seconds).
 * Their string values are converted to numbers; a non-integer value is a 400 `parameter_invalid_integer`.
 * Nothing below a `metadata` key is converted: metadata values are always strings.
 */
const INTEGER_KEYS: ReadonlySet<string> = new Set([
  'amount',
  'unit_amount',
  'quantity',
  'limit',
  'expires_at',
  'created',
  'trial_period_days',
  'interval_count',
  'gt',
  'gte',
  'lt',
  'lte',
]);

/** Deepest bracket nesting accepted (Stripe's deepest params are about 6 levels). */
const MAX_DEPTH = 20;

/** Intermediate tree: a leaf holds the raw string, a branch holds children in arrival order. */
type Node = { leaf: string } | { branch: Map<string, Node> };

interface ParsedName {
  readonly path: readonly string[];
  readonly raw: string;
}

/**
 * Parses a form-encoded string (body or query string, without the leading `?`) into nested values.
 * `a[0][b]=1&a[1][b]=2` gives `{ a: [{ b: '1' }, { b: '2' }] }`; `x[]=1&x[]=2` gives `{ x: ['1', '2'] }`;
 * an object whose keys are all 0, 1, 2, ... becomes an array (except under `metadata`).
 * A repeated scalar keeps the last value. Throws a 400 `StripeApiError` on bad percent-encoding,
 * unbalanced brackets, a name used both as a scalar and as an object, or a bad integer.
 */
export function parseFormEncoded(text: string): FormObject {
  const root = new Map<string, Node>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = parseName(decodeComponent(eq < 0 ? pair : pair.slice(0, eq)));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    insert(root, name, value);
  }
  return finishBranch(root, [], false) as FormObject;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest(`Invalid request: malformed percent-encoding in '${text.slice(0, 60)}'.`);
  }
}

function parseName(raw: string): ParsedName {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(raw);
  if (!match) throw invalidRequest(`Invalid parameter name: '${raw}'.`);
  const rest = [...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]);
  if (rest.length > MAX_DEPTH) throw invalidRequest(`Invalid parameter name: '${raw.slice(0, 60)}...' is nested too deeply.`);
  return { path: [match[1], ...rest], raw };
}

function insert(root: Map<string, Node>, name: ParsedName, value: string): void {
  let branch = root;
  const last = name.path.length - 1;
  for (let depth = 0; depth < last; depth++) {
    branch = childBranch(branch, name.path[depth], name.raw);
  }
  const key = slotKey(branch, name.path[last]);
  const existing = branch.get(key);
  if (existing && 'branch' in existing) throw conflict(name.raw);
  branch.set(key, { leaf: value });
}

/** The branch under `segment`, created when missing; `[]` (empty segment) always appends a new slot. */
function childBranch(branch: Map<string, Node>, segment: string, raw: string): Map<string, Node> {
  const key = slotKey(branch, segment);
  const existing = branch.get(key);
  if (existing && 'leaf' in existing) throw conflict(raw);
  if (existing) return existing.branch;
  const created = new Map<string, Node>();
  branch.set(key, { branch: created });
  return created;
}

function slotKey(branch: Map<string, Node>, segment: string): string {
  return segment === '' ? String(branch.size) : segment;
}

function conflict(raw: string): Error {
  return invalidRequest(`Invalid parameter: '${raw}' is used both as a value and as an object.`, { param: raw });
}

function finishNode(node: Node, path: string[], inMetadata: boolean): FormValue {
  if ('branch' in node) return finishBranch(node.branch, path, inMetadata);
  const key = path[path.length - 1];
  if (inMetadata || !INTEGER_KEYS.has(key) || node.leaf === '') return node.leaf;
  return toInteger(node.leaf, bracketName(path));
}

function finishBranch(branch: Map<string, Node>, path: string[], inMetadata: boolean): FormValue {
  const entries = [...branch.entries()].map(([key, child]): [string, FormValue] => [
    key,
    finishNode(child, [...path, key], inMetadata || key === 'metadata'),
  ]);
  if (!inMetadata && path.length > 0 && isIndexList(entries.map(([key]) => key))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, value]) => value);
  }
  return Object.fromEntries(entries) as FormObject;
}

function isIndexList(keys: string[]): boolean {
  return keys.length > 0 && keys.every((key) => /^(0|[1-9]\d{0,5})$/.test(key));
}

function toInteger(text: string, param: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw invalidInteger(param, text);
  return value;
}

/** `['line_items', '0', 'quantity']` -> `line_items[0][quantity]`, the form Stripe uses in `param`. */
export function bracketName(path: readonly string[]): string {
  return path[0] + path.slice(1).map((segment) => `[${segment}]`).join('');
}
