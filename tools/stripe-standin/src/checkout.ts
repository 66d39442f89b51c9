// Checkout Sessions: validation of `POST /v1/checkout/sessions` params (as Stripe validates them, for
// the `payment` mode subset the stand-in supports) and completion by the test helper.
import { invalidRequest, missingParam, noSuchObject, StripeApiError } from './errors';
import type { FormObject, FormValue } from './form';
import type { CheckoutLineItem, CheckoutSession, CustomText, PaymentIntent, Price } from './objects';
import { stripeId } from './objects';
import {
  isFormObject,
  paramName,
  readArray,
  readInt,
  readMetadata,
  readObject,
  readString,
  rejectUnknown,
  requireInt,
  requireString,
} from './params';

/** A session as stored: the API object plus what only the stand-in needs. */
export interface StoredCheckoutSession {
  session: CheckoutSession;
  lineItems: CheckoutLineItem[];
  /** `payment_intent_data[metadata]`, copied onto the payment intent at completion. */
  paymentIntentMetadata: Record<string, string>;
}

/** Top-level params of `SessionCreateParams` in stripe-node; known ones the stand-in does not model are accepted and ignored. */
const SESSION_CREATE_PARAMS: ReadonlySet<string> = new Set([
  'adaptive_pricing', 'after_expiration', 'allow_promotion_codes', 'allowed_payment_method_types', 'automatic_tax',
  'billing_address_collection', 'branding_settings', 'cancel_url', 'client_reference_id', 'consent_collection',
  'currency', 'custom_fields', 'custom_text', 'customer', 'customer_account', 'customer_creation', 'customer_email',
  'customer_update', 'discounts', 'excluded_payment_method_types', 'expand', 'expires_at', 'integration_identifier',
  'invoice_creation', 'line_items', 'locale', 'managed_payments', 'metadata', 'mode', 'name_collection',
  'optional_items', 'origin_context', 'payment_intent_data', 'payment_method_collection',
  'payment_method_configuration', 'payment_method_data', 'payment_method_options', 'payment_method_types',
  'permissions', 'phone_number_collection', 'redirect_on_completion', 'return_url', 'saved_payment_method_options',
  'setup_intent_data', 'shipping_address_collection', 'shipping_options', 'submit_type', 'subscription_data',
  'success_url', 'tax_id_collection', 'ui_mode', 'wallet_options',
]);
const LINE_ITEM_PARAMS: ReadonlySet<string> = new Set(['adjustable_quantity', 'dynamic_tax_rates', 'metadata', 'price', 'price_data', 'quantity', 'tax_rates']);
const PRICE_DATA_PARAMS: ReadonlySet<string> = new Set(['currency', 'product', 'product_data', 'recurring', 'tax_behavior', 'unit_amount', 'unit_amount_decimal']);
const PRODUCT_DATA_PARAMS: ReadonlySet<string> = new Set(['description', 'images', 'metadata', 'name', 'tax_code', 'unit_label']);
const CUSTOM_TEXT_SLOTS = ['after_submit', 'shipping_address', 'submit', 'terms_of_service_acceptance'] as const;
const MODES = ['payment', 'setup', 'subscription'];

const DEFAULT_LIFETIME_SECONDS = 24 * 60 * 60;
const MIN_LIFETIME_SECONDS = 30 * 60;

/**
 * Validates `POST /v1/checkout/sessions` params and builds an open, unpaid session.
 * `amount_total` = sum of `unit_amount * quantity` (minor units); `url` = `${publicUrl}/checkout/${id}`;
 * `expires_at` defaults to 24 h after `now` (unix seconds). Throws a 400 `StripeApiError` naming the bad param.
 */
export function createCheckoutSession(params: FormObject, publicUrl: string, now: number): StoredCheckoutSession {
  rejectUnknown(params, SESSION_CREATE_PARAMS);
  const mode = readMode(params);
  const lineItems = readLineItems(params, now);
  const successUrl = validateUrl(requireString(params, 'success_url'), 'success_url');
  const id = stripeId('cs_test_', 58);
  const total = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
  const session: CheckoutSession = {
    id,
    object: 'checkout.session',
    amount_subtotal: total,
    amount_total: total,
    cancel_url: readOptionalUrl(params, 'cancel_url'),
    client_reference_id: readLimitedString(params, 'client_reference_id', 200),
    created: now,
    currency: lineItems[0].currency,
    custom_text: readCustomText(params),
    customer: null,
    customer_details: null,
    customer_email: readEmail(params),
    expires_at: readExpiresAt(params, now),
    livemode: false,
    locale: readString(params, 'locale') ?? null,
    metadata: readMetadata(params),
    mode,
    payment_intent: null,
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    status: 'open',
    success_url: successUrl,
    ui_mode: 'hosted',
    url: `${publicUrl}/checkout/${id}`,
  };
  const paymentIntentData = readObject(params, 'payment_intent_data') ?? {};
  return { session, lineItems, paymentIntentMetadata: readMetadata(paymentIntentData, 'metadata', 'payment_intent_data') };
}

function readMode(params: FormObject): 'payment' {
  const mode = requireString(params, 'mode');
  if (!MODES.includes(mode)) {
    throw invalidRequest(`Invalid mode: must be one of payment, setup, or subscription`, { code: 'parameter_invalid_string', param: 'mode' });
  }
  if (mode !== 'payment') throw invalidRequest(`The Stripe stand-in only supports mode=payment (got ${mode}).`, { param: 'mode' });
  const uiMode = readString(params, 'ui_mode');
  if (uiMode !== undefined && uiMode !== 'hosted') throw invalidRequest(`The Stripe stand-in only supports ui_mode=hosted (got ${uiMode}).`, { param: 'ui_mode' });
  return 'payment';
}

function readLineItems(params: FormObject, now: number): CheckoutLineItem[] {
  const raw = readArray(params, 'line_items');
  if (raw === undefined || raw.length === 0) throw missingParam('line_items');
  const items = raw.map((item, index) => readLineItem(item, `line_items[${index}]`, now));
  if (new Set(items.map((item) => item.currency)).size > 1) {
    throw invalidRequest('All `line_items` in a Checkout Session must use the same currency.', { param: 'line_items' });
  }
  return items;
}

function readLineItem(value: FormValue, prefix: string, now: number): CheckoutLineItem {
  if (!isFormObject(value)) throw invalidRequest(`Invalid object: ${prefix} must be an object.`, { param: prefix });
  rejectUnknown(value, LINE_ITEM_PARAMS, prefix);
  const priceId = readString(value, 'price', prefix);
  if (priceId !== undefined) throw noSuchObject('price', priceId, paramName(prefix, 'price'), 400);
  const priceData = readObject(value, 'price_data', prefix);
  if (priceData === undefined) {
    throw invalidRequest(`You must specify either \`price\` or \`price_data\` in ${prefix}.`, { code: 'parameter_missing', param: prefix });
  }
  const quantity = requireInt(value, 'quantity', prefix, 1);
  const { price, productName } = readPriceData(priceData, paramName(prefix, 'price_data'), now);
  const amount = price.unit_amount * quantity;
  return {
    id: stripeId('li_'),
    object: 'item',
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: productName,
    price,
    quantity,
  };
}

function readPriceData(priceData: FormObject, prefix: string, now: number): { price: Price; productName: string } {
  rejectUnknown(priceData, PRICE_DATA_PARAMS, prefix);
  const currency = readCurrency(priceData, prefix);
  if (priceData.unit_amount_decimal !== undefined) {
    throw invalidRequest('The Stripe stand-in supports `unit_amount` only, not `unit_amount_decimal`.', { param: paramName(prefix, 'unit_amount_decimal') });
  }
  const unitAmount = requireInt(priceData, 'unit_amount', prefix, 0);
  const productName = readProductName(priceData, prefix);
  const price: Price = {
    id: stripeId('price_'),
    object: 'price',
    active: false,
    billing_scheme: 'per_unit',
    created: now,
    currency,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: stripeId('prod_', 14),
    recurring: null,
    tax_behavior: 'unspecified',
    type: 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: String(unitAmount),
  };
  return { price, productName };
}

function readCurrency(params: FormObject, prefix: string): string {
  const currency = requireString(params, 'currency', prefix).toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw invalidRequest(`Invalid currency: ${currency}. Use a three-letter ISO currency code, e.g. usd.`, { param: paramName(prefix, 'currency') });
  }
  return currency;
}

/** The inline product's name (`product_data[name]`); `product` (an existing product id) is unknown to the stand-in. */
function readProductName(priceData: FormObject, prefix: string): string {
  const productId = readString(priceData, 'product', prefix);
  if (productId !== undefined) throw noSuchObject('product', productId, paramName(prefix, 'product'), 400);
  const productData = readObject(priceData, 'product_data', prefix);
  if (productData === undefined) {
    throw invalidRequest(`You must specify either \`product\` or \`product_data\` in ${prefix}.`, { code: 'parameter_missing', param: prefix });
  }
  const productPrefix = paramName(prefix, 'product_data');
  rejectUnknown(productData, PRODUCT_DATA_PARAMS, productPrefix);
  return requireString(productData, 'name', productPrefix);
}

function readOptionalUrl(params: FormObject, key: string): string | null {
  const value = readString(params, key);
  return value === undefined ? null : validateUrl(value, key);
}

/** Stripe accepts absolute http(s) URLs only; the value is kept verbatim (`{CHECKOUT_SESSION_ID}` included). */
function validateUrl(value: string, key: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    throw invalidRequest('Not a valid URL', { code: 'url_invalid', param: key });
  }
  return value;
}

function readEmail(params: FormObject): string | null {
  const email = readString(params, 'customer_email');
  if (email === undefined) return null;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidRequest(`Invalid email address: ${email}`, { code: 'email_invalid', param: 'customer_email' });
  return email;
}

function readLimitedString(params: FormObject, key: string, maxLength: number): string | null {
  const value = readString(params, key);
  if (value !== undefined && value.length > maxLength) {
    throw invalidRequest(`Invalid ${key}: must be at most ${maxLength} characters`, { code: 'parameter_invalid_string', param: key });
  }
  return value ?? null;
}

function readCustomText(params: FormObject): CustomText {
  const raw = readObject(params, 'custom_text') ?? {};
  rejectUnknown(raw, new Set(CUSTOM_TEXT_SLOTS), 'custom_text');
  const slot = (name: (typeof CUSTOM_TEXT_SLOTS)[number]): { message: string } | null => {
    const value = readObject(raw, name, 'custom_text');
    return value === undefined ? null : { message: requireString(value, 'message', `custom_text[${name}]`) };
  };
  return {
    after_submit: slot('after_submit'),
    shipping_address: slot('shipping_address'),
    submit: slot('submit'),
    terms_of_service_acceptance: slot('terms_of_service_acceptance'),
  };
}

function readExpiresAt(params: FormObject, now: number): number {
  const expiresAt = readInt(params, 'expires_at');
  if (expiresAt === undefined) return now + DEFAULT_LIFETIME_SECONDS;
  if (expiresAt > now + DEFAULT_LIFETIME_SECONDS) {
    throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', { param: 'expires_at' });
  }
  if (expiresAt < now + MIN_LIFETIME_SECONDS) {
    throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', { param: 'expires_at' });
  }
  return expiresAt;
}

/**
 * Completes an open session as if the customer paid: `status: 'complete'`, `payment_status: 'paid'`,
 * a new succeeded payment intent for `amount_total` (carrying `payment_intent_data[metadata]`),
 * and `customer_details.email` from `customer_email`. Throws 409 if the session is not open.
 */
export function completeCheckoutSession(stored: StoredCheckoutSession, now: number): PaymentIntent {
  const { session } = stored;
  if (session.status !== 'open') {
    throw new StripeApiError(409, 'invalid_request_error', `This Checkout Session is no longer open (status: ${session.status}); it cannot be completed again.`);
  }
  const paymentIntent = buildPaymentIntent(stored, now);
  session.status = 'complete';
  session.payment_status = 'paid';
  session.payment_intent = paymentIntent.id;
  session.url = null;
  session.customer_details = { address: null, email: session.customer_email, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
  return paymentIntent;
}

function buildPaymentIntent(stored: StoredCheckoutSession, now: number): PaymentIntent {
  const { session } = stored;
  return {
    id: stripeId('pi_test_'),
    object: 'payment_intent',
    amount: session.amount_total,
    amount_capturable: 0,
    amount_received: session.amount_total,
    created: now,
    currency: session.currency,
    customer: null,
    description: null,
    latest_charge: null,
    livemode: false,
    metadata: { ...stored.paymentIntentMetadata },
    payment_method: null,
    payment_method_types: ['card'],
    receipt_email: session.customer_email,
    status: 'succeeded',
  };
}
