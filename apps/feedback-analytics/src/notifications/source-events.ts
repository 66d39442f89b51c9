import { createHash } from 'node:crypto';
import {
  BillingEventSubjects,
  CreditsPurchasedWebhookData,
  EntitlementEventSubjects,
  LedgerEventType,
  ledgerEventTypeOf,
  readLedgerEnvelopeHead,
  RefundEventSubjects,
  RefundRequestView,
  RefundWebhookData,
  WebhookEventType,
} from '@credit-hub/contracts';
import { MalformedMessageError, parseMessage, ParseResult } from '@credit-hub/messaging';

/**
 * What the source events of the webhooks (streams LEDGER, REFUNDS, BILLING, ENTITLEMENTS) mean
 * for webhooks. Pure: a message body in, read by its contract (`parseMessage`, checking the fields
 * used), the webhook event out. A message that cannot be trusted throws `MalformedSourceEventError`
 * (the consumer naks it until its `maxDeliver`, then logs it as poison), so nothing half-read is
 * ever sent to a builder.
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

/** Raised when a message cannot be trusted (its contract refuses a field the webhooks read). */
export class MalformedSourceEventError extends MalformedMessageError {
  override name = 'MalformedSourceEventError';
}

const idLengthMax = 200;

/** The fields each LEDGER event type is read for (a tolerant reader: what the webhooks use is checked). */
const debitHead = ['eventId', 'type', 'streamId', 'occurredAt'] as const;

/** The value of a read, or `MalformedSourceEventError` with the contract's words. */
function trusted<M>(parsed: ParseResult<{ ok: true; message: M }>): M {
  if (!parsed.ok) throw new MalformedSourceEventError(parsed.error);
  return parsed.message;
}

/** Parses a LEDGER envelope by the contract of its type (`type`, `schemaVersion`). */
export function parseLedgerNotification(body: unknown): LedgerNotification {
  const type = ledgerEventTypeOf(body);
  const debit = (envelope: { eventId: string; streamId: string; occurredAt: string; data: { balanceAfter: number } }, fields: { domain: string | null; lotId: string | null; creditsTaken: number }): LedgerNotification => ({
    kind: 'debit',
    debit: { eventId: envelope.eventId, cause: type!, email: envelope.streamId.slice('account-'.length), balanceAfter: envelope.data.balanceAfter, occurredAt: envelope.occurredAt, ...fields },
  });
  switch (type) {
    case 'CreditsPurchased': {
      const event = trusted(parseMessage('ledger.events.credits-purchased.v1', body, [
        'eventId', 'type', 'data.email', 'data.domain', 'data.lotId', 'data.offeringId', 'data.credits', 'data.amountMinor', 'data.currency', 'data.checkoutSessionId', 'data.purchasedAt',
      ]));
      return { kind: 'purchase', lotId: event.data.lotId, event: purchased(event.eventId, event.data) };
    }
    case 'CreditsGranted': {
      const event = trusted(parseMessage('ledger.events.credits-granted.v1', body, ['eventId', 'type', 'data.lotId', 'data.domain']));
      return { kind: 'grant', lotId: event.data.lotId, domain: event.data.domain };
    }
    case 'CreditsConsumed': {
      const event = trusted(parseMessage('ledger.events.credits-consumed.v1', body, [...debitHead, 'data.domain', 'data.credits', 'data.balanceAfter']));
      return debit(event, { domain: event.data.domain, lotId: null, creditsTaken: event.data.credits });
    }
    case 'ReservationCaptured': {
      const event = trusted(parseMessage('ledger.events.reservation-captured.v1', body, [...debitHead, 'data.domain', 'data.credits', 'data.balanceAfter']));
      return debit(event, { domain: event.data.domain, lotId: null, creditsTaken: event.data.credits });
    }
    case 'CreditsExpired': {
      const event = trusted(parseMessage('ledger.events.credits-expired.v1', body, [...debitHead, 'data.lotId', 'data.credits', 'data.balanceAfter']));
      return debit(event, { domain: null, lotId: event.data.lotId, creditsTaken: event.data.credits });
    }
    case 'PurchaseRefunded': {
      const event = trusted(parseMessage('ledger.events.purchase-refunded.v1', body, [...debitHead, 'data.lotId', 'data.credits', 'data.balanceAfter']));
      return debit(event, { domain: null, lotId: event.data.lotId, creditsTaken: event.data.credits });
    }
    case 'CreditsClawedBack': {
      // The used credits taken back (`owedCredits`) lower the balance too, below zero.
      const event = trusted(parseMessage('ledger.events.credits-clawed-back.v1', body, [...debitHead, 'data.lotId', 'data.credits', 'data.owedCredits', 'data.balanceAfter']));
      return debit(event, { domain: null, lotId: event.data.lotId, creditsTaken: event.data.credits + event.data.owedCredits });
    }
    // Credits that come back or are held, and account states, never lower the balance; types or
    // versions this code does not know are not webhooks either. Read for their event id only.
    case 'CreditsReserved':
    case 'ReservationReleased':
    case 'ConsumptionRefunded':
    case 'PurchaseRefundReverted':
    case 'AccountFrozen':
    case 'AccountUnfrozen':
    case 'PlanCreditsSuspended':
    case 'PlanCreditsResumed':
    case 'PlanCreditsEnded':
    case undefined: {
      const head = readLedgerEnvelopeHead(body);
      if (!head.ok) throw new MalformedSourceEventError({ subject: 'ledger.events', reason: 'invalid', detail: head.refusal.detail, ...(head.refusal.field ? { field: head.refusal.field } : {}) });
      return { kind: 'ignored', eventId: head.value.eventId, type: head.value.type };
    }
    default: {
      const unreachable: never = type;
      throw new Error(`unhandled ledger event type ${String(unreachable)}`);
    }
  }
}

function purchased(eventId: string, data: Omit<CreditsPurchasedWebhookData, 'eventId'>): WebhookEvent {
  const view: CreditsPurchasedWebhookData = {
    eventId,
    email: data.email,
    domain: data.domain,
    lotId: data.lotId,
    offeringId: data.offeringId,
    credits: data.credits,
    amountMinor: data.amountMinor,
    currency: data.currency,
    checkoutSessionId: data.checkoutSessionId,
    purchasedAt: data.purchasedAt,
  };
  return { eventId, type: 'credits.purchased', domain: view.domain, occurredAt: view.purchasedAt, data: view };
}

const refundTypes: ReadonlyMap<string, { type: WebhookEventType; name: 'refunds.events.refund-requested.v1' | 'refunds.events.refund-completed.v1' }> = new Map([
  [RefundEventSubjects.refundRequested, { type: 'refund.requested', name: 'refunds.events.refund-requested.v1' }],
  [RefundEventSubjects.refundCompleted, { type: 'refund.completed', name: 'refunds.events.refund-completed.v1' }],
] as const);

/** Parses a REFUNDS message: `refund.requested` / `refund.completed`, or null for the other refund events. */
export function parseRefundNotification(subject: string, body: unknown): WebhookEvent | null {
  const route = refundTypes.get(subject);
  if (route === undefined) return null;
  const event = trusted(parseMessage(route.name, body, ['eventId', 'occurredAt', 'request.domain']));
  const data: RefundWebhookData = { eventId: event.eventId, refund: event.request as RefundRequestView };
  return { eventId: event.eventId, type: route.type, domain: event.request.domain, occurredAt: event.occurredAt, data };
}

const billingTypes: ReadonlyMap<string, { type: WebhookEventType; name: 'billing.events.trial-will-end.v1' | 'billing.events.dispute-opened.v1' | 'billing.events.payment-failed.v1' }> = new Map([
  [BillingEventSubjects.trialWillEnd, { type: 'subscription.trial_will_end', name: 'billing.events.trial-will-end.v1' }],
  [BillingEventSubjects.disputeOpened, { type: 'dispute.opened', name: 'billing.events.dispute-opened.v1' }],
  [BillingEventSubjects.paymentFailed, { type: 'payment.failed', name: 'billing.events.payment-failed.v1' }],
] as const);

/**
 * Parses a BILLING message (`TrialWillEndV1`, `DisputeOpenedV1`, `PaymentFailedV1`); null for the
 * other billing events. Only what routing needs is read, `domain` (and `at` when present), so a
 * field billing adds later passes through. The event id is the message id (billing's
 * `Nats-Msg-Id`: the Stripe event id, or `<stripe event id>:<suffix>`) unless the body carries an
 * `eventId`; the time is the body's `at`, else `receivedAt`. `data` is the body as billing
 * published it, plus `eventId`.
 */
export function parseBillingNotification(subject: string, body: unknown, messageId: string, receivedAt: string): WebhookEvent | null {
  const route = billingTypes.get(subject);
  if (route === undefined) return null;
  const event = trusted(parseMessage(route.name, body, hasTime(body) ? ['domain', 'at'] : ['domain']));
  const published = body as Record<string, unknown>;
  const eventId = published['eventId'] === undefined || published['eventId'] === null ? messageId : published['eventId'];
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > idLengthMax) {
    throw new MalformedSourceEventError({ subject, reason: 'invalid', field: 'eventId', detail: `eventId must be a string of 1-${idLengthMax} characters` });
  }
  return { eventId, type: route.type, domain: event.domain, occurredAt: event.at ?? receivedAt, data: { eventId, ...published } };
}

/** Whether a decoded body carries `at` (billing's events do; an older one may not). */
function hasTime(body: unknown): boolean {
  return body !== null && typeof body === 'object' && (body as { at?: unknown }).at !== undefined;
}

/**
 * Parses an ENTITLEMENTS message (`EntitlementsChangedV1`: a customer's plan, status or caps on a
 * domain changed) into `entitlements.changed`; null for any other subject. Only `domain` (and `at`
 * when present) are read; `data` is the body as billing published it, plus `eventId`. The event id
 * is the message id (`entitlements:<domain>:<email>:<version>`), or its SHA-256 when longer than ids may be.
 */
export function parseEntitlementNotification(subject: string, body: unknown, messageId: string, receivedAt: string): WebhookEvent | null {
  if (subject !== EntitlementEventSubjects.changed) return null;
  const event = trusted(parseMessage('entitlements.events.changed.v1', body, hasTime(body) ? ['domain', 'at'] : ['domain']));
  if (messageId.length === 0) throw new MalformedSourceEventError({ subject, reason: 'invalid', field: 'messageId', detail: 'messageId must be a non-empty string' });
  const eventId = messageId.length <= idLengthMax ? messageId : `entitlements:${createHash('sha256').update(messageId).digest('hex')}`;
  return { eventId, type: 'entitlements.changed', domain: event.domain, occurredAt: event.at ?? receivedAt, data: { eventId, ...(body as object) } };
}
