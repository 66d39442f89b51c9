// Request plumbing shared by the route modules: the form body of /v1 POSTs, query strings, `expand[]`,
// the JSON (or form) bodies of the /test helpers, and the `event.request` of API-caused events.
import { invalidRequest } from './errors';
import type { EventRequest } from './events';
import type { FormObject } from './form';
import { parseFormEncoded } from './form';
import { mediaType } from './http-io';
import { stripeId } from './objects';
import { readStringList, rejectUnknown } from './params';
import type { RequestContext } from './router';
import { headerValue } from './router';
import type { StandinState } from './state';

/** The form-encoded body of a /v1 POST or DELETE (the only body type the Stripe API accepts). */
export function formBody(context: RequestContext): FormObject {
  const type = mediaType(context.request);
  if (context.rawBody !== '' && type !== 'application/x-www-form-urlencoded') {
    throw invalidRequest(`Invalid request: the Stripe API takes application/x-www-form-urlencoded bodies, not '${type || 'no content type'}'.`);
  }
  return parseFormEncoded(context.rawBody);
}

/** The form body with any param outside `allowed` rejected as Stripe does. */
export function formParams(context: RequestContext, allowed: ReadonlySet<string>): FormObject {
  const params = formBody(context);
  rejectUnknown(params, allowed);
  return params;
}

/** The query string, parsed, with any param outside `allowed` rejected as Stripe does. */
export function queryParams(context: RequestContext, allowed: readonly string[]): FormObject {
  const query = parseFormEncoded(context.query);
  rejectUnknown(query, new Set(allowed));
  return query;
}

/** `expand[]` entries (after stripping `prefix`, e.g. `data.` on lists); unknown ones are a 400. */
export function readExpand(params: FormObject, expandable: ReadonlySet<string>, prefix: string): string[] {
  return readStringList(params, 'expand').map((path) => {
    const field = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    if (!expandable.has(field)) throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    return field;
  });
}

/** `event.request` for events caused by this API request: a request id and its `Idempotency-Key`. */
export function eventRequest(context: RequestContext): EventRequest {
  return { id: stripeId('req_', 14), idempotency_key: headerValue(context.request, 'idempotency-key') ?? null };
}

/** A parsed /test helper body: JSON object fields, or strings from a form post (the hosted pages). */
export type HelperBody = Record<string, unknown>;

/** The body of a /test helper: `{}` when empty, a JSON object, or a form post. Anything else is a 400. */
export function helperBody(context: RequestContext): HelperBody {
  if (context.rawBody.trim() === '') return {};
  if (mediaType(context.request) === 'application/x-www-form-urlencoded') return parseFormEncoded(context.rawBody);
  return parseJsonObject(context.rawBody);
}

/** True when the helper was posted by a browser form (answer with a redirect, not JSON). */
export function isBrowserPost(context: RequestContext): boolean {
  return mediaType(context.request) === 'application/x-www-form-urlencoded' && (headerValue(context.request, 'accept') ?? '').includes('text/html');
}

/** Parses a JSON object body; anything else is a 400. */
export function parseJsonObject(text: string): HelperBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('Invalid request body: expected a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest('Invalid request body: expected a JSON object.');
  }
  return parsed as HelperBody;
}

/** A boolean helper field (JSON boolean, or `'true'`/`'false'` from a form); `fallback` when absent. */
export function helperBoolean(body: HelperBody, key: string, fallback: boolean): boolean {
  const value = body[key];
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidRequest(`\`${key}\` must be a boolean.`, { param: key });
}

/** A non-negative finite number helper field (JSON number or numeric string); `undefined` when absent. */
export function helperNumber(body: HelperBody, key: string): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
    throw invalidRequest(`\`${key}\` must be a non-negative number.`, { param: key });
  }
  return number;
}

/** A positive integer helper field (amounts in minor units); `undefined` when absent. */
export function helperAmount(body: HelperBody, key: string): number | undefined {
  const value = helperNumber(body, key);
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw invalidRequest(`\`${key}\` must be a positive integer (minor units).`, { param: key });
  }
  return value;
}

/** A string helper field; `undefined` when absent, 400 when one of `allowed` is required and it is not. */
export function helperString(body: HelperBody, key: string, allowed?: readonly string[]): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidRequest(`\`${key}\` must be a non-empty string.`, { param: key });
  if (allowed && !allowed.includes(value)) throw invalidRequest(`\`${key}\` must be one of ${allowed.join(', ')}.`, { param: key });
  return value;
}

/** Fields holding an object id that `expand[]` can replace with the object, and where to find it. */
const EXPANDERS: Readonly<Record<string, (state: StandinState) => ReadonlyMap<string, unknown>>> = {
  balance_transaction: (state) => state.balanceTransactions,
  charge: (state) => state.charges,
  customer: (state) => state.customers,
  invoice: (state) => state.invoices,
  latest_charge: (state) => state.charges,
  latest_invoice: (state) => state.invoices,
  payment_intent: (state) => state.paymentIntents,
  subscription: (state) => state.subscriptions,
};

/** The expandable id fields among `fields` (for `readExpand`). */
export function expandable(...fields: (keyof typeof EXPANDERS)[]): ReadonlySet<string> {
  return new Set(fields);
}

/** A shallow copy of `object` with each field in `fields` (an id) replaced by the object it names. */
export function expandObject<T extends object>(state: StandinState, object: T, fields: readonly string[]): T {
  const view: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  for (const field of fields) {
    const id = view[field];
    const lookup = EXPANDERS[field] as ((state: StandinState) => ReadonlyMap<string, unknown>) | undefined;
    if (typeof id === 'string' && lookup) view[field] = lookup(state).get(id) ?? id;
  }
  return view as T;
}
