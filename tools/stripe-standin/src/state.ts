// The stand-in's in-memory state and configuration. Everything lives for the life of the process.
import type { BalanceTransaction } from './balance';
import type { Customer, Invoice, PortalSession, Subscription } from './billing-objects';
import type { StoredCheckoutSession } from './checkout';
import type { Account, Application, ApplicationFee } from './connect-objects';
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
  /** The connected account whose subscription it is; null = the platform's. */
  account: string | null;
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

/** An account link (`POST /v1/account_links`) as stored: where its hosted page sends the builder. */
export interface StoredAccountLink {
  account: string;
  type: 'account_onboarding' | 'account_update';
  refresh_url: string;
  return_url: string;
  expires_at: number;
  /** A link can be opened once, as Stripe's are; a used or expired link redirects to `refresh_url`. */
  used: boolean;
}

/**
 * Stripe Connect as the platform sees it, shared by every partition: the platform's Connect
 * application, the connected accounts, account links, application fees (platform objects) and the
 * per-account partitions of the API objects.
 */
export interface ConnectState {
  /** The platform's Connect application (`ca_…`): `charge.application`, `account.application.deauthorized`'s object. */
  readonly application: Application;
  readonly accounts: Map<string, Account>;
  /** Accounts that disconnected the platform (`account.application.deauthorized`): their Stripe-Account calls are refused. */
  readonly deauthorized: Set<string>;
  /** Account links by the token of their hosted page URL. */
  readonly accountLinks: Map<string, StoredAccountLink>;
  /** Connect OAuth authorization codes (`ac_…`), single-use, exchanged by `POST /oauth/token`. */
  readonly oauthCodes: Map<string, { account: string; scope: 'read_write' | 'read_only'; expires_at: number; used: boolean }>;
  /** Application fees collected on connected accounts' charges (platform objects). */
  readonly applicationFees: Map<string, ApplicationFee>;
  /** The API objects of each connected account, by account id (the platform's are in the root state). */
  readonly partitions: Map<string, StandinState>;
}

/**
 * Everything the stand-in remembers. Exposed on the handle so tests can inspect it; treat it as read-only.
 * The API objects (sessions, customers, charges, …) live in a partition per Stripe account: the root
 * state is the platform's, `connect.partitions` hold each connected account's (the `Stripe-Account`
 * header picks one), so an object made on one account cannot be seen from another. Events, deliveries,
 * queued jobs, test switches and the Connect objects are shared by all partitions.
 */
export interface StandinState {
  /** The connected account of this partition; null = the platform. */
  readonly account: string | null;
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
  /** How charges, refunds, application fees and fee refunds moved this account's balance. */
  readonly balanceTransactions: Map<string, BalanceTransaction>;
  readonly disputes: Map<string, Dispute>;
  readonly portalSessions: Map<string, PortalSession>;
  /** Prices created inline (`price_data`), so later requests can name them by id. */
  readonly prices: Map<string, Price>;
  /** Names of the products created inline (`product_data`), by product id. */
  readonly products: Map<string, string>;
  /** Pending clock-driven work, unordered (run in `(at, seq)` order). */
  readonly jobs: ScheduledJob[];
  readonly controls: TestControls;
  readonly connect: ConnectState;
}

/** Resolved settings of a running stand-in. */
export interface StandinConfig {
  /** Base of the hosted checkout and portal page URLs (`${publicUrl}/checkout/${id}`), no trailing slash. */
  publicUrl: string;
  webhook: WebhookTarget;
  /**
   * Where events that carry `account` go (Stripe's "Connect webhooks"): the Connect endpoint and its own
   * signing secret. `secret` null = not configured; those deliveries are recorded as failed.
   */
  connectWebhook: Omit<WebhookTarget, 'secret'> & { secret: string | null };
  /** `api_version` written on events. */
  apiVersion: string;
}

/** A fresh, empty platform state (no connected accounts yet). */
export function createState(application: Application): StandinState {
  const connect: ConnectState = {
    application,
    accounts: new Map(),
    deauthorized: new Set(),
    accountLinks: new Map(),
    oauthCodes: new Map(),
    applicationFees: new Map(),
    partitions: new Map(),
  };
  return { ...emptyObjects(), account: null, events: [], deliveries: [], jobs: [], controls: { failNextRefund: null, failingCustomers: new Set() }, connect };
}

/** The empty partition of a new connected account, sharing the platform's events, deliveries, jobs, switches and Connect state. */
export function createPartition(platform: StandinState, account: string): StandinState {
  const partition: StandinState = { ...emptyObjects(), account, events: platform.events, deliveries: platform.deliveries, jobs: platform.jobs, controls: platform.controls, connect: platform.connect };
  platform.connect.partitions.set(account, partition);
  return partition;
}

function emptyObjects() {
  return {
    checkoutSessions: new Map(),
    paymentIntents: new Map(),
    idempotency: new Map(),
    customers: new Map(),
    subscriptions: new Map(),
    invoices: new Map(),
    charges: new Map(),
    refunds: new Map(),
    balanceTransactions: new Map(),
    disputes: new Map(),
    portalSessions: new Map(),
    prices: new Map(),
    products: new Map(),
  };
}
