// Minimal Stripe objects, with the field names and value shapes of the real API (see Stripe's
// OpenAPI fixtures). Money is always an integer amount in the currency's minor unit (cents for usd)
// plus an ISO 4217 currency code in lower case; times are unix seconds on the simulated clock.
// Subscriptions, invoices and customers are in billing-objects.ts; charges, refunds and disputes in
// payment-objects.ts.
import { randomBytes } from 'node:crypto';
import type { Interval } from './clock';
import type { Customer, Invoice, PortalSession, Subscription } from './billing-objects';
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
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_exempt: 'none';
  tax_ids: [];
}

/** A `checkout.session` in `payment` or `subscription` mode (the subset of fields the stand-in keeps). */
export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  custom_text: CustomText;
  /** Set at completion (always in `subscription` mode; in `payment` mode with `customer` or `customer_creation=always`). */
  customer: string | null;
  customer_details: CustomerDetails | null;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  invoice: string | null;
  metadata: Record<string, string>;
  mode: 'payment' | 'subscription';
  payment_intent: string | null;
  payment_method_collection: 'always' | 'if_required' | null;
  payment_method_types: string[];
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  status: 'open' | 'complete';
  subscription: string | null;
  success_url: string;
  ui_mode: 'hosted';
  url: string | null;
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
  livemode: false;
  lookup_key: null;
  metadata: Record<string, string>;
  nickname: null;
  product: string;
  recurring: PriceRecurring | null;
  tax_behavior: 'unspecified';
  type: 'one_time' | 'recurring';
  unit_amount: number;
  unit_amount_decimal: string;
}

/** A Checkout line item (`object: 'item'`), listed by `/v1/checkout/sessions/:id/line_items` or `expand[]=line_items`. */
export interface CheckoutLineItem {
  id: string;
  object: 'item';
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: Price;
  quantity: number;
}

/** A succeeded `payment_intent`, created when a payment-mode session is completed or an invoice is paid. */
export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Record<string, string>;
  payment_method: string | null;
  payment_method_types: string[];
  receipt_email: string | null;
  status: 'succeeded';
}

/** Every object an event can carry in `data.object`. */
export type EventObject = CheckoutSession | Subscription | Invoice | Charge | Refund | Dispute | Customer | PortalSession;

/**
 * An `event`. `data.object` is a snapshot of the object when the event happened; `*.updated` events
 * carry the changed top-level fields' old values in `data.previous_attributes`. `T` narrows `data.object`.
 */
export interface StripeEvent<T extends EventObject = EventObject> {
  id: string;
  object: 'event';
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
