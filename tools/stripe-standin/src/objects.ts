// Minimal Stripe objects, with the field names and value shapes of the real API (see Stripe's
// OpenAPI fixtures). Money is always an integer amount in the currency's minor unit (cents for usd)
// plus an ISO 4217 currency code in lower case; times are unix seconds on the simulated clock.
// Subscriptions, invoices and customers are in billing-objects.ts; charges, refunds and disputes in
// payment-objects.ts.
import { randomBytes } from 'node:crypto';
import type { Interval } from './clock';
import type { Customer, Invoice, PortalSession, Subscription } from './billing-objects';
import type { Account, Application, ApplicationFee } from './connect-objects';
import type { Charge, Dispute, Refund } from './payment-objects';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random Stripe-looking id: `prefix` followed by `length` alphanumerics, e.g. `cs_test_a1B2...`. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

/** `checkout.session.custom_text`: each slot is `{ message }` or null. */
export interface CustomText {
  after_submit: { message: string } | null;
  shipping_address: { message: string } | null;
  submit: { message: string } | null;
  terms_of_service_acceptance: { message: string } | null;
}

/** `checkout.session.customer_details`, filled in when the customer completes the page. */
export interface CustomerDetails {
  address: null;
  business_name: null;
  email: string | null;
  individual_name: null;
  name: string | null;
  phone: string | null;
  tax_exempt: 'none';
  tax_ids: [];
}

/** `automatic_tax` of a session or invoice: off, as the stand-in computes no tax. */
export interface AutomaticTaxOff {
  enabled: false;
  liability: null;
  provider: null;
  status: null;
}

/**
 * A `checkout.session` in `payment` or `subscription` mode, with every field API version
 * `2026-10-28.endive` always returns (those the stand-in does not model are `null` or empty, as Stripe
 * sends them for a hosted page without tax, shipping, discounts or consent collection).
 */
export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  adaptive_pricing: null;
  after_expiration: null;
  allow_promotion_codes: null;
  allowed_payment_method_types: null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: AutomaticTaxOff;
  billing_address_collection: null;
  cancel_url: string | null;
  client_reference_id: string | null;
  /** Only embedded and custom UI sessions have one; hosted ones send null. */
  client_secret: null;
  collected_information: null;
  consent: null;
  consent_collection: null;
  created: number;
  currency: string;
  currency_conversion: null;
  custom_fields: [];
  custom_text: CustomText;
  /** Set at completion (always in `subscription` mode; in `payment` mode with `customer` or `customer_creation=always`). */
  customer: string | null;
  customer_account: null;
  /** `if_required` by default in payment mode; null in subscription mode (a customer is always made). */
  customer_creation: 'always' | 'if_required' | null;
  customer_details: CustomerDetails | null;
  customer_email: string | null;
  discounts: [];
  expires_at: number;
  integration_identifier: null;
  invoice: string | null;
  invoice_creation: { enabled: false; invoice_data: { account_tax_ids: null; custom_fields: null; description: null; footer: null; issuer: null; metadata: Record<string, string>; rendering_options: null } } | null;
  livemode: false;
  locale: string | null;
  managed_payments: null;
  metadata: Record<string, string>;
  mode: 'payment' | 'subscription';
  origin_context: null;
  payment_intent: string | null;
  payment_link: null;
  payment_method_collection: 'always' | 'if_required' | null;
  payment_method_configuration_details: null;
  payment_method_options: Record<string, never>;
  payment_method_types: string[];
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  permissions: null;
  recovered_from: null;
  saved_payment_method_options: null;
  setup_intent: null;
  shipping_address_collection: null;
  shipping_cost: null;
  shipping_options: [];
  status: 'open' | 'complete';
  submit_type: null;
  subscription: string | null;
  success_url: string;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  ui_mode: 'hosted_page';
  url: string | null;
  wallet_options: null;
}

/** `price.recurring` of a subscription price. */
export interface PriceRecurring {
  interval: Interval;
  interval_count: number;
  meter: null;
  trial_period_days: null;
  usage_type: 'licensed';
}

/** A `price` created inline from `price_data` (inactive, as Stripe makes them); `recurring` for subscriptions. */
export interface Price {
  id: string;
  object: 'price';
  active: false;
  billing_scheme: 'per_unit';
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: null;
  metadata: Record<string, string>;
  nickname: null;
  product: string;
  recurring: PriceRecurring | null;
  tax_behavior: 'unspecified';
  tiers_mode: null;
  transform_quantity: null;
  type: 'one_time' | 'recurring';
  unit_amount: number;
  unit_amount_decimal: string;
}

/** A Checkout line item (`object: 'item'`), listed by `/v1/checkout/sessions/:id/line_items` or `expand[]=line_items`. */
export interface CheckoutLineItem {
  id: string;
  object: 'item';
  adjustable_quantity: null;
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  price: Price;
  quantity: number;
}

/**
 * A succeeded `payment_intent`, created when a payment-mode session is completed or an invoice is paid.
 * `capture_method` and `confirmation_method` are `automatic`, as Checkout and invoices make them.
 */
export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  allowed_payment_method_types: null;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  /** The platform's Connect application on a direct charge with an application fee; else null. */
  application: string | null;
  application_fee_amount: number | null;
  automatic_payment_methods: null;
  canceled_at: null;
  cancellation_reason: null;
  capture_method: 'automatic';
  /** Secret for client-side confirmation (`pi_…_secret_…`); Stripe returns it on retrieval with a secret key. */
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  description: string | null;
  excluded_payment_method_types: null;
  last_payment_error: null;
  latest_charge: string | null;
  livemode: false;
  managed_payments: null;
  metadata: Record<string, string>;
  next_action: null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: { card: { installments: null; mandate_options: null; network: null; request_three_d_secure: 'automatic' } };
  payment_method_types: string[];
  payment_record: null;
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: null;
  shipping: null;
  source: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: 'succeeded';
  transfer_group: null;
}

/** Every object an event can carry in `data.object`. */
export type EventObject = CheckoutSession | Subscription | Invoice | Charge | Refund | Dispute | Customer | PortalSession | Account | Application | ApplicationFee;

/**
 * An `event`. `data.object` is a snapshot of the object when the event happened; `*.updated` events
 * carry the changed top-level fields' old values in `data.previous_attributes`. `T` narrows `data.object`.
 */
export interface StripeEvent<T extends EventObject = EventObject> {
  id: string;
  object: 'event';
  /** The connected account the event happened on (Connect webhooks); absent on the platform's own events. */
  account?: string;
  api_version: string;
  created: number;
  data: { object: T; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** A Stripe list envelope; `url` is the API path that lists it. */
export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}
