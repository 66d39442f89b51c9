import { CreditsConsumedV1, CreditsPurchasedV1, LedgerEvent, LedgerEventSchemaVersions } from '@credit-hub/contracts';

/**
 * Reading a `LedgerEventEnvelope` off the wire. The stream is the ledger's published format, but a
 * read model must not trust it blindly: a field of the wrong type would poison a daily total for
 * good. Only the fields this service reads are checked.
 */

/** A ledger event this service understands, with its event id (the inbox key). */
export type KnownLedgerEvent = Extract<LedgerEvent, { type: 'CreditsConsumed' | 'CreditsPurchased' }> & { eventId: string };

/** What a message body turned out to be. */
export type ParsedLedgerEvent =
  | { kind: 'known'; event: KnownLedgerEvent }
  /** A well-formed envelope of a type (or schema version) this service does not read. */
  | { kind: 'unknown'; eventId: string; type: string; schemaVersion: unknown };

/** Raised when a message is not a ledger event envelope or a known event's data is malformed. */
export class MalformedLedgerEventError extends Error {
  override name = 'MalformedLedgerEventError';
}

/** Longest event id accepted (the inbox key); the ledger's are UUIDs. */
const eventIdLengthMax = 200;

/** Parses a decoded message body. Throws `MalformedLedgerEventError` when it cannot be trusted. */
export function parseLedgerEvent(body: unknown): ParsedLedgerEvent {
  const envelope = record(body, 'envelope');
  const eventId = text(envelope, 'eventId', eventIdLengthMax);
  const type = text(envelope, 'type', 100);
  const schemaVersion = envelope['schemaVersion'];
  if (type === 'CreditsConsumed' && schemaVersion === LedgerEventSchemaVersions.CreditsConsumed) {
    return { kind: 'known', event: { eventId, type, data: consumed(record(envelope['data'], 'data')) } };
  }
  if (type === 'CreditsPurchased' && schemaVersion === LedgerEventSchemaVersions.CreditsPurchased) {
    return { kind: 'known', event: { eventId, type, data: purchased(record(envelope['data'], 'data')) } };
  }
  return { kind: 'unknown', eventId, type, schemaVersion };
}

function consumed(data: Record<string, unknown>): CreditsConsumedV1 {
  text(data, 'domain', 253);
  text(data, 'actionType', 64);
  positiveInteger(data, 'credits');
  timestamp(data, 'consumedAt');
  return data as unknown as CreditsConsumedV1;
}

function purchased(data: Record<string, unknown>): CreditsPurchasedV1 {
  text(data, 'domain', 253);
  positiveInteger(data, 'credits');
  if (!Number.isSafeInteger(data['amountMinor']) || (data['amountMinor'] as number) < 0) fail('data.amountMinor', 'an integer >= 0');
  if (typeof data['currency'] !== 'string' || !/^[A-Za-z]{3}$/.test(data['currency'])) fail('data.currency', 'an ISO 4217 code');
  timestamp(data, 'purchasedAt');
  return data as unknown as CreditsPurchasedV1;
}

/** The UTC calendar day (`YYYY-MM-DD`) of an ISO-8601 time already checked by `parseLedgerEvent`. */
export function utcDay(isoTime: string): string {
  return new Date(Date.parse(isoTime)).toISOString().slice(0, 10);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(what, 'a JSON object');
  return value as Record<string, unknown>;
}

function text(object: Record<string, unknown>, field: string, lengthMax: number): string {
  const value = object[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > lengthMax) fail(field, `a string of 1-${lengthMax} characters`);
  return value as string;
}

function positiveInteger(object: Record<string, unknown>, field: string): void {
  const value = object[field];
  if (!Number.isSafeInteger(value) || (value as number) <= 0) fail(`data.${field}`, 'a whole number > 0');
}

function timestamp(object: Record<string, unknown>, field: string): void {
  const value = object[field];
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) fail(`data.${field}`, 'an ISO-8601 time');
}

function fail(field: string, expected: string): never {
  throw new MalformedLedgerEventError(`${field} must be ${expected}`);
}
