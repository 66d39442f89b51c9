import { CreditsConsumedV1, LedgerEventSchemaVersions, LedgerEventType, Limits } from '@credit-hub/contracts';

/**
 * Reading a `LedgerEventEnvelope` off the wire. Refunds keep what they read for months and pay
 * money back from it, so a consumption is checked field by field before it is recorded.
 */

/** A `CreditsConsumed` v1 event with its event id (the inbox key and the row's primary key). */
export interface ConsumedEvent {
  eventId: string;
  data: CreditsConsumedV1;
}

/** A `ConsumptionRefunded` v1 event: what the ledger returned for which refund request. */
export interface ConsumptionRefundEvent {
  eventId: string;
  refundRequestId: string;
  consumptionEventId: string;
  domain: string;
  referenceId: string;
  credits: number;
  refundedAt: string;
}

/** What a message body turned out to be. */
export type ParsedLedgerEvent =
  | { kind: 'consumed'; event: ConsumedEvent }
  | { kind: 'refunded'; event: ConsumptionRefundEvent }
  /** Another ledger event type this service knows of but does not read yet. */
  | { kind: 'other'; eventId: string; type: LedgerEventType }
  /** A type or schema version this service does not know. */
  | { kind: 'unknown'; eventId: string; type: string; schemaVersion: unknown };

/** Raised when a message is not a ledger event envelope or a consumption is malformed. */
export class MalformedLedgerEventError extends Error {
  override name = 'MalformedLedgerEventError';
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Lots one consumption may draw from; a bound on the jsonb we store (far above any real draw). */
const drawsMax = 1000;

/** Parses a decoded message body. Throws `MalformedLedgerEventError` when it cannot be trusted. */
export function parseLedgerEvent(body: unknown): ParsedLedgerEvent {
  const envelope = record(body, 'envelope');
  const eventId = envelope['eventId'];
  if (typeof eventId !== 'string' || !uuidPattern.test(eventId)) fail('eventId', 'a UUID');
  const type = text(envelope, 'type', 100);
  const schemaVersion = envelope['schemaVersion'];
  if (type === 'CreditsConsumed' && schemaVersion === LedgerEventSchemaVersions.CreditsConsumed) {
    return { kind: 'consumed', event: { eventId, data: consumed(record(envelope['data'], 'data')) } };
  }
  if (type === 'ReservationCaptured' && schemaVersion === LedgerEventSchemaVersions.ReservationCaptured) {
    // A capture is a consumption on its domain (the ledger refunds it like one). Its data has no
    // email: the account's stream id names the customer. A capture of 0 credits spent nothing.
    const data = record(envelope['data'], 'data');
    if (data['credits'] === 0) return { kind: 'other', eventId, type };
    const streamId = text(envelope, 'streamId', Limits.emailLengthMax + 8);
    if (!streamId.startsWith('account-')) fail('streamId', 'account-<email>');
    const capturedAt = data['capturedAt'];
    return { kind: 'consumed', event: { eventId, data: consumed({ ...data, email: streamId.slice('account-'.length), consumedAt: capturedAt }) } };
  }
  if (type === 'ConsumptionRefunded' && schemaVersion === LedgerEventSchemaVersions.ConsumptionRefunded) {
    return { kind: 'refunded', event: consumptionRefund(eventId, record(envelope['data'], 'data')) };
  }
  if (Object.hasOwn(LedgerEventSchemaVersions, type) && schemaVersion === LedgerEventSchemaVersions[type as LedgerEventType]) {
    return { kind: 'other', eventId, type: type as LedgerEventType };
  }
  return { kind: 'unknown', eventId, type, schemaVersion };
}

function consumed(data: Record<string, unknown>): CreditsConsumedV1 {
  text(data, 'email', Limits.emailLengthMax);
  text(data, 'domain', Limits.domainLengthMax);
  text(data, 'actionType', Limits.actionTypeLengthMax);
  text(data, 'referenceId', Limits.referenceIdLengthMax);
  const credits = creditCount(data['credits'], 'data.credits');
  if (typeof data['consumedAt'] !== 'string' || Number.isNaN(Date.parse(data['consumedAt']))) fail('data.consumedAt', 'an ISO-8601 time');
  const draws = data['draws'];
  if (!Array.isArray(draws) || draws.length === 0 || draws.length > drawsMax) fail('data.draws', `a list of 1-${drawsMax} lot draws`);
  let drawn = 0;
  for (const [i, draw] of (draws as unknown[]).entries()) {
    const lot = record(draw, `data.draws[${i}]`);
    text(lot, 'lotId', 200);
    drawn += creditCount(lot['credits'], `data.draws[${i}].credits`);
  }
  // Invariant of the ledger: a consumption draws exactly its credits from its lots.
  if (drawn !== credits) fail('data.draws', `credits summing to data.credits (${credits}), not ${drawn}`);
  return data as unknown as CreditsConsumedV1;
}

function consumptionRefund(eventId: string, data: Record<string, unknown>): ConsumptionRefundEvent {
  const consumptionEventId = text(data, 'consumptionEventId', 36);
  if (!uuidPattern.test(consumptionEventId)) fail('data.consumptionEventId', 'a UUID');
  if (typeof data['refundedAt'] !== 'string' || Number.isNaN(Date.parse(data['refundedAt']))) fail('data.refundedAt', 'an ISO-8601 time');
  return {
    eventId,
    refundRequestId: text(data, 'refundRequestId', 200),
    consumptionEventId,
    domain: text(data, 'domain', Limits.domainLengthMax),
    referenceId: text(data, 'referenceId', Limits.referenceIdLengthMax),
    credits: creditCount(data['credits'], 'data.credits'),
    refundedAt: data['refundedAt'] as string,
  };
}

function creditCount(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0 || (value as number) > Limits.creditsPerCommandMax) {
    fail(field, `a whole number of credits in 1-${Limits.creditsPerCommandMax}`);
  }
  return value as number;
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

function fail(field: string, expected: string): never {
  throw new MalformedLedgerEventError(`${field} must be ${expected}`);
}
