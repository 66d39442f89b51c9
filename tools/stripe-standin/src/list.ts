// Stripe list endpoints: cursor pagination (`limit`, `starting_after`, `ending_before`) and the
// `created` range filter shared by events and checkout sessions.
import { invalidRequest, noSuchObject } from './errors';
import type { FormObject } from './form';
import type { StripeList } from './objects';
import { isFormObject, readInt, readString } from './params';

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

/**
 * One page of `items` (already in list order, newest first for events and sessions) as a Stripe list.
 * `limit` is 1..100 (default 10); `starting_after` / `ending_before` are ids of items in `items`
 * (400 `resource_missing` otherwise). `objectName` names the object in that error (`event`).
 */
export function paginate<T extends { id: string }>(items: readonly T[], query: FormObject, url: string, objectName: string): StripeList<T> {
  const limit = readInt(query, 'limit', undefined, 1) ?? DEFAULT_LIMIT;
  if (limit > MAX_LIMIT) throw invalidRequest(`Invalid limit: must be between 1 and ${MAX_LIMIT}`, { param: 'limit' });
  const after = readString(query, 'starting_after');
  const before = readString(query, 'ending_before');
  if (after !== undefined && before !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', { param: 'starting_after' });
  }
  if (before !== undefined) {
    const end = indexOf(items, before, 'ending_before', objectName);
    const start = Math.max(0, end - limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const start = after === undefined ? 0 : indexOf(items, after, 'starting_after', objectName) + 1;
  return { object: 'list', data: items.slice(start, start + limit), has_more: start + limit < items.length, url };
}

function indexOf<T extends { id: string }>(items: readonly T[], id: string, param: string, objectName: string): number {
  const index = items.findIndex((item) => item.id === id);
  if (index < 0) throw noSuchObject(objectName, id, param, 400);
  return index;
}

/** A `created` filter: either an exact unix second or a `{ gt, gte, lt, lte }` range. */
export type CreatedFilter = (created: number) => boolean;

/** Reads `created` / `created[gt|gte|lt|lte]` (unix seconds) into a predicate; absent means "any time". */
export function readCreatedFilter(query: FormObject): CreatedFilter {
  const raw = query.created;
  if (raw === undefined || raw === '') return () => true;
  if (!isFormObject(raw)) {
    const exact = readInt(query, 'created');
    return (created) => created === exact;
  }
  const unknown = Object.keys(raw).find((key) => !['gt', 'gte', 'lt', 'lte'].includes(key));
  if (unknown !== undefined) throw invalidRequest(`Received unknown parameter: created[${unknown}]`, { code: 'parameter_unknown', param: `created[${unknown}]` });
  const gt = readInt(raw, 'gt', 'created');
  const gte = readInt(raw, 'gte', 'created');
  const lt = readInt(raw, 'lt', 'created');
  const lte = readInt(raw, 'lte', 'created');
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}

/** Matches an event type against a filter that may end in `*` (`checkout.session.*`), as Stripe's `type` filter does. */
export function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
