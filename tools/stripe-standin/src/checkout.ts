// Checkout Sessions: validation of `POST /v1/checkout/sessions` params (as Stripe validates them, for
// the `payment` and `subscription` mode subset the stand-in supports). Completion is in checkout-complete.ts.
import { INTERVALS, wallClockNow } from './clock';
import type { Interval } from './clock';
import { checkCurrency, checkMinimumCharge } from './currencies';
import { invalidRequest, missingParam, noSuchObject } from './errors';
import type { FormObject, FormValue } from './form';
import type { CheckoutLineItem, CheckoutSession, CustomText, Price, PriceRecurring } from './objects';
import { stripeId } from './objects';
import {
  isFormObject,
  paramName,
  readArray,
  readEnum,
  readInt,
  readMetadata,
  readObject,
  readString,
  rejectUnknown,
  requireInt,
  requireString,
} from './params';
import type { StandinState } from './state';

/** `subscription_data` of a subscription-mode session, applied when it is completed. */
export interface SubscriptionData {
  /** Days of free trial; null = charge the first period at completion. */
  trialPeriodDays: number | null;
  metadata: Record<string, string>;
  description: string | null;
  /** `application_fee_percent` (0–100, at most two decimals) on a connected account's subscription; null = none. */
  applicationFeePercent: number | null;
}

/** A session as stored: the API object plus what only the stand-in needs. */
export interface StoredCheckoutSession {
  session: CheckoutSession;
  lineItems: CheckoutLineItem[];
  /** `payment_intent_data[metadata]`, copied onto the payment intent at completion. */
  paymentIntentMetadata: Record<string, string>;
  /** `subscription_data` (subscription mode only; null in payment mode). */
  subscriptionData: SubscriptionData | null;
  /** `customer_creation` (payment mode): `always` creates (or reuses by email) a customer at completion. */
  customerCreation: 'always' | 'if_required' | null;
  /** `payment_intent_data[application_fee_amount]` (minor units) of a direct charge on a connected account; null = none. */
  applicationFeeAmount: number | null;
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
const RECURRING_PARAMS: ReadonlySet<string> = new Set(['interval', 'interval_count']);
const SUBSCRIPTION_DATA_PARAMS: ReadonlySet<string> = new Set([
  'application_fee_percent', 'billing_cycle_anchor', 'billing_cycle_anchor_config', 'billing_mode', 'default_tax_rates',
  'description', 'invoice_settings', 'metadata', 'on_behalf_of', 'pending_invoice_item_interval', 'proration_behavior',
  'transfer_data', 'trial_end', 'trial_period_days', 'trial_settings',
]);
const PRODUCT_DATA_PARAMS: ReadonlySet<string> = new Set(['description', 'images', 'metadata', 'name', 'tax_code', 'unit_label']);
const CUSTOM_TEXT_SLOTS = ['after_submit', 'shipping_address', 'submit', 'terms_of_service_acceptance'] as const;
/** Each `custom_text[slot]` takes only `message` (SessionCreateParams.CustomText.*). */
const CUSTOM_TEXT_PARAMS: ReadonlySet<string> = new Set(['message']);
/** Keys of `SessionCreateParams.PaymentIntentData`; only `metadata` is modelled, the others are accepted and ignored. */
const PAYMENT_INTENT_DATA_PARAMS: ReadonlySet<string> = new Set([
  'application_fee_amount', 'capture_method', 'description', 'metadata', 'on_behalf_of', 'receipt_email', 'setup_future_usage', 'shipping',
  'statement_descriptor', 'statement_descriptor_suffix', 'transfer_data', 'transfer_group',
]);
const MODES = ['payment', 'setup', 'subscription'];
/** `locale` values of `checkout.session` in API 2026-10-28 (Checkout.Session.Locale). */
const CHECKOUT_LOCALES = [
  'auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv',
  'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW', 'hi-IN',
] as const;
const UI_MODES = ['elements', 'embedded_page', 'form', 'hosted_page'];
const MAX_TRIAL_DAYS = 730;

const DEFAULT_LIFETIME_SECONDS = 24 * 60 * 60;
const MIN_LIFETIME_SECONDS = 30 * 60;

/**
 * Validates `POST /v1/checkout/sessions` params and builds an open, unpaid session; its inline prices
 * and products are remembered in `state`. `amount_total` = sum of `unit_amount * quantity` (minor
 * units; 0 when a trial defers the first charge); `url` = `${publicUrl}/checkout/${id}`; `created` is
 * `now` (simulated clock) and `expires_at` defaults to 24 h later. Throws a 400 naming the bad param,
 * and a 400 on a connected account whose `charges_enabled` is false.
 */
export function createCheckoutSession(params: FormObject, publicUrl: string, now: number, state: StandinState): StoredCheckoutSession {
  rejectUnknown(params, SESSION_CREATE_PARAMS);
  checkCanCharge(state);
  const mode = readMode(params);
  const lineItems = readLineItems(params, now, mode);
  const successUrl = validateUrl(requireString(params, 'success_url'), 'success_url');
  const subscriptionData = readSubscriptionData(params, mode, state.account);
  const customer = readCustomer(params, state);
  const id = stripeId('cs_test_', 58);
  const periodTotal = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
  // A free plan (0 per period) is fine; anything charged must reach the currency's minimum.
  if (mode === 'payment' || periodTotal > 0) checkMinimumCharge(periodTotal, lineItems[0].currency, 'line_items');
  const total = subscriptionData?.trialPeriodDays ? 0 : periodTotal;
  const customerCreation = readCustomerCreation(params, mode);
  const session: CheckoutSession = {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: readOptionalUrl(params, 'cancel_url'),
    client_reference_id: readLimitedString(params, 'client_reference_id', 200),
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: lineItems[0].currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: readCustomText(params),
    customer: customer,
    customer_account: null,
    customer_creation: mode === 'payment' ? (customerCreation ?? 'if_required') : null,
    customer_details: null,
    customer_email: readEmail(params),
    discounts: [],
    expires_at: readExpiresAt(params, now),
    integration_identifier: null,
    invoice: null,
    invoice_creation: mode === 'payment' ? { enabled: false, invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null } } : null,
    livemode: false,
    locale: readEnum(params, 'locale', CHECKOUT_LOCALES) ?? null,
    managed_payments: null,
    metadata: readMetadata(params),
    mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: readEnum(params, 'payment_method_collection', ['always', 'if_required'] as const) ?? (mode === 'subscription' ? 'always' : null),
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: `${publicUrl}/checkout/${id}`,
    wallet_options: null,
  };
  if (session.customer !== null && session.customer_email !== null) {
    throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', { param: 'customer_email' });
  }
  remember(state, lineItems);
  const applicationFeeAmount = readApplicationFeeAmount(params, state.account, periodTotal);
  return { session, lineItems, paymentIntentMetadata: readPaymentIntentMetadata(params, mode), subscriptionData, customerCreation, applicationFeeAmount };
}

function readMode(params: FormObject): 'payment' | 'subscription' {
  const mode = requireString(params, 'mode');
  if (!MODES.includes(mode)) {
    throw invalidRequest(`Invalid mode: must be one of payment, setup, or subscription`, { code: 'parameter_invalid_string', param: 'mode' });
  }
  if (mode === 'setup') throw invalidRequest(`The Stripe stand-in only supports mode=payment and mode=subscription (got ${mode}).`, { param: 'mode' });
  const uiMode = readString(params, 'ui_mode');
  // API 2026-10-28 names the hosted page `hosted_page` (the SDK's UiMode lists elements, embedded_page, form, hosted_page).
  if (uiMode !== undefined && !UI_MODES.includes(uiMode)) {
    throw invalidRequest(`Invalid ui_mode: must be one of ${UI_MODES.join(', ')}`, { code: 'parameter_invalid_string', param: 'ui_mode' });
  }
  if (uiMode !== undefined && uiMode !== 'hosted_page') throw invalidRequest(`The Stripe stand-in only supports ui_mode=hosted_page (got ${uiMode}).`, { param: 'ui_mode' });
  return mode as 'payment' | 'subscription';
}

/** Inline prices and products become addressable by id (plan switches name them later). */
function remember(state: StandinState, lineItems: readonly CheckoutLineItem[]): void {
  for (const item of lineItems) {
    state.prices.set(item.price.id, item.price);
    state.products.set(item.price.product, item.description);
  }
}

/** `customer`: an existing customer to attach the session (and subscription) to. */
function readCustomer(params: FormObject, state: StandinState): string | null {
  const id = readString(params, 'customer');
  if (id === undefined) return null;
  if (!state.customers.has(id)) throw noSuchObject('customer', id, 'customer', 400);
  return id;
}

function readPaymentIntentMetadata(params: FormObject, mode: 'payment' | 'subscription'): Record<string, string> {
  const paymentIntentData = readObject(params, 'payment_intent_data');
  if (paymentIntentData !== undefined && mode !== 'payment') {
    throw invalidRequest('You can not pass `payment_intent_data` in `subscription` mode.', { param: 'payment_intent_data' });
  }
  if (paymentIntentData !== undefined) rejectUnknown(paymentIntentData, PAYMENT_INTENT_DATA_PARAMS, 'payment_intent_data');
  return readMetadata(paymentIntentData ?? {}, 'metadata', 'payment_intent_data');
}

/** A connected account takes payments only once onboarding enabled charges (`charges_enabled`); 400 otherwise. */
function checkCanCharge(state: StandinState): void {
  if (state.account === null) return;
  const account = state.connect.accounts.get(state.account);
  if (account && !account.charges_enabled) {
    throw invalidRequest(`The account ${account.id} cannot currently make charges: charges_enabled is false (onboarding is not complete or the account is restricted).`);
  }
}

const DIRECT_CHARGE_ONLY =
  'Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).';

/**
 * `payment_intent_data[application_fee_amount]`: an integer ≥ 0 in minor units, at most the amount
 * charged, and only on a connected account (`Stripe-Account`); the stand-in makes no destination charges.
 */
function readApplicationFeeAmount(params: FormObject, account: string | null, total: number): number | null {
  const paymentIntentData = readObject(params, 'payment_intent_data');
  if (paymentIntentData === undefined || paymentIntentData.application_fee_amount === undefined) return null;
  const param = 'payment_intent_data[application_fee_amount]';
  const amount = readInt(paymentIntentData, 'application_fee_amount', 'payment_intent_data', 0);
  if (amount === undefined) return null;
  if (account === null) throw invalidRequest(DIRECT_CHARGE_ONLY, { param });
  if (amount > total) throw invalidRequest(`The application fee amount (${amount}) cannot be greater than the amount of the payment (${total}).`, { param });
  return amount;
}

/**
 * `application_fee_percent` (in `subscription_data`, or on a subscription update with `prefix`
 * undefined): a decimal 0–100 with at most two decimal places (Stripe's rule), only on a connected
 * account. Undefined when absent.
 */
export function readApplicationFeePercent(data: FormObject, account: string | null, prefix?: string): number | undefined {
  const raw = readString(data, 'application_fee_percent', prefix);
  if (raw === undefined) return undefined;
  const param = paramName(prefix, 'application_fee_percent');
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(raw) || Number(raw) > 100) {
    throw invalidRequest('Invalid decimal: application_fee_percent must be a number between 0 and 100 with at most two decimal places.', { code: 'parameter_invalid_integer', param });
  }
  if (account === null) throw invalidRequest('You can only specify `application_fee_percent` when making a request on behalf of a connected account (using the Stripe-Account header).', { param });
  return Number(raw);
}

function readCustomerCreation(params: FormObject, mode: 'payment' | 'subscription'): 'always' | 'if_required' | null {
  const value = readEnum(params, 'customer_creation', ['always', 'if_required'] as const) ?? null;
  if (value !== null && mode !== 'payment') {
    throw invalidRequest('`customer_creation` can only be used in `payment` mode.', { param: 'customer_creation' });
  }
  return value;
}

function readSubscriptionData(params: FormObject, mode: 'payment' | 'subscription', account: string | null): SubscriptionData | null {
  const raw = readObject(params, 'subscription_data');
  if (mode !== 'subscription') {
    if (raw !== undefined) throw invalidRequest('You can not pass `subscription_data` in `payment` mode.', { param: 'subscription_data' });
    return null;
  }
  const data = raw ?? {};
  rejectUnknown(data, SUBSCRIPTION_DATA_PARAMS, 'subscription_data');
  const trialPeriodDays = readInt(data, 'trial_period_days', 'subscription_data', 1) ?? null;
  readEnum(data, 'proration_behavior', ['create_prorations', 'none'], 'subscription_data');
  if (trialPeriodDays !== null && trialPeriodDays > MAX_TRIAL_DAYS) {
    throw invalidRequest(`The maximum number of trial period days is ${MAX_TRIAL_DAYS}.`, { param: 'subscription_data[trial_period_days]' });
  }
  return {
    trialPeriodDays,
    metadata: readMetadata(data, 'metadata', 'subscription_data'),
    description: readString(data, 'description', 'subscription_data') ?? null,
    applicationFeePercent: readApplicationFeePercent(data, account, 'subscription_data') ?? null,
  };
}

function readLineItems(params: FormObject, now: number, mode: 'payment' | 'subscription'): CheckoutLineItem[] {
  const raw = readArray(params, 'line_items');
  if (raw === undefined || raw.length === 0) throw missingParam('line_items');
  const items = raw.map((item, index) => readLineItem(item, `line_items[${index}]`, now));
  if (new Set(items.map((item) => item.currency)).size > 1) {
    throw invalidRequest('All `line_items` in a Checkout Session must use the same currency.', { param: 'line_items' });
  }
  checkRecurring(items, mode);
  return items;
}

/** Payment mode takes one-time prices only; subscription mode (here) recurring ones on one interval. */
function checkRecurring(items: readonly CheckoutLineItem[], mode: 'payment' | 'subscription'): void {
  const recurring = items.map((item) => item.price.recurring);
  if (mode === 'payment' && recurring.some((value) => value !== null)) {
    throw invalidRequest('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', { param: 'mode' });
  }
  if (mode !== 'subscription') return;
  if (recurring.some((value) => value === null)) {
    throw invalidRequest('The Stripe stand-in supports only recurring prices (`price_data[recurring]`) in `subscription` mode.', { param: 'line_items' });
  }
  if (new Set(recurring.map((value) => `${value?.interval}/${value?.interval_count}`)).size > 1) {
    throw invalidRequest('All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.', { param: 'line_items' });
  }
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
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: productName,
    metadata: {},
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
  const recurring = readRecurring(priceData, prefix);
  return { price: buildPrice({ currency, unitAmount, product: stripeId('prod_', 14), recurring }, now), productName };
}

/** What a price is made of: amount in minor units, lower-case currency, product id, optional recurrence. */
export interface PriceSpec {
  currency: string;
  unitAmount: number;
  product: string;
  recurring: PriceRecurring | null;
}

/** An inline (inactive) price, as Stripe makes from `price_data`; `created` is `now`. */
export function buildPrice(spec: PriceSpec, now: number): Price {
  return {
    id: stripeId('price_'),
    object: 'price',
    active: false,
    billing_scheme: 'per_unit',
    created: now,
    currency: spec.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: spec.product,
    recurring: spec.recurring,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: spec.recurring ? 'recurring' : 'one_time',
    unit_amount: spec.unitAmount,
    unit_amount_decimal: String(spec.unitAmount),
  };
}

/** `price_data[recurring]` (`interval` day/week/month/year, `interval_count` >= 1); null when absent. */
export function readRecurring(priceData: FormObject, prefix: string): PriceRecurring | null {
  const raw = readObject(priceData, 'recurring', prefix);
  if (raw === undefined) return null;
  const recurringPrefix = paramName(prefix, 'recurring');
  rejectUnknown(raw, RECURRING_PARAMS, recurringPrefix);
  if (readString(raw, 'interval', recurringPrefix) === undefined) throw missingParam(paramName(recurringPrefix, 'interval'));
  const interval = readEnum<Interval>(raw, 'interval', INTERVALS, recurringPrefix) as Interval;
  const intervalCount = readInt(raw, 'interval_count', recurringPrefix, 1) ?? 1;
  return { interval, interval_count: intervalCount, meter: null, trial_period_days: null, usage_type: 'licensed' };
}

/** `price_data[currency]`: a currency Stripe supports (any case; stored lower case), else 400. */
export function readCurrency(params: FormObject, prefix: string): string {
  return checkCurrency(requireString(params, 'currency', prefix), paramName(prefix, 'currency'));
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
    if (value === undefined) return null;
    rejectUnknown(value, CUSTOM_TEXT_PARAMS, `custom_text[${name}]`);
    return { message: requireString(value, 'message', `custom_text[${name}]`) };
  };
  return {
    after_submit: slot('after_submit'),
    shipping_address: slot('shipping_address'),
    submit: slot('submit'),
    terms_of_service_acceptance: slot('terms_of_service_acceptance'),
  };
}

/**
 * `expires_at`: 30 min to 24 h after creation. Callers compute it from their own (wall) clock, so a
 * value in that window relative to either the simulated `now` or the wall clock is accepted.
 */
function readExpiresAt(params: FormObject, now: number): number {
  const expiresAt = readInt(params, 'expires_at');
  if (expiresAt === undefined) return now + DEFAULT_LIFETIME_SECONDS;
  const bases = [now, wallClockNow()];
  if (bases.every((base) => expiresAt > base + DEFAULT_LIFETIME_SECONDS)) {
    throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', { param: 'expires_at' });
  }
  if (!bases.some((base) => expiresAt >= base + MIN_LIFETIME_SECONDS && expiresAt <= base + DEFAULT_LIFETIME_SECONDS)) {
    throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', { param: 'expires_at' });
  }
  return expiresAt;
}

/** The stored session `id`; 404 `resource_missing`. */
export function findCheckoutSession(state: StandinState, id: string): StoredCheckoutSession {
  const stored = state.checkoutSessions.get(id);
  if (!stored) throw noSuchObject('checkout.session', id, 'session');
  return stored;
}
