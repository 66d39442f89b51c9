// Billing objects (customer, subscription, invoice, billing portal session) with the field names and
// value shapes of the real API: money in integer minor units + lower-case ISO currency, times in unix
// seconds on the simulated clock. Only the fields the stand-in fills in are modelled.
import type { Interval } from './clock';
import type { Price, StripeList } from './objects';

/** A `customer`. `invoice_settings.default_payment_method` is the card collected by Checkout. */
export interface Customer {
  id: string;
  object: 'customer';
  address: null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: { custom_fields: null; default_payment_method: string | null; footer: null; rendering_options: null };
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none';
  test_clock: null;
}

/** The legacy `plan` view of a recurring price, still sent on subscription items. */
export interface Plan {
  id: string;
  object: 'plan';
  active: boolean;
  amount: number;
  amount_decimal: string;
  billing_scheme: 'per_unit';
  created: number;
  currency: string;
  interval: Interval;
  interval_count: number;
  livemode: false;
  metadata: Record<string, string>;
  meter: null;
  nickname: null;
  product: string;
  tiers_mode: null;
  transform_usage: null;
  trial_period_days: null;
  usage_type: 'licensed';
}

/** A `subscription_item`; `current_period_start/end` live here since API 2025-03-31 (no longer on the subscription). */
export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  billing_thresholds: null;
  created: number;
  current_period_end: number;
  current_period_start: number;
  current_trial: null;
  discounts: string[];
  metadata: Record<string, string>;
  plan: Plan;
  price: Price;
  quantity: number;
  subscription: string;
  tax_rates: [];
}

/** Subscription statuses the stand-in produces. */
export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled';

/** `cancellation_details.feedback` values Stripe accepts (SubscriptionUpdateParams.CancellationDetails.Feedback). */
export const CANCELLATION_FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const;

/** One `cancellation_details.feedback` value. */
export type CancellationFeedback = (typeof CANCELLATION_FEEDBACK)[number];

/**
 * A `subscription` as API `2026-10-28.endive` returns it: the billing period is on `items.data[n]`
 * (`current_period_start/end`; the top-level fields were removed in 2025-03-31), `billing_mode`
 * `classic`, `invoice_settings.issuer` `self`. `cancel_at_period_end` subscriptions end at the item period's end.
 */
export interface Subscription {
  id: string;
  object: 'subscription';
  /** The platform's Connect application when made with `application_fee_percent` on a connected account. */
  application: string | null;
  /** Percent (0–100, at most two decimals) of each invoice's total taken as the application fee. */
  application_fee_percent: number | null;
  automatic_tax: { disabled_reason: null; enabled: false; liability: null };
  billing_cycle_anchor: number;
  billing_cycle_anchor_config: null;
  billing_mode: { flexible: null; type: 'classic' };
  billing_schedules: [];
  billing_thresholds: null;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: { comment: string | null; feedback: CancellationFeedback | null; feedback_option: null; reason: 'cancellation_requested' | 'payment_failed' | null };
  collection_method: 'charge_automatically';
  created: number;
  currency: string;
  customer: string;
  customer_account: null;
  days_until_due: null;
  default_payment_method: string | null;
  default_source: null;
  default_tax_rates: [];
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  invoice_settings: { account_tax_ids: null; custom_fields: null; description: null; footer: null; issuer: { type: 'self' } };
  items: StripeList<SubscriptionItem>;
  latest_invoice: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Record<string, string>;
  next_pending_invoice_item_invoice: null;
  on_behalf_of: null;
  pause_collection: null;
  payment_settings: { payment_method_options: null; payment_method_types: null; save_default_payment_method: 'off' };
  pending_invoice_item_interval: null;
  pending_setup_intent: null;
  pending_update: null;
  schedule: null;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: null;
  transfer_data: null;
  trial_end: number | null;
  trial_settings: { end_behavior: { billing_cycle_anchor: null; missing_payment_method: 'create_invoice' } };
  trial_start: number | null;
}

/** An invoice `line_item` for one subscription item over one period. */
export interface InvoiceLineItem {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string;
  discount_amounts: [];
  discountable: true;
  discounts: [];
  invoice: string;
  livemode: false;
  metadata: Record<string, string>;
  parent: {
    type: 'subscription_item_details';
    invoice_item_details: null;
    subscription_item_details: { invoice_item: null; proration: false; proration_details: { credited_items: null }; subscription: string; subscription_item: string };
  };
  period: { end: number; start: number };
  pretax_credit_amounts: [];
  pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string };
  quantity: number;
  quantity_decimal: string;
  subscription: string;
  subtotal: number;
  taxes: [];
}

/** An `invoice_payment`: how an invoice was paid (a payment intent). */
export interface InvoicePayment {
  id: string;
  object: 'invoice_payment';
  amount_paid: number;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: true;
  livemode: false;
  payment: { type: 'payment_intent'; payment_intent: string };
  status: 'paid';
  status_transitions: { canceled_at: null; paid_at: number };
}

/** Why an invoice was created. */
export type BillingReason = 'subscription_create' | 'subscription_cycle';

/**
 * A subscription `invoice` as API `2026-10-28.endive` returns it. Its subscription is
 * `parent.subscription_details.subscription` (the top-level `subscription` was removed in 2025-03-31);
 * `parent.subscription_details.metadata` is the subscription's metadata when the invoice was made.
 */
export interface Invoice {
  id: string;
  object: 'invoice';
  account_country: 'US';
  account_name: string;
  account_tax_ids: null;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: number;
  application: string | null;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: { disabled_reason: null; enabled: false; liability: null; provider: null; status: null };
  automatically_finalizes_at: null;
  billing_reason: BillingReason;
  collection_method: 'charge_automatically';
  created: number;
  currency: string;
  custom_fields: null;
  customer: string;
  customer_account: null;
  customer_address: null;
  customer_email: string | null;
  customer_name: string | null;
  customer_phone: null;
  customer_shipping: null;
  customer_tax_exempt: 'none';
  default_payment_method: null;
  default_source: null;
  default_tax_rates: [];
  description: null;
  discounts: [];
  due_date: null;
  effective_at: number;
  ending_balance: number;
  footer: null;
  from_invoice: null;
  hosted_invoice_url: null;
  invoice_pdf: null;
  issuer: { type: 'self' };
  last_finalization_error: null;
  latest_revision: null;
  lines: StripeList<InvoiceLineItem>;
  livemode: false;
  metadata: Record<string, string>;
  next_payment_attempt: number | null;
  number: string;
  on_behalf_of: null;
  parent: { type: 'subscription_details'; quote_details: null; subscription_details: { metadata: Record<string, string>; subscription: string } };
  payment_settings: { default_mandate: null; payment_method_options: null; payment_method_types: null };
  payments: StripeList<InvoicePayment>;
  period_end: number;
  period_start: number;
  post_payment_credit_notes_amount: number;
  pre_payment_credit_notes_amount: number;
  receipt_number: null;
  rendering: null;
  shipping_cost: null;
  shipping_details: null;
  starting_balance: number;
  statement_descriptor: null;
  status: 'open' | 'paid';
  status_transitions: { finalized_at: number; marked_uncollectible_at: null; paid_at: number | null; voided_at: null };
  subtotal: number;
  subtotal_excluding_tax: number;
  test_clock: null;
  total: number;
  total_discount_amounts: [];
  total_excluding_tax: number;
  total_pretax_credit_amounts: [];
  total_taxes: [];
  webhooks_delivered_at: number;
}

/** The subscription an invoice bills (`parent.subscription_details.subscription`). */
export function invoiceSubscription(invoice: Invoice): string {
  return invoice.parent.subscription_details.subscription;
}

/** The subscription's current billing period, from its items (all items share one period here). */
export function currentPeriod(subscription: Subscription): { start: number; end: number } {
  const [item] = subscription.items.data;
  return { start: item.current_period_start, end: item.current_period_end };
}

/** A `billing_portal.session`; `url` opens the stand-in's minimal portal page. */
export interface PortalSession {
  id: string;
  object: 'billing_portal.session';
  configuration: string;
  created: number;
  customer: string;
  customer_account: null;
  flow: null;
  livemode: false;
  locale: string | null;
  on_behalf_of: null;
  return_url: string | null;
  url: string;
}
