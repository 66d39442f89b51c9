// Subscriptions: started by a subscription-mode Checkout completion, changed by `POST /v1/subscriptions/:id`
// (cancel at period end, plan switch, metadata), ended by `DELETE`, by period end or by failed payments.
// The clock-driven part (renewals, retries) is in billing-cycle.ts.
import { addInterval, DAY_SECONDS } from './clock';
import type { Customer, Invoice, Plan, Subscription, SubscriptionItem } from './billing-objects';
import { CANCELLATION_FEEDBACK, currentPeriod, invoiceSubscription } from './billing-objects';
import { buildPrice, readApplicationFeePercent, readCurrency, readRecurring } from './checkout';
import { invalidRequest, missingParam, noSuchObject } from './errors';
import type { EventContext, EventRequest } from './events';
import { applyUpdate, emitEvent } from './events';
import type { FormObject, FormValue } from './form';
import { createInvoice, emitPaid, settleInvoice } from './invoices';
import type { Period } from './invoices';
import { cancelJobs, scheduleJob } from './jobs';
import type { Price } from './objects';
import { stripeId } from './objects';
import { isFormObject, mergeMetadata, paramName, readArray, readBoolean, readEnum, readInt, readObject, readString, rejectUnknown, requireInt, requireString } from './params';
import type { StandinState } from './state';

/** `customer.subscription.trial_will_end` fires this long before the trial ends. */
export const TRIAL_REMINDER_SECONDS = 3 * DAY_SECONDS;

/** One subscription item to start with: a recurring price and a quantity. */
export interface ItemInput {
  price: Price;
  quantity: number;
}

/** What a new subscription is made of. `trialDays` null = the first period is charged at once. */
export interface SubscriptionInput {
  customer: Customer;
  items: readonly ItemInput[];
  trialDays: number | null;
  metadata: Record<string, string>;
  description: string | null;
  /** Percent of each invoice taken as the platform's application fee (connected accounts); null = none. */
  applicationFeePercent?: number | null;
}

/**
 * Starts a subscription now: `trialing` until `trial_end` when `trialDays`, else `active` with its first
 * period paid by a `subscription_create` invoice. Stores `customer.subscription.created` (then
 * `invoice.paid`, `invoice.payment_succeeded` when charged) and queues the trial reminder and period end.
 */
export function startSubscription(app: EventContext, input: SubscriptionInput): { subscription: Subscription; invoice: Invoice | null } {
  const now = app.clock.now();
  const recurring = input.items[0].price.recurring;
  if (recurring === null) throw new Error('a subscription needs recurring prices');
  const periodEnd = input.trialDays ? now + input.trialDays * DAY_SECONDS : addInterval(now, recurring.interval, recurring.interval_count);
  const subscription = buildSubscription(input, { start: now, end: periodEnd }, now);
  if (input.applicationFeePercent != null) {
    subscription.application = app.state.connect.application.id;
    subscription.application_fee_percent = input.applicationFeePercent;
  }
  app.state.subscriptions.set(subscription.id, subscription);
  const invoice = input.trialDays ? null : createInvoice(app, subscription, 'subscription_create', { start: now, end: periodEnd });
  if (invoice) {
    settleInvoice(app, invoice);
    subscription.latest_invoice = invoice.id;
  }
  emitEvent(app, 'customer.subscription.created', subscription);
  if (invoice) emitPaid(app, invoice);
  if (subscription.trial_end !== null && subscription.trial_end - TRIAL_REMINDER_SECONDS > now) {
    scheduleJob(app.state, { at: subscription.trial_end - TRIAL_REMINDER_SECONDS, kind: 'trial_will_end', subscription: subscription.id });
  }
  scheduleJob(app.state, { at: periodEnd, kind: 'period_end', subscription: subscription.id });
  return { subscription, invoice };
}

function buildSubscription(input: SubscriptionInput, period: Period, now: number): Subscription {
  const id = stripeId('sub_test_');
  const trialEnd = input.trialDays ? period.end : null;
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? period.start,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: input.items[0].price.currency,
    customer: input.customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: input.customer.invoice_settings.default_payment_method,
    default_source: null,
    default_tax_rates: [],
    description: input.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: input.items.map((item) => buildItem(id, item, period, now)), has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: { ...input.metadata },
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd === null ? 'active' : 'trialing',
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: trialEnd === null ? null : now,
  };
}

function buildItem(subscription: string, input: ItemInput, period: Period, now: number): SubscriptionItem {
  return {
    id: stripeId('si_test_', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: now,
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: toPlan(input.price),
    price: input.price,
    quantity: input.quantity,
    subscription,
    tax_rates: [],
  };
}

/** The legacy `plan` view of a recurring price. */
function toPlan(price: Price): Plan {
  const recurring = price.recurring ?? { interval: 'month', interval_count: 1 };
  return {
    id: price.id, object: 'plan', active: price.active, amount: price.unit_amount, amount_decimal: price.unit_amount_decimal, billing_scheme: 'per_unit',
    created: price.created, currency: price.currency, interval: recurring.interval, interval_count: recurring.interval_count, livemode: false,
    metadata: {}, meter: null, nickname: null, product: price.product, tiers_mode: null, transform_usage: null, trial_period_days: null, usage_type: 'licensed',
  };
}

/** Moves the subscription's items (where the period lives) to `period`. */
export function setPeriod(subscription: Subscription, period: Period): void {
  for (const item of subscription.items.data) {
    item.current_period_start = period.start;
    item.current_period_end = period.end;
  }
}

/** The subscription `id`; 404 `resource_missing`. */
export function findSubscription(state: StandinState, id: string): Subscription {
  const subscription = state.subscriptions.get(id);
  if (!subscription) throw noSuchObject('subscription', id, 'subscription');
  return subscription;
}

/** True when another invoice of the subscription is still unpaid. */
export function hasOpenInvoices(state: StandinState, subscription: string): boolean {
  return [...state.invoices.values()].some((invoice) => invoiceSubscription(invoice) === subscription && invoice.status === 'open');
}

/**
 * Ends the subscription now: `canceled`, `ended_at` (and `canceled_at` if not set yet), its queued
 * work dropped; stores `customer.subscription.deleted`.
 */
export function endSubscription(app: EventContext, subscription: Subscription, reason: 'cancellation_requested' | 'payment_failed', request?: EventRequest): void {
  const now = app.clock.now();
  subscription.status = 'canceled';
  subscription.ended_at = now;
  subscription.canceled_at ??= now;
  subscription.cancellation_details = { ...subscription.cancellation_details, reason: subscription.cancellation_details.reason ?? reason };
  cancelJobs(app.state, subscription.id);
  emitEvent(app, 'customer.subscription.deleted', subscription, undefined, request);
}

/** Sets or clears `cancel_at_period_end` (with `cancel_at`, `canceled_at`, `cancellation_details.reason`); no-op when unchanged. */
export function setCancelAtPeriodEnd(subscription: Subscription, cancel: boolean, now: number): void {
  if (subscription.cancel_at_period_end === cancel) return;
  subscription.cancel_at_period_end = cancel;
  subscription.cancel_at = cancel ? currentPeriod(subscription).end : null;
  subscription.canceled_at = cancel ? now : null;
  subscription.cancellation_details = { ...subscription.cancellation_details, reason: cancel ? 'cancellation_requested' : null };
}

/** Keys of `SubscriptionUpdateParams` in stripe-node; those the stand-in does not model are accepted and ignored. */
const UPDATE_PARAMS: ReadonlySet<string> = new Set([
  'add_invoice_items', 'application_fee_percent', 'automatic_tax', 'billing_cycle_anchor', 'billing_schedules', 'billing_thresholds',
  'cancel_at', 'cancel_at_period_end', 'cancellation_details', 'collection_method', 'days_until_due', 'default_payment_method',
  'default_source', 'default_tax_rates', 'description', 'discounts', 'expand', 'invoice_settings', 'items', 'metadata', 'off_session',
  'on_behalf_of', 'pause_collection', 'payment_behavior', 'payment_settings', 'pending_invoice_item_interval', 'proration_behavior',
  'proration_date', 'transfer_data', 'trial_end', 'trial_from_plan', 'trial_settings',
]);

/**
 * `POST /v1/subscriptions/:id`: `cancel_at_period_end`, `application_fee_percent` (connected accounts:
 * the fee of the invoices from now on), `items` (plan switch: `items[n][id]` with
 * `price` or `price_data` replaces that item's price from the next renewal, no proration; without `id`
 * adds an item; `deleted=true` removes one), `metadata` (merged), `description`. Stores
 * `customer.subscription.updated` with `previous_attributes` when something changed.
 */
export function updateSubscription(app: EventContext, subscription: Subscription, params: FormObject, request: EventRequest): Subscription {
  rejectUnknown(params, UPDATE_PARAMS);
  const onlyMetadata = Object.keys(params).every((key) => key === 'metadata' || key === 'expand' || key === 'cancellation_details');
  if (subscription.status === 'canceled' && !onlyMetadata) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const cancel = readBoolean(params, 'cancel_at_period_end');
  // Accepted values only; the stand-in never prorates (the new price is billed from the next renewal).
  readEnum(params, 'proration_behavior', ['always_invoice', 'create_prorations', 'none']);
  const items = readItemUpdates(app, subscription, params);
  const description = readString(params, 'description');
  const feePercent = readApplicationFeePercent(params, app.state.account);
  const now = app.clock.now();
  applyUpdate(app, 'customer.subscription.updated', subscription, (target) => {
    if (feePercent !== undefined) {
      target.application_fee_percent = feePercent;
      target.application = app.state.connect.application.id;
    }
    if (cancel !== undefined) setCancelAtPeriodEnd(target, cancel, now);
    if (items !== undefined) target.items = { ...target.items, data: items };
    if (description !== undefined) target.description = description;
    target.metadata = mergeMetadata(target.metadata, params);
    readCancellationDetails(target, params);
  }, request);
  return subscription;
}

function readCancellationDetails(subscription: Subscription, params: FormObject): void {
  const details = readObject(params, 'cancellation_details');
  if (details === undefined) return;
  rejectUnknown(details, new Set(['comment', 'feedback']), 'cancellation_details');
  subscription.cancellation_details = {
    ...subscription.cancellation_details,
    comment: readString(details, 'comment', 'cancellation_details') ?? subscription.cancellation_details.comment,
    feedback: readEnum(details, 'feedback', CANCELLATION_FEEDBACK, 'cancellation_details') ?? subscription.cancellation_details.feedback,
  };
}

const ITEM_PARAMS: ReadonlySet<string> = new Set([
  'billing_thresholds', 'clear_usage', 'current_trial', 'deleted', 'discounts', 'id', 'metadata', 'plan', 'price', 'price_data', 'quantity', 'tax_rates',
]);

/** The subscription's items after applying `items[n]`, validated; undefined when `items` is absent. */
function readItemUpdates(app: EventContext, subscription: Subscription, params: FormObject): SubscriptionItem[] | undefined {
  const raw = readArray(params, 'items');
  if (raw === undefined) return undefined;
  const items = structuredClone(subscription.items.data);
  raw.forEach((value, index) => applyItemUpdate(app, subscription, items, value, `items[${index}]`));
  if (items.length === 0) throw invalidRequest('A subscription must have at least one active plan.', { param: 'items' });
  const intervals = new Set(items.map((item) => `${item.price.recurring?.interval}/${item.price.recurring?.interval_count}`));
  if (intervals.size > 1) throw invalidRequest('All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.', { param: 'items' });
  return items;
}

function applyItemUpdate(app: EventContext, subscription: Subscription, items: SubscriptionItem[], value: FormValue, prefix: string): void {
  if (!isFormObject(value)) throw invalidRequest(`Invalid object: ${prefix} must be an object.`, { param: prefix });
  rejectUnknown(value, ITEM_PARAMS, prefix);
  const id = readString(value, 'id', prefix);
  const price = readItemPrice(app, subscription, value, prefix);
  const quantity = readInt(value, 'quantity', prefix, 1);
  if (id === undefined) {
    if (price === undefined) throw missingParam(paramName(prefix, 'price'));
    const period = currentPeriod(subscription);
    items.push(buildItem(subscription.id, { price, quantity: quantity ?? 1 }, period, app.clock.now()));
    return;
  }
  const index = items.findIndex((item) => item.id === id);
  if (index < 0) throw noSuchObject('subscription_item', id, paramName(prefix, 'id'), 400);
  if (readBoolean(value, 'deleted', prefix)) {
    items.splice(index, 1);
    return;
  }
  if (price !== undefined) items[index] = { ...items[index], price, plan: toPlan(price) };
  if (quantity !== undefined) items[index].quantity = quantity;
}

const ITEM_PRICE_DATA_PARAMS: ReadonlySet<string> = new Set(['currency', 'product', 'recurring', 'tax_behavior', 'unit_amount', 'unit_amount_decimal']);

/** `items[n][price]` (a known recurring price id) or `items[n][price_data]` (on a known product). */
function readItemPrice(app: EventContext, subscription: Subscription, item: FormObject, prefix: string): Price | undefined {
  const priceId = readString(item, 'price', prefix);
  const priceData = readObject(item, 'price_data', prefix);
  if (priceId !== undefined && priceData !== undefined) throw invalidRequest(`You may only specify one of these parameters: ${prefix}[price], ${prefix}[price_data].`, { param: paramName(prefix, 'price') });
  const price = priceId !== undefined ? knownPrice(app.state, priceId, paramName(prefix, 'price')) : priceData && priceFromData(app, priceData, paramName(prefix, 'price_data'));
  if (price === undefined) return undefined;
  if (price.recurring === null) throw invalidRequest('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', { param: paramName(prefix, 'price') });
  if (price.currency !== subscription.currency) throw invalidRequest(`The price's currency (${price.currency}) must match the subscription's (${subscription.currency}).`, { param: paramName(prefix, 'price') });
  return price;
}

function knownPrice(state: StandinState, id: string, param: string): Price {
  const price = state.prices.get(id);
  if (!price) throw noSuchObject('price', id, param, 400);
  return price;
}

function priceFromData(app: EventContext, data: FormObject, prefix: string): Price {
  rejectUnknown(data, ITEM_PRICE_DATA_PARAMS, prefix);
  const product = requireString(data, 'product', prefix);
  if (!app.state.products.has(product)) throw noSuchObject('product', product, paramName(prefix, 'product'), 400);
  const recurring = readRecurring(data, prefix);
  if (recurring === null) throw missingParam(paramName(prefix, 'recurring'));
  const price = buildPrice({ currency: readCurrency(data, prefix), unitAmount: requireInt(data, 'unit_amount', prefix, 0), product, recurring }, app.clock.now());
  app.state.prices.set(price.id, price);
  return price;
}
