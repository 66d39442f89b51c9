// The stand-in's in-memory state and configuration. Everything lives for the life of the process.
import type { StoredCheckoutSession } from './checkout';
import type { PaymentIntent, StripeEvent } from './objects';
import type { DeliveryResult, WebhookTarget } from './webhook';

/** A stored idempotent response: replayed verbatim for the same key, path and body. */
export interface IdempotencyRecord {
  method: string;
  path: string;
  requestBody: string;
  status: number;
  responseText: string;
}

/** One webhook delivery attempt, in the order attempted. `attempted_at` is unix seconds. */
export interface DeliveryRecord {
  event_id: string;
  url: string;
  attempted_at: number;
  result: DeliveryResult;
}

/** Everything the stand-in remembers. Exposed on the handle so tests can inspect it; treat it as read-only. */
export interface StandinState {
  /** Checkout sessions by id, in creation order. */
  readonly checkoutSessions: Map<string, StoredCheckoutSession>;
  /** Payment intents created by completions, by id. */
  readonly paymentIntents: Map<string, PaymentIntent>;
  /** Events, oldest first (the API lists them newest first). */
  readonly events: StripeEvent[];
  /** Stored responses by `Idempotency-Key`. */
  readonly idempotency: Map<string, IdempotencyRecord>;
  /** Webhook delivery attempts, oldest first. */
  readonly deliveries: DeliveryRecord[];
}

/** Resolved settings of a running stand-in. */
export interface StandinConfig {
  /** Base of the hosted checkout page URLs (`${publicUrl}/checkout/${id}`), no trailing slash. */
  publicUrl: string;
  webhook: WebhookTarget;
  /** `api_version` written on events. */
  apiVersion: string;
}

/** A fresh, empty state. */
export function createState(): StandinState {
  return { checkoutSessions: new Map(), paymentIntents: new Map(), events: [], idempotency: new Map(), deliveries: [] };
}
