import { createHash } from 'node:crypto';
import {
  BillingEventSubjects,
  EntitlementEventSubjects,
  CreditsPurchasedWebhookData,
  LedgerEventSchemaVersions,
  LedgerEventType,
  normalizeDomain,
  normalizeEmail,
  RefundEventSubjects,
  RefundRequestView,
  RefundWebhookData,
  WebhookEventType,
} from '@credit-hub/contracts';

/**
 * Reading the source events of the webhooks off the wire (streams LEDGER, REFUNDS, BILLING).
 * Pure: a message body in, what it means for webhooks out. Only the fields used are checked; a
 * message that cannot be trusted throws `MalformedSourceEventError` (the consumer naks it until
 * its `maxDeliver`, then logs it as poison), so nothing half-read is ever sent to a builder.
 */

/** One event to send to the endpoints of `domain` that subscribed to `type`. */
export interface WebhookEvent {
  /** Idempotency key of the deliveries: one delivery per (endpoint, eventId). */
  eventId: string;
  type: WebhookEventType;
  domain: string;
  /** ISO-8601 time the event happened: the payload's `timestamp`. */
  occurredAt: string;
  data: object;
}

/** A ledger event that takes credits (the low-balance alert's input). */
export interface LedgerDebit {
  eventId: string;
  cause: LedgerEventType;
  email: string;
  /** The domain the credits were spent on; null when the event names only a lot (its seller is looked up). */
  domain: string | null;
  lotId: string | null;
  creditsTaken: number;
  balanceAfter: number;
  occurredAt: string;
}

/** What a LEDGER message means for webhooks. */
export type LedgerNotification =
  | { kind: 'purchase'; lotId: string; event: WebhookEvent }
  | { kind: 'grant'; lotId: string; domain: string }
  | { kind: 'debit'; debit: LedgerDebit }
  | { kind: 'ignored'; eventId: string; type: string };

/** Raised when a message cannot be trusted. */
export class MalformedSourceEventError extends Error {
  override name = 'MalformedSourceEventError';
}

const idLengthMax = 200;

/** Parses a LEDGER envelope. */
export function parseLedgerNotification(body: unknown): LedgerNotification {
  const envelope = record(body, 'envelope');
  const eventId = text(envelope, 'eventId', idLengthMax);
  const type = text(envelope, 'type', 100) as LedgerEventType;
  if (!Object.hasOwn(LedgerEventSchemaVersions, type) || envelope['schemaVersion'] !== LedgerEventSchemaVersions[type]) {
    return { kind: 'ignored', eventId, type };
  }
  const occurredAt = timestamp(envelope, 'occurredAt');
  const data = record(envelope['data'], 'data');
  const debit = (fields: { domain: string | null; lotId: string | null; creditsTaken: number }): LedgerNotification => ({
    kind: 'debit',
    debit: { eventId, cause: type, email: accountEmail(envelope), balanceAfter: integer(data, 'balanceAfter', Number.MIN_SAFE_INTEGER), occurredAt, ...fields },
  });
  switch (type) {
    case 'CreditsPurchased':
      return { kind: 'purchase', lotId: text(data, 'lotId', idLengthMax), event: purchased(eventId, data) };
    case 'CreditsGranted':
      return { kind: 'grant', lotId: text(data, 'lotId', idLengthMax), domain: normalizeDomain(text(data, 'domain', 253)) };
    case 'CreditsConsumed':
    case 'ReservationCaptured':
      return debit({ domain: normalizeDomain(text(data, 'domain', 253)), lotId: null, creditsTaken: integer(data, 'credits', 0) });
    case 'CreditsExpired':
    case 'PurchaseRefunded':
      return debit({ domain: null, lotId: text(data, 'lotId', idLengthMax), creditsTaken: integer(data, 'credits', 0) });
    case 'CreditsClawedBack':
      // The used credits taken back (`owedCredits`) lower the balance too, below zero.
      return debit({ domain: null, lotId: text(data, 'lotId', idLengthMax), creditsTaken: integer(data, 'credits', 0) + integer(data, 'owedCredits', 0) });
    // Credits that come back or are held, and account states, never lower the balance.
    case 'CreditsReserved':
    case 'ReservationReleased':
    case 'ConsumptionRefunded':
    case 'PurchaseRefundReverted':
    case 'AccountFrozen':
    case 'AccountUnfrozen':
    case 'PlanCreditsSuspended':
    case 'PlanCreditsResumed':
    case 'PlanCreditsEnded':
      return { kind: 'ignored', eventId, type };
    default: {
      const unreachable: never = type;
      throw new Error(`unhandled ledger event type ${String(unreachable)}`);
    }
  }
}

function purchased(eventId: string, data: Record<string, unknown>): WebhookEvent {
  const view: CreditsPurchasedWebhookData = {
    eventId,
    email: normalizeEmail(text(data, 'email', 254)),
    domain: normalizeDomain(text(data, 'domain', 253)),
    lotId: text(data, 'lotId', idLengthMax),
    offeringId: text(data, 'offeringId', idLengthMax),
    credits: integer(data, 'credits', 1),
    amountMinor: integer(data, 'amountMinor', 0),
    currency: text(data, 'currency', 3).toLowerCase(),
    checkoutSessionId: text(data, 'checkoutSessionId', idLengthMax),
    purchasedAt: timestamp(data, 'purchasedAt'),
  };
  return { eventId, type: 'credits.purchased', domain: view.domain, occurredAt: view.purchasedAt, data: view };
}

/** The customer of a ledger event: its stream is `account-<email>`. */
function accountEmail(envelope: Record<string, unknown>): string {
  const streamId = text(envelope, 'streamId', 300);
  if (!streamId.startsWith('account-') || streamId.length === 'account-'.length) fail('streamId', 'account-<email>');
  return streamId.slice('account-'.length);
}

/** Parses a REFUNDS message: `refund.requested` / `refund.completed`, or null for the other refund events. */
export function parseRefundNotification(subject: string, body: unknown): WebhookEvent | null {
  const type: WebhookEventType | null =
    subject === RefundEventSubjects.refundRequested ? 'refund.requested' : subject === RefundEventSubjects.refundCompleted ? 'refund.completed' : null;
  if (type === null) return null;
  const event = record(body, 'event');
  const eventId = text(event, 'eventId', idLengthMax);
  const request = record(event['request'], 'request');
  const domain = normalizeDomain(text(request, 'domain', 253));
  const data: RefundWebhookData = { eventId, refund: request as unknown as RefundRequestView };
  return { eventId, type, domain, occurredAt: timestamp(event, 'occurredAt'), data };
}

const billingTypes: ReadonlyMap<string, WebhookEventType> = new Map([
  [BillingEventSubjects.trialWillEnd, 'subscription.trial_will_end'],
  [BillingEventSubjects.disputeOpened, 'dispute.opened'],
  [BillingEventSubjects.paymentFailed, 'payment.failed'],
]);

/**
 * Parses a BILLING message (`TrialWillEndV1`, `DisputeOpenedV1`, `PaymentFailedV1`); null for the
 * other billing events. Only what routing needs is required, `domain`, so a field billing adds
 * later passes through. The event id is the message id (billing's `Nats-Msg-Id`: the Stripe event
 * id, or `<stripe event id>:<suffix>`) unless the body carries an `eventId`; the time is the
 * body's `at`, else `receivedAt`. `data` is the body as billing published it, plus `eventId`.
 */
export function parseBillingNotification(subject: string, body: unknown, messageId: string, receivedAt: string): WebhookEvent | null {
  const type = billingTypes.get(subject);
  if (type === undefined) return null;
  const event = record(body, 'event');
  const domain = normalizeDomain(text(event, 'domain', 253));
  const eventId = optionalText(event, 'eventId') ?? messageId;
  if (eventId.length === 0 || eventId.length > idLengthMax) fail('eventId', `a string of 1-${idLengthMax} characters`);
  const occurredAt = event['at'] === undefined ? receivedAt : timestamp(event, 'at');
  return { eventId, type, domain, occurredAt, data: { eventId, ...event } };
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

function optionalText(object: Record<string, unknown>, field: string): string | undefined {
  const value = object[field];
  return value === undefined || value === null ? undefined : text(object, field, idLengthMax);
}

function integer(object: Record<string, unknown>, field: string, min: number): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) fail(field, `a whole number >= ${min}`);
  return value as number;
}

function timestamp(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value.length > 64 || Number.isNaN(Date.parse(value))) fail(field, 'an ISO-8601 time');
  return new Date(Date.parse(value as string)).toISOString();
}

function fail(field: string, expected: string): never {
  throw new MalformedSourceEventError(`${field} must be ${expected}`);
}

/**
 * Parses an ENTITLEMENTS message (`EntitlementsChangedV1`: a customer's plan, status or caps on a
 * domain changed) into `entitlements.changed`; null for any other subject. Only `domain` and `at`
 * are required; `data` is the body as billing published it, plus `eventId`. The event id is the
 * message id (`entitlements:<domain>:<email>:<version>`), or its SHA-256 when longer than ids may be.
 */
export function parseEntitlementNotification(subject: string, body: unknown, messageId: string, receivedAt: string): WebhookEvent | null {
  if (subject !== EntitlementEventSubjects.changed) return null;
  const event = record(body, 'event');
  const domain = normalizeDomain(text(event, 'domain', 253));
  if (messageId.length === 0) fail('messageId', 'a non-empty string');
  const eventId = messageId.length <= idLengthMax ? messageId : `entitlements:${createHash('sha256').update(messageId).digest('hex')}`;
  const occurredAt = event['at'] === undefined ? receivedAt : timestamp(event, 'at');
  return { eventId, type: 'entitlements.changed', domain, occurredAt, data: { eventId, ...event } };
}
