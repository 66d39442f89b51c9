import { RefundRequestView } from '../refunds/index';
import { subject } from '../subjects';

/**
 * Alerts and outgoing webhooks. feedback-analytics owns the webhook endpoints and their
 * delivery log; the gateway forwards the builders' REST calls here over request/reply. Outgoing
 * requests follow the Standard Webhooks spec (https://www.standardwebhooks.com): headers
 * `webhook-id`, `webhook-timestamp`, `webhook-signature`, body `{type, timestamp, data}`.
 */

/** Request/reply subjects served by feedback-analytics (queue group `feedback-analytics`). */
export const WebhookSubjects = {
  createEndpoint: subject('analytics.commands.create-webhook-endpoint.v1'),
  deleteEndpoint: subject('analytics.commands.delete-webhook-endpoint.v1'),
  replayDelivery: subject('analytics.commands.replay-webhook-delivery.v1'),
  listEndpoints: subject('analytics.queries.list-webhook-endpoints.v1'),
  listDeliveries: subject('analytics.queries.list-webhook-deliveries.v1'),
};

/** The closed list of webhook event types a builder can subscribe an endpoint to. */
export const WebhookEventTypes = [
  'credits.low_balance',
  'credits.purchased',
  'refund.requested',
  'refund.completed',
  'subscription.trial_will_end',
  'dispute.opened',
  'payment.failed',
  'entitlements.changed',
] as const;

export type WebhookEventType = (typeof WebhookEventTypes)[number];

/** Bounds of the webhook inputs and answers (TigerBeetle: a limit on everything). */
export const WebhookLimits = {
  /** Live endpoints one domain may have; also bounds the delivery rows one event writes. */
  endpointsPerDomainMax: 20,
  descriptionLengthMax: 500,
  deliveriesPageSizeMax: 100,
  deliveriesPageSizeDefault: 20,
  cursorLengthMax: 200,
} as const;

/** An endpoint as listed. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
  createdAt: string;
}

/** Answer to CreateWebhookEndpoint: the endpoint and its signing secret (`whsec_…`), shown this once. */
export interface CreatedWebhookEndpoint extends WebhookEndpointView {
  secret: string;
}

/** Answer to ListWebhookEndpoints. */
export interface WebhookEndpointList {
  items: WebhookEndpointView[];
}

/** Answer to DeleteWebhookEndpoint. */
export interface DeletedWebhookEndpoint {
  id: string;
  /** Pending deliveries cancelled with it. */
  cancelledDeliveries: number;
}

/** `pending`: waiting for its next attempt; `succeeded`: a 2xx came back; `failed`: retries exhausted; `cancelled`: endpoint deleted. */
export const WebhookDeliveryStatuses = ['pending', 'succeeded', 'failed', 'cancelled'] as const;

export type WebhookDeliveryStatus = (typeof WebhookDeliveryStatuses)[number];

/** One HTTP attempt of a delivery, as logged. */
export interface WebhookAttemptView {
  /** 1, 2, … in the order made. */
  attempt: number;
  /** `scheduled`: the retry schedule; `replay`: a builder's replay. */
  trigger: 'scheduled' | 'replay';
  startedAt: string;
  durationMs: number;
  /** HTTP status the endpoint answered; null when no answer came (timeout, refused connection). */
  responseStatus: number | null;
  /** Why the attempt failed (non-2xx, timeout, network error); null on success. */
  error: string | null;
  outcome: 'succeeded' | 'failed';
  /** When the next attempt was scheduled after this one; null when none was (success, or given up). */
  nextRetryAt: string | null;
}

/** One event sent to one endpoint: the unit retried; its id is the `webhook-id` header. */
export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  /** Id of the event that caused it (ledger event id, refund event id, …). */
  eventId: string;
  eventType: WebhookEventType;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  completedAt: string | null;
  attempts: WebhookAttemptView[];
}

/** Answer to ListWebhookDeliveries. */
export interface WebhookDeliveryPage {
  endpointId: string;
  items: WebhookDeliveryView[];
  nextCursor: string | null;
}

/** The JSON body of every outgoing webhook request (Standard Webhooks). */
export interface WebhookPayload<T = unknown> {
  type: WebhookEventType;
  /** ISO-8601 time the event happened. */
  timestamp: string;
  data: T;
}

/** `credits.low_balance` data: one crossing of the domain's `lowBalanceThreshold` from at-or-above to below. */
export interface LowBalanceWebhookData {
  /** Ledger event that crossed the threshold. */
  eventId: string;
  email: string;
  domain: string;
  threshold: number;
  balanceBefore: number;
  balanceAfter: number;
  /** Type of the ledger event (`CreditsConsumed`, `ReservationCaptured`, `CreditsExpired`, `PurchaseRefunded`, `CreditsClawedBack`). */
  cause: string;
}

/** `credits.purchased` data. */
export interface CreditsPurchasedWebhookData {
  eventId: string;
  email: string;
  domain: string;
  lotId: string;
  offeringId: string;
  credits: number;
  amountMinor: number;
  currency: string;
  checkoutSessionId: string;
  purchasedAt: string;
}

/** `refund.requested` / `refund.completed` data: the refund request as it stood after the change. */
export interface RefundWebhookData {
  eventId: string;
  refund: RefundRequestView;
}
