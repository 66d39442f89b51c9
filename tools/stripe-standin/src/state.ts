// The stand-in's in-memory state and configuration. Everything lives for the life of the process.
import type { Customer, Invoice, PortalSession, Subscription } from './billing-objects';
import type { StoredCheckoutSession } from './checkout';
import type { PaymentIntent, Price, StripeEvent } from './objects';
import type { Charge, Dispute, Refund } from './payment-objects';
import type { DeliveryResult, WebhookTarget } from './webhook';

/** A stored idempotent response: replayed verbatim for the same key, path and body. */
export interface IdempotencyRecord {
  method: string;
  path: string;
  requestBody: string;
  status: number;
  responseText: string;
}

/** One webhook delivery attempt, in the order attempted. `attempted_at` is wall-clock unix seconds. */
export interface DeliveryRecord {
  event_id: string;
  url: string;
  attempted_at: number;
  result: DeliveryResult;
}

/** What a scheduled job does when the simulated clock reaches `at`. */
export type JobKind = 'trial_will_end' | 'period_end' | 'payment_retry';

/**
 * Work due at a simulated time (unix seconds), run by `POST /test/clock/advance` in `(at, seq)` order.
 * `payment_retry` jobs name the open invoice and the retry number (1..3).
 */
export interface ScheduledJob {
  at: number;
  seq: number;
  kind: JobKind;
  subscription: string;
  invoice?: string;
  retry?: number;
}

/** Switches the /test helpers flip. */
export interface TestControls {
  /** Error code of the card_error the next `POST /v1/refunds` fails with; null = succeed. */
  failNextRefund: string | null;
  /** Customers whose card declines every charge attempt. */
  readonly failingCustomers: Set<string>;
}

/** Everything the stand-in remembers. Exposed on the handle so tests can inspect it; treat it as read-only. */
export interface StandinState {
  /** Checkout sessions by id, in creation order. */
  readonly checkoutSessions: Map<string, StoredCheckoutSession>;
  /** Payment intents created by completions and invoice payments, by id. */
  readonly paymentIntents: Map<string, PaymentIntent>;
  /** Events, oldest first (the API lists them newest first). */
  readonly events: StripeEvent[];
  /** Stored responses by `Idempotency-Key`. */
  readonly idempotency: Map<string, IdempotencyRecord>;
  /** Webhook delivery attempts, oldest first. */
  readonly deliveries: DeliveryRecord[];
  readonly customers: Map<string, Customer>;
  readonly subscriptions: Map<string, Subscription>;
  readonly invoices: Map<string, Invoice>;
  readonly charges: Map<string, Charge>;
  readonly refunds: Map<string, Refund>;
  readonly disputes: Map<string, Dispute>;
  readonly portalSessions: Map<string, PortalSession>;
  /** Prices created inline (`price_data`), so later requests can name them by id. */
  readonly prices: Map<string, Price>;
  /** Names of the products created inline (`product_data`), by product id. */
  readonly products: Map<string, string>;
  /** Pending clock-driven work, unordered (run in `(at, seq)` order). */
  readonly jobs: ScheduledJob[];
  readonly controls: TestControls;
}

/** Resolved settings of a running stand-in. */
export interface StandinConfig {
  /** Base of the hosted checkout and portal page URLs (`${publicUrl}/checkout/${id}`), no trailing slash. */
  publicUrl: string;
  webhook: WebhookTarget;
  /** `api_version` written on events. */
  apiVersion: string;
}

/** A fresh, empty state. */
export function createState(): StandinState {
  return {
    checkoutSessions: new Map(),
    paymentIntents: new Map(),
    events: [],
    idempotency: new Map(),
    deliveries: [],
    customers: new Map(),
    subscriptions: new Map(),
    invoices: new Map(),
    charges: new Map(),
    refunds: new Map(),
    disputes: new Map(),
    portalSessions: new Map(),
    prices: new Map(),
    products: new Map(),
    jobs: [],
    controls: { failNextRefund: null, failingCustomers: new Set() },
  };
}
