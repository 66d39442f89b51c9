import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { MessageHeaders } from '@credit-hub/contracts';

/**
 * The correlation id of the work in progress, carried across HTTP → NATS request/reply →
 * JetStream hops (docs/operations.md, "Correlation ids").
 *
 * On NATS and JetStream messages it travels in the header `X-Correlation-Id`
 * (`MessageHeaders.correlationId`). NATS keeps header keys exactly as written and treats them as
 * case-sensitive (https://docs.nats.io/learn/core-nats/headers, ADR-4), so this spelling is
 * the one written everywhere; readers also accept other spellings (`x-correlation-id` from an
 * HTTP client copied through) so a message is never left uncorrelated for its case.
 */
export const correlationIdHeader = MessageHeaders.correlationId;

/** What a correlation id may be: 1-128 letters, digits or `_.:-` (a UUID fits). */
const correlationIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The per-async-context store: the correlation id and extra log fields (customer, domain…).
 * Opaque to callers; `fields` is replaced (never mutated) by `bindLogFields`.
 */
export interface CorrelationContext {
  readonly correlationId: string;
  fields?: Readonly<Record<string, string>>;
}
type CorrelationStore = CorrelationContext;

const storage = new AsyncLocalStorage<CorrelationStore>();

/**
 * The given value when it is an acceptable correlation id (a string of 1-128 characters from
 * `[A-Za-z0-9_.:-]`), else undefined. Anything else (too long, spaces, newlines, quotes, an
 * array of header values) is never logged nor propagated: the caller makes a fresh id instead.
 */
export function validCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && correlationIdPattern.test(value) ? value : undefined;
}

/** `value` if it is a valid correlation id (see `validCorrelationId`), else a fresh UUID v4. */
export function correlationIdOrNew(value: unknown): string {
  return validCorrelationId(value) ?? randomUUID();
}

/** The correlation id of the current async context, or undefined outside any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/**
 * Runs `fn` with `correlationId` as the current correlation id: every log line, NATS request and
 * outbox row made by `fn` and the async work it starts carries it. The id must already be
 * valid (`correlationIdOrNew`); an invalid one throws TypeError (a programming error).
 * Returns what `fn` returns (a promise stays a promise).
 */
export function runWithCorrelation<T>(correlationId: string, fn: () => T): T {
  if (validCorrelationId(correlationId) === undefined) throw new TypeError('runWithCorrelation: invalid correlation id');
  return storage.run({ correlationId }, fn);
}

/**
 * Runs `fn` in the current correlation context (or a fresh id's, outside any) with `fields` added
 * to every log line it emits (the ledger binds `customer`, `domain`, `referenceId` of a command).
 * Fields of an enclosing context are kept; `fields` wins on a clash. Returns what `fn` returns.
 */
export function runWithLogFields<T>(fields: Record<string, string>, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run({ correlationId: outer?.correlationId ?? randomUUID(), fields: outer?.fields ? { ...outer.fields, ...fields } : fields }, fn);
}

/**
 * Adds `fields` to the current correlation context for the rest of it, including lines its
 * enclosing code logs afterwards (the RPC interceptor's "answered" line carries the ledger's
 * `customer`, `domain`, `referenceId`). Returns false, binding nothing, outside any context.
 * Only for a context that belongs to one unit of work (a NATS request, a JetStream message).
 */
export function bindLogFields(fields: Record<string, string>): boolean {
  const store = storage.getStore();
  if (store === undefined) return false;
  store.fields = store.fields ? { ...store.fields, ...fields } : fields;
  return true;
}

/** The current correlation context (to re-enter later with `runInCorrelationContext`), or undefined. */
export function currentCorrelationContext(): CorrelationContext | undefined {
  return storage.getStore();
}

/** Runs `fn` in a context captured by `currentCorrelationContext` (same id and fields). Returns what `fn` returns. */
export function runInCorrelationContext<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The log fields of the current context: `correlationId` plus any bound fields; undefined outside any. */
export function currentLogFields(): Record<string, string> | undefined {
  const store = storage.getStore();
  if (store === undefined) return undefined;
  return store.fields ? { correlationId: store.correlationId, ...store.fields } : { correlationId: store.correlationId };
}

/**
 * Runs `fn` outside any correlation context: for work done on behalf of many contexts at once
 * (the ledger's group commit of many consumes), whose log lines must not carry the id of the
 * one request that happened to start it. Returns what `fn` returns.
 */
export function runOutsideCorrelation<T>(fn: () => T): T {
  return storage.exit(fn);
}

/**
 * The correlation id in a record of message headers (JetStream message or outbox row): the
 * exact key `X-Correlation-Id` first, then any other spelling of it; undefined when absent or
 * invalid.
 */
export function correlationIdFromHeaders(headers: Record<string, string> | undefined): string | undefined {
  if (!headers) return undefined;
  const exact = headers[correlationIdHeader];
  if (exact !== undefined) return validCorrelationId(exact);
  const lower = correlationIdHeader.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return validCorrelationId(headers[key]);
  return undefined;
}

/**
 * `headers` with the current correlation id added under `X-Correlation-Id` when a context is
 * active and the headers carry none yet (an id set by the caller wins). Returns `headers`
 * itself (possibly undefined) when nothing is added.
 */
export function withCorrelationHeader(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  const id = currentCorrelationId();
  if (id === undefined) return headers;
  if (headers && correlationIdFromHeaders(headers) !== undefined) return headers;
  return { ...headers, [correlationIdHeader]: id };
}
