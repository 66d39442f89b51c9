// Minimal Stripe objects, with the field names and value shapes of the real API (see Stripe's
// OpenAPI fixtures). Money is always an integer amount in the currency's minor unit (cents for usd)
// plus an ISO 4217 currency code in lower case; times are unix seconds.
import { randomBytes } from 'node:crypto';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random Stripe-looking id: `prefix` followed by `length` alphanumerics, e.g. `cs_test_a1B2...`. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

/** The current time in unix seconds, the unit of every Stripe timestamp. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
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

/** A `checkout.session` in `payment` mode (the subset of fields the stand-in keeps). */
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
  customer: null;
  customer_details: CustomerDetails | null;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  metadata: Record<string, string>;
  mode: 'payment';
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: 'unpaid' | 'paid';
  status: 'open' | 'complete';
  success_url: string;
  ui_mode: 'hosted';
  url: string | null;
}

/** A `price` created inline from `line_items[n][price_data]` (inactive, one-time, as Stripe makes them). */
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
  recurring: null;
  tax_behavior: 'unspecified';
  type: 'one_time';
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

/** A succeeded `payment_intent`, created when a session is completed through the test helper. */
export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  latest_charge: null;
  livemode: false;
  metadata: Record<string, string>;
  payment_method: null;
  payment_method_types: string[];
  receipt_email: string | null;
  status: 'succeeded';
}

/** An `event`. `data.object` is a snapshot of the object when the event happened. */
export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: CheckoutSession };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: 'checkout.session.completed';
}

/** A Stripe list envelope; `url` is the API path that lists it. */
export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}
