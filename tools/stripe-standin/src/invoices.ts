// Subscription invoices: made (finalized, `open`) for the first period or a renewal, then paid with
// the customer's card, or failed when the card is set to decline (/test/customers/:id/fail_payments).
import type { BillingReason, Customer, Invoice, InvoiceLineItem, Subscription, SubscriptionItem } from './billing-objects';
import { currentPeriod, invoiceSubscription } from './billing-objects';
import { recordPayment } from './charges';
import { formatAmount } from './checkout-page';
import { noSuchObject } from './errors';
import type { EventContext } from './events';
import { emitEvent } from './events';
import { stripeId } from './objects';
import type { StandinState } from './state';

/** A billing period, unix seconds. */
export interface Period {
  start: number;
  end: number;
}

/**
 * Makes and stores a finalized (`open`, unpaid) invoice for `subscription`: one line per item for
 * `billed` (the period paid for), amount = unit_amount x quantity. `period_start/end` are the period
 * before the invoice, as in Stripe (equal to `created` for the first invoice). No events.
 */
export function createInvoice(app: EventContext, subscription: Subscription, reason: BillingReason, billed: Period): Invoice {
  const customer = findInvoiceCustomer(app.state, subscription.customer);
  const now = app.clock.now();
  const id = stripeId('in_test_');
  const lines = subscription.items.data.map((item) => lineItem(id, subscription, item, billed, app.state.products.get(item.price.product) ?? 'Subscription'));
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  const previous = reason === 'subscription_create' ? { start: now, end: now } : currentPeriod(subscription);
  const invoice: Invoice = {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe stand-in',
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: subscription.application,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: reason,
    collection_method: 'charge_automatically',
    created: now,
    currency: subscription.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: now,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: now,
    number: `${customer.invoice_prefix}-${String(customer.next_invoice_sequence++).padStart(4, '0')}`,
    on_behalf_of: null,
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id } },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list', data: [], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: previous.end,
    period_start: previous.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'open',
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
  };
  app.state.invoices.set(id, invoice);
  return invoice;
}

function lineItem(invoice: string, subscription: Subscription, item: SubscriptionItem, period: Period, productName: string): InvoiceLineItem {
  const { price, quantity } = item;
  const amount = price.unit_amount * quantity;
  const interval = price.recurring ? ` / ${price.recurring.interval}` : '';
  return {
    id: stripeId('il_test_'),
    object: 'line_item',
    amount,
    currency: price.currency,
    description: `${quantity} × ${productName} (at ${formatAmount(price.unit_amount, price.currency)}${interval})`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice,
    livemode: false,
    metadata: { ...subscription.metadata },
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: subscription.id, subscription_item: item.id },
    },
    period: { start: period.start, end: period.end },
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: price.unit_amount_decimal },
    quantity,
    quantity_decimal: String(quantity),
    subscription: subscription.id,
    subtotal: amount,
    taxes: [],
  };
}

function findInvoiceCustomer(state: StandinState, id: string): Customer {
  const customer = state.customers.get(id);
  if (!customer) throw new Error(`subscription customer ${id} is missing`);
  return customer;
}

/** The invoice `id`; 404 `resource_missing`. */
export function findInvoice(state: StandinState, id: string): Invoice {
  const invoice = state.invoices.get(id);
  if (!invoice) throw noSuchObject('invoice', id, 'invoice');
  return invoice;
}

/** True when the customer's card is set to decline. */
export function cardDeclines(state: StandinState, customerId: string): boolean {
  return state.controls.failingCustomers.has(customerId);
}

/**
 * Marks an open invoice paid now (one attempt more) with a card payment (payment intent + charge,
 * linked in `payments`). No events: see `emitPaid`.
 */
export function settleInvoice(app: EventContext, invoice: Invoice): void {
  const customer = findInvoiceCustomer(app.state, invoice.customer);
  const now = app.clock.now();
  if (invoice.amount_due > 0) {
    const description = invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update';
    const paymentMethod = customer.invoice_settings.default_payment_method;
    const subscription = app.state.subscriptions.get(invoiceSubscription(invoice));
    const applicationFeeAmount = invoiceApplicationFee(invoice.amount_due, subscription?.application_fee_percent ?? null);
    const { paymentIntent } = recordPayment(app, { amount: invoice.amount_due, currency: invoice.currency, customer: customer.id, description, metadata: {}, receiptEmail: customer.email, paymentMethod, applicationFeeAmount });
    invoice.payments.data.push({
      id: stripeId('inpay_test_'), object: 'invoice_payment', amount_paid: invoice.amount_due, amount_requested: invoice.amount_due, created: now, currency: invoice.currency,
      invoice: invoice.id, is_default: true, livemode: false, payment: { type: 'payment_intent', payment_intent: paymentIntent.id }, status: 'paid', status_transitions: { canceled_at: null, paid_at: now },
    });
  }
  Object.assign(invoice, { amount_paid: invoice.amount_due, amount_remaining: 0, attempt_count: invoice.attempt_count + 1, attempted: true, next_payment_attempt: null, status: 'paid' });
  invoice.status_transitions.paid_at = now;
  customer.delinquent = false;
}

/**
 * The application fee of an invoice payment of `amount` (minor units) under `application_fee_percent`
 * (at most two decimals): round-half-up(amount × percent / 100), computed in integer basis points
 * (percent × 100) so no float rounding creeps in; null when there is no percent.
 */
export function invoiceApplicationFee(amount: number, percent: number | null): number | null {
  if (percent === null) return null;
  const basisPoints = Math.round(percent * 100);
  return Math.floor((amount * basisPoints + 5000) / 10000);
}

/** Stores `invoice.paid` then `invoice.payment_succeeded` for a settled invoice. */
export function emitPaid(app: EventContext, invoice: Invoice): void {
  emitEvent(app, 'invoice.paid', invoice);
  emitEvent(app, 'invoice.payment_succeeded', invoice);
}

/**
 * One automatic payment attempt: pays the invoice (`invoice.paid`, `invoice.payment_succeeded`) unless
 * the customer's card declines; then the invoice stays `open` with `attempt_count` + 1 and
 * `next_payment_attempt` = `nextAttempt`, and `invoice.payment_failed` is stored. Returns whether it paid.
 */
export function attemptPayment(app: EventContext, invoice: Invoice, nextAttempt: number | null): boolean {
  if (!cardDeclines(app.state, invoice.customer)) {
    settleInvoice(app, invoice);
    emitPaid(app, invoice);
    return true;
  }
  Object.assign(invoice, { attempt_count: invoice.attempt_count + 1, attempted: true, next_payment_attempt: nextAttempt });
  findInvoiceCustomer(app.state, invoice.customer).delinquent = true;
  emitEvent(app, 'invoice.payment_failed', invoice);
  return false;
}
