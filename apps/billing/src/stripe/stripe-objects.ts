import { SubscriptionStatus } from '@credit-hub/contracts';

/**
 * Readers of the Stripe objects billing acts on, as untrusted JSON (a webhook's `data.object` or a
 * re-fetch through the SDK). Only the fields of the pinned API version (`Stripe.API_VERSION` of the
 * installed `stripe` package, 2026-10-28.endive) are read: the billing period from
 * `items.data[n].current_period_*` and an invoice's subscription from
 * `parent.subscription_details.subscription` (the pre-2025-03-31 top-level `subscription.current_period_*`,
 * `invoice.subscription` and `invoice.payment_intent` are gone from that version and ignored). Pure: no I/O.
 */

/** A JSON object from Stripe. */
export type StripeObject = Record<string, unknown>;

/** `value` if it is a JSON object, else undefined. */
export function asObject(value: unknown): StripeObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as StripeObject) : undefined;
}

/** An expandable Stripe reference: the id string, or the expanded object's id. */
export function readId(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  const object = asObject(value);
  return typeof object?.['id'] === 'string' ? object['id'] : null;
}

/** A non-empty string field, or null. */
export function readText(object: StripeObject | undefined, key: string): string | null {
  const value = object?.[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** A safe-integer field (unix seconds, minor units, counts), or null. */
export function readInteger(object: StripeObject | undefined, key: string): number | null {
  const value = object?.[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** String-valued metadata (Stripe metadata is string-only; anything else is dropped). */
export function readMetadata(value: unknown): Record<string, string> {
  const object = asObject(value) ?? {};
  return Object.fromEntries(Object.entries(object).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
}

/** The first element of a Stripe list (`{ object: 'list', data: [...] }`), or undefined. */
function firstOfList(value: unknown): StripeObject | undefined {
  const data = asObject(value)?.['data'];
  return Array.isArray(data) ? asObject(data[0]) : undefined;
}

const statuses: ReadonlySet<string> = new Set(['trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused']);

/** What billing reads of a Stripe subscription. Times are unix seconds on Stripe's clock. */
export interface SubscriptionSnapshot {
  id: string;
  customerId: string;
  status: SubscriptionStatus;
  startDate: number | null;
  trialStart: number | null;
  trialEnd: number | null;
  currentPeriodStart: number | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  endedAt: number | null;
  metadata: Record<string, string>;
  latestInvoiceId: string | null;
  /** The first item (plan switches replace its price) and its product. */
  itemId: string | null;
  productId: string | null;
  /** The first item's price: unit amount (integer minor units), currency and interval; null when absent. */
  price: { amountMinor: number; currency: string; interval: string | null } | null;
}

/** Reads a Stripe subscription object; undefined when it is not one. */
export function readSubscription(value: unknown): SubscriptionSnapshot | undefined {
  const object = asObject(value);
  const id = readText(object, 'id');
  const customerId = readId(object?.['customer']);
  const status = readText(object, 'status');
  if (object?.['object'] !== 'subscription' || id === null || customerId === null || status === null || !statuses.has(status)) return undefined;
  const item = firstOfList(object['items']);
  const price = asObject(item?.['price']);
  return {
    id,
    customerId,
    status: status as SubscriptionStatus,
    startDate: readInteger(object, 'start_date'),
    trialStart: readInteger(object, 'trial_start'),
    trialEnd: readInteger(object, 'trial_end'),
    currentPeriodStart: readInteger(item, 'current_period_start'),
    currentPeriodEnd: readInteger(item, 'current_period_end'),
    cancelAtPeriodEnd: object['cancel_at_period_end'] === true,
    endedAt: readInteger(object, 'ended_at'),
    metadata: readMetadata(object['metadata']),
    latestInvoiceId: readId(object['latest_invoice']),
    itemId: readText(item, 'id'),
    productId: readId(price?.['product']),
    price: readPrice(price),
  };
}

function readPrice(price: Record<string, unknown> | undefined): SubscriptionSnapshot['price'] {
  const amountMinor = readInteger(price, 'unit_amount');
  const currency = readText(price, 'currency');
  if (amountMinor === null || currency === null) return null;
  return { amountMinor, currency: currency.toLowerCase(), interval: readText(asObject(price?.['recurring']), 'interval') };
}

/** A period, unix seconds. */
export interface Period {
  start: number;
  end: number;
}

/** What billing reads of a subscription invoice. */
export interface InvoiceFacts {
  id: string;
  subscriptionId: string | null;
  customerId: string | null;
  status: string;
  billingReason: string | null;
  /** The period the invoice pays for (its first line's period), not the invoice's own `period_*`. */
  billedPeriod: Period | null;
  amountDue: number;
  amountPaid: number;
  currency: string;
  attemptCount: number;
  created: number;
  /** The subscription's metadata when the invoice was made: what this period was sold as. */
  subscriptionMetadata: Record<string, string>;
  paymentIntentId: string | null;
}

/** Reads a Stripe invoice object; undefined when it is not one. */
export function readInvoice(value: unknown): InvoiceFacts | undefined {
  const object = asObject(value);
  const id = readText(object, 'id');
  const status = readText(object, 'status');
  const currency = readText(object, 'currency');
  const created = readInteger(object, 'created');
  if (object?.['object'] !== 'invoice' || id === null || status === null || currency === null || created === null) return undefined;
  const details = asObject(asObject(object['parent'])?.['subscription_details']);
  const line = firstOfList(object['lines']);
  const period = asObject(line?.['period']);
  const start = readInteger(period, 'start');
  const end = readInteger(period, 'end');
  const payment = asObject(firstOfList(object['payments'])?.['payment']);
  return {
    id,
    subscriptionId: readId(details?.['subscription']),
    customerId: readId(object['customer']),
    status,
    billingReason: readText(object, 'billing_reason'),
    billedPeriod: start !== null && end !== null && end > start ? { start, end } : null,
    amountDue: readInteger(object, 'amount_due') ?? 0,
    amountPaid: readInteger(object, 'amount_paid') ?? 0,
    currency: currency.toLowerCase(),
    attemptCount: readInteger(object, 'attempt_count') ?? 0,
    created,
    subscriptionMetadata: readMetadata(details?.['metadata']),
    paymentIntentId: readId(payment?.['payment_intent']),
  };
}

/** What billing reads of a charge (disputes, refunds). */
export interface ChargeFacts {
  id: string;
  paymentIntentId: string | null;
  customerId: string | null;
  amount: number;
  amountRefunded: number;
  currency: string;
  metadata: Record<string, string>;
  /** Who paid, when Stripe knows: billing details, else the receipt email. */
  payerEmail: string | null;
}

/** Reads a Stripe charge object; undefined when it is not one. */
export function readCharge(value: unknown): ChargeFacts | undefined {
  const object = asObject(value);
  const id = readText(object, 'id');
  const currency = readText(object, 'currency');
  if (object?.['object'] !== 'charge' || id === null || currency === null) return undefined;
  return {
    id,
    paymentIntentId: readId(object['payment_intent']),
    customerId: readId(object['customer']),
    amount: readInteger(object, 'amount') ?? 0,
    amountRefunded: readInteger(object, 'amount_refunded') ?? 0,
    currency: currency.toLowerCase(),
    metadata: readMetadata(object['metadata']),
    payerEmail: readText(asObject(object['billing_details']), 'email') ?? readText(object, 'receipt_email'),
  };
}

/** What billing reads of a dispute. */
export interface DisputeFacts {
  id: string;
  chargeId: string;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  reason: string;
  status: string;
  created: number;
}

/** Reads a Stripe dispute object; undefined when it is not one. */
export function readDispute(value: unknown): DisputeFacts | undefined {
  const object = asObject(value);
  const id = readText(object, 'id');
  const chargeId = readId(object?.['charge']);
  const status = readText(object, 'status');
  const currency = readText(object, 'currency');
  const created = readInteger(object, 'created');
  if (object?.['object'] !== 'dispute' || id === null || chargeId === null || status === null || currency === null || created === null) return undefined;
  return {
    id,
    chargeId,
    paymentIntentId: readId(object['payment_intent']),
    amount: readInteger(object, 'amount') ?? 0,
    currency: currency.toLowerCase(),
    reason: readText(object, 'reason') ?? 'general',
    status,
    created,
  };
}

/** Dispute statuses that mean it is over (`won`, `lost`; `warning_closed` is an inquiry that ended without a chargeback). */
export function disputeOutcome(status: string): 'won' | 'lost' | null {
  if (status === 'won' || status === 'warning_closed') return 'won';
  if (status === 'lost') return 'lost';
  return null;
}

/** What billing reads of a refund. */
export interface RefundFacts {
  id: string;
  amount: number;
  currency: string;
  status: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  /** Set on refunds this system started (the refunds saga writes `metadata.refundRequestId`). */
  refundRequestId: string | null;
}

/** Reads a Stripe refund object; undefined when it is not one. */
export function readRefund(value: unknown): RefundFacts | undefined {
  const object = asObject(value);
  const id = readText(object, 'id');
  const currency = readText(object, 'currency');
  const amount = readInteger(object, 'amount');
  if (object?.['object'] !== 'refund' || id === null || currency === null || amount === null) return undefined;
  return {
    id,
    amount,
    currency: currency.toLowerCase(),
    status: readText(object, 'status') ?? 'succeeded',
    chargeId: readId(object['charge']),
    paymentIntentId: readId(object['payment_intent']),
    refundRequestId: readMetadata(object['metadata'])['refundRequestId'] ?? null,
  };
}

/** Unix seconds → ISO-8601. */
export function isoOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
