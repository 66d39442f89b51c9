// Stripe Connect: connected accounts (created, onboarded through account links, restricted,
// disconnected), and the application fees the platform takes from direct charges on them.
// Stripe's model: https://docs.stripe.com/connect/direct-charges (fees), /connect/standard-accounts
// (onboarding), /connect/webhooks (events carry `account`).
import { recordBalanceTransaction } from './balance';
import type { Account, AccountController, AccountLink, AccountRequirements, ApplicationFee, FeeRefund } from './connect-objects';
import { invalidRequest, noSuchObject } from './errors';
import type { EventContext } from './events';
import { changedAttributes, emitAccountEvent } from './events';
import type { FormObject } from './form';
import { stripeId } from './objects';
import { readEnum, readMetadata, readObject, readString, rejectUnknown, requireString } from './params';
import type { Charge } from './payment-objects';
import type { StandinState, StoredAccountLink } from './state';
import { createPartition } from './state';

/** What Stripe asks a new Standard account for before it can take charges (a representative subset). */
const ONBOARDING_REQUIREMENTS = ['business_profile.url', 'business_type', 'external_account', 'representative.first_name', 'representative.last_name', 'tos_acceptance.date', 'tos_acceptance.ip'];

/** Keys of `AccountCreateParams`; those the stand-in does not model are accepted and ignored. */
const ACCOUNT_CREATE_PARAMS: ReadonlySet<string> = new Set([
  'account_token', 'bank_account', 'business_profile', 'business_type', 'capabilities', 'company', 'controller', 'country',
  'default_currency', 'documents', 'email', 'expand', 'external_account', 'groups', 'individual', 'metadata', 'settings',
  'tos_acceptance', 'type',
]);
const CONTROLLER_PARAMS: ReadonlySet<string> = new Set(['fees', 'losses', 'requirement_collection', 'stripe_dashboard']);
const BUSINESS_PROFILE_PARAMS: ReadonlySet<string> = new Set([
  'annual_revenue', 'estimated_worker_count', 'mcc', 'minority_owned_business_designation', 'monthly_estimated_revenue', 'name',
  'product_description', 'specified_commercial_transactions_act_url', 'support_address', 'support_email', 'support_phone', 'support_url', 'url',
]);

/** A Standard account's controller: the account pays Stripe's fees, Stripe owns losses and collects requirements, full Dashboard. */
const STANDARD_CONTROLLER: AccountController = {
  fees: { payer: 'account' },
  is_controller: true,
  losses: { payments: 'stripe' },
  requirement_collection: 'stripe',
  stripe_dashboard: { type: 'full' },
  type: 'application',
};

/**
 * `POST /v1/accounts`: `type=standard` (Express and Custom are 400: the hub connects builders who keep
 * their own full Stripe account), or `controller[...]` properties (a Standard-equivalent when they ask
 * for `stripe_dashboard[type]=full`, `fees[payer]=account`, `losses[payments]=stripe`; `type` is then
 * `none`, as Stripe reports controller-property accounts). Optional `country` (default US), `email`,
 * `default_currency`, `business_type`, `business_profile[name|url|mcc|product_description|support_*]`,
 * `metadata`. The account starts with nothing submitted: `charges_enabled`, `payouts_enabled`,
 * `details_submitted` false and `requirements.currently_due` listing what onboarding collects. No event
 * (Stripe sends none for a creation). A partition for the account's objects is made.
 */
export function createAccount(app: EventContext, params: FormObject): Account {
  rejectUnknown(params, ACCOUNT_CREATE_PARAMS);
  const type = readEnum(params, 'type', ['custom', 'express', 'standard'] as const);
  const controllerParams = readObject(params, 'controller');
  if (type !== undefined && controllerParams !== undefined) {
    throw invalidRequest('You cannot specify `type` and `controller` at the same time.', { param: 'controller' });
  }
  if (type === undefined && controllerParams === undefined) {
    throw invalidRequest('You must specify either `type` or `controller` to create an account.', { code: 'parameter_missing', param: 'type' });
  }
  if (type !== undefined && type !== 'standard') {
    throw invalidRequest(`The Stripe stand-in supports Standard connected accounts only (got type=${type}).`, { param: 'type' });
  }
  if (controllerParams !== undefined) readStandardController(controllerParams);
  const country = (readString(params, 'country') ?? 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw invalidRequest(`Invalid country: ${country}`, { param: 'country' });
  const email = readString(params, 'email') ?? null;
  if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidRequest(`Invalid email address: ${email}`, { code: 'email_invalid', param: 'email' });
  const profile = readObject(params, 'business_profile') ?? {};
  rejectUnknown(profile, BUSINESS_PROFILE_PARAMS, 'business_profile');
  const now = app.clock.now();
  const account: Account = {
    id: stripeId('acct_', 16),
    object: 'account',
    business_profile: {
      mcc: readString(profile, 'mcc', 'business_profile') ?? null,
      minority_owned_business_designation: null,
      name: readString(profile, 'name', 'business_profile') ?? null,
      product_description: readString(profile, 'product_description', 'business_profile') ?? null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: readString(profile, 'support_email', 'business_profile') ?? null,
      support_phone: readString(profile, 'support_phone', 'business_profile') ?? null,
      support_url: readString(profile, 'support_url', 'business_profile') ?? null,
      url: readString(profile, 'url', 'business_profile') ?? null,
    },
    business_type: readEnum(params, 'business_type', ['company', 'government_entity', 'individual', 'non_profit'] as const) ?? null,
    capabilities: { card_payments: 'inactive', transfers: 'inactive' },
    charges_enabled: false,
    controller: { ...STANDARD_CONTROLLER },
    country,
    created: now,
    default_currency: (readString(params, 'default_currency') ?? 'usd').toLowerCase(),
    details_submitted: false,
    email,
    future_requirements: requirements([], null),
    metadata: readMetadata(params),
    payouts_enabled: false,
    requirements: requirements(ONBOARDING_REQUIREMENTS, 'requirements.past_due'),
    tos_acceptance: { date: null },
    type: type ?? 'none',
  };
  app.state.connect.accounts.set(account.id, account);
  createPartition(app.platform, account.id);
  return account;
}

function readStandardController(controller: FormObject): void {
  rejectUnknown(controller, CONTROLLER_PARAMS, 'controller');
  const dashboard = readEnum(readObject(controller, 'stripe_dashboard', 'controller') ?? {}, 'type', ['express', 'full', 'none'] as const, 'controller[stripe_dashboard]');
  const payer = readEnum(readObject(controller, 'fees', 'controller') ?? {}, 'payer', ['account', 'application'] as const, 'controller[fees]');
  const losses = readEnum(readObject(controller, 'losses', 'controller') ?? {}, 'payments', ['application', 'stripe'] as const, 'controller[losses]');
  const collection = readEnum(controller, 'requirement_collection', ['application', 'stripe'] as const, 'controller');
  const standard = (dashboard ?? 'full') === 'full' && (payer ?? 'account') === 'account' && (losses ?? 'stripe') === 'stripe' && (collection ?? 'stripe') === 'stripe';
  if (!standard) {
    throw invalidRequest('The Stripe stand-in supports Standard-equivalent controller properties only (stripe_dashboard[type]=full, fees[payer]=account, losses[payments]=stripe, requirement_collection=stripe).', { param: 'controller' });
  }
}

function requirements(currentlyDue: readonly string[], disabledReason: AccountRequirements['disabled_reason']): AccountRequirements {
  return { alternatives: [], current_deadline: null, currently_due: [...currentlyDue], disabled_reason: disabledReason, errors: [], eventually_due: [...currentlyDue], past_due: [...currentlyDue], pending_verification: [] };
}

/** The connected account `id`; 404 `resource_missing` (400 when it came from a param). */
export function findAccount(state: StandinState, id: string, param = 'account', status: 404 | 400 = 404): Account {
  const account = state.connect.accounts.get(id);
  if (!account) throw noSuchObject('account', id, param, status);
  return account;
}

/** Seconds an account link stays usable (Stripe: "a few minutes"; its `expires_at` is 300 s after creation). */
const ACCOUNT_LINK_LIFETIME_SECONDS = 300;
const ACCOUNT_LINK_PARAMS: ReadonlySet<string> = new Set(['account', 'collect', 'collection_options', 'expand', 'refresh_url', 'return_url', 'type']);

/**
 * `POST /v1/account_links` (platform only): `account`, `type` (`account_onboarding` or
 * `account_update`), `refresh_url`, `return_url` → an `account_link` whose `url` opens the stand-in's
 * hosted onboarding page (`${publicUrl}/connect/onboarding/<token>`), usable once within 300 s.
 */
export function createAccountLink(app: EventContext, params: FormObject, publicUrl: string): AccountLink {
  rejectUnknown(params, ACCOUNT_LINK_PARAMS);
  if (app.state.account !== null) throw invalidRequest('Account links can only be created by the platform (without a Stripe-Account header).');
  const account = findAccount(app.state, requireString(params, 'account'), 'account', 400);
  const type = readEnum(params, 'type', ['account_onboarding', 'account_update'] as const);
  if (type === undefined) throw invalidRequest('Missing required param: type.', { code: 'parameter_missing', param: 'type' });
  const refreshUrl = readUrl(params, 'refresh_url');
  const returnUrl = readUrl(params, 'return_url');
  const now = app.clock.now();
  const token = stripeId('', 32);
  const link: StoredAccountLink = { account: account.id, type, refresh_url: refreshUrl, return_url: returnUrl, expires_at: now + ACCOUNT_LINK_LIFETIME_SECONDS, used: false };
  app.state.connect.accountLinks.set(token, link);
  return { object: 'account_link', created: now, expires_at: link.expires_at, url: `${publicUrl}/connect/onboarding/${token}` };
}

function readUrl(params: FormObject, key: string): string {
  const value = requireString(params, key);
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidRequest(`Not a valid URL: ${key}.`, { code: 'url_invalid', param: key });
  }
  return value;
}

/** Onboarding outcomes: `complete` (everything submitted and verified) or `restrict` (submitted, then Stripe needs more). */
export type OnboardingOutcome = 'complete' | 'restrict';

/**
 * Sets the account as onboarding left it and stores `account.updated` (with `account`, for the Connect
 * endpoint) when something changed. `complete`: `details_submitted`, `charges_enabled`,
 * `payouts_enabled` true, card_payments/transfers active, requirements cleared. `restrict`: details
 * submitted but charges and payouts disabled, `requirements.currently_due` non-empty and
 * `disabled_reason: 'requirements.past_due'` (Stripe pausing an account for missing information).
 */
export function setOnboarding(app: EventContext, account: Account, outcome: OnboardingOutcome): Account {
  const before = structuredClone(account);
  const enabled = outcome === 'complete';
  account.details_submitted = true;
  account.charges_enabled = enabled;
  account.payouts_enabled = enabled;
  account.capabilities = { card_payments: enabled ? 'active' : 'inactive', transfers: enabled ? 'active' : 'inactive' };
  account.requirements = enabled ? requirements([], null) : requirements(['individual.verification.document'], 'requirements.past_due');
  account.tos_acceptance = { date: account.tos_acceptance.date ?? app.clock.now() };
  const previous = changedAttributes(before, account);
  if (Object.keys(previous).length > 0) emitAccountEvent(app, account.id, 'account.updated', account, previous);
  return account;
}

/**
 * The builder disconnects the platform from their Stripe account: `account.application.deauthorized`
 * (`data.object` = the platform's application, top-level `account`), and from now on every
 * `Stripe-Account` call for it is refused (403 `account_invalid`). 400 if it already is.
 */
export function deauthorize(app: EventContext, account: Account): void {
  const { connect } = app.state;
  if (connect.deauthorized.has(account.id)) throw invalidRequest(`Account ${account.id} has already disconnected the application.`);
  connect.deauthorized.add(account.id);
  emitAccountEvent(app, account.id, 'account.application.deauthorized', connect.application);
}

/**
 * The platform's `application_fee` on a connected account's charge (`amount` minor units, in the
 * charge's currency); stores `application_fee.created` on the platform (no `account`: it is the
 * platform's object). 400 when the partition is the platform's (a fee needs a direct charge).
 */
export function collectApplicationFee(app: EventContext, charge: Charge, amount: number): ApplicationFee {
  const account = app.state.account;
  if (account === null) throw new Error('an application fee needs a charge on a connected account');
  const id = stripeId('fee_', 24);
  const fee: ApplicationFee = {
    id,
    object: 'application_fee',
    account,
    amount,
    amount_refunded: 0,
    application: app.state.connect.application.id,
    balance_transaction: stripeId('txn_test_'),
    charge: charge.id,
    created: app.clock.now(),
    currency: charge.currency,
    fee_source: { charge: charge.id, type: 'charge' },
    livemode: false,
    originating_transaction: null,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/application_fees/${id}/refunds` },
  };
  fee.balance_transaction = recordBalanceTransaction(app, app.platform, { type: 'application_fee', amount, currency: fee.currency, source: id, description: `Application fee from ${account}` });
  app.state.connect.applicationFees.set(id, fee);
  emitAccountEvent(app, null, 'application_fee.created', fee);
  return fee;
}

/**
 * `refund_application_fee=true` on a refund of `refunded` (minor units) of `charge`: Stripe gives back
 * the fee "in an amount proportional to the amount of the charge refunded" and all of it on a full
 * refund (https://docs.stripe.com/api/refunds/create#create_refund-refund_application_fee). Here:
 * round-half-up(fee × refunded / charge amount), capped at what is left of the fee, and the whole
 * remainder once the charge is fully refunded. Adds a `fee_refund` and stores `application_fee.refunded`.
 */
export function refundApplicationFee(app: EventContext, charge: Charge, refunded: number): FeeRefund | null {
  const fee = charge.application_fee === null ? undefined : app.state.connect.applicationFees.get(charge.application_fee);
  if (!fee) return null;
  const left = fee.amount - fee.amount_refunded;
  const proportional = Math.floor((fee.amount * refunded * 2 + charge.amount) / (2 * charge.amount));
  const amount = charge.refunded ? left : Math.min(left, proportional);
  if (amount <= 0) return null;
  const before = structuredClone(fee);
  const feeRefund: FeeRefund = {
    id: stripeId('fr_', 24),
    object: 'fee_refund',
    amount,
    balance_transaction: stripeId('txn_test_'),
    created: app.clock.now(),
    currency: fee.currency,
    fee: fee.id,
    metadata: {},
  };
  feeRefund.balance_transaction = recordBalanceTransaction(app, app.platform, { type: 'application_fee_refund', amount: -amount, currency: fee.currency, source: feeRefund.id, description: null });
  fee.amount_refunded += amount;
  fee.refunded = fee.amount_refunded === fee.amount;
  fee.refunds = { ...fee.refunds, data: [feeRefund, ...fee.refunds.data] };
  emitAccountEvent(app, null, 'application_fee.refunded', fee, changedAttributes(before, fee));
  return feeRefund;
}

/** Seconds a Connect OAuth authorization code can be exchanged (Stripe: codes expire after 5 minutes). */
const OAUTH_CODE_LIFETIME_SECONDS = 300;

/**
 * The builder accepts the platform's Connect OAuth request (`/oauth/authorize`): their existing Stripe
 * account, already able to charge, is connected (a Standard account with `charges_enabled`,
 * `details_submitted`, no requirements), `account.application.authorized` is stored for the Connect
 * endpoint, and a single-use code (`ac_…`) for `POST /oauth/token` is returned. `existing` names an
 * account the stand-in already knows (one that disconnected the platform and now reconnects: it is
 * reachable again with `Stripe-Account`, its objects as they were); 400 if it is unknown or still connected.
 */
export function authorizeOAuth(app: EventContext, email: string | null, scope: 'read_write' | 'read_only', existing?: string): { code: string; account: Account } {
  const { connect } = app.state;
  if (existing !== undefined) {
    const known = findAccount(app.state, existing, 'account', 400);
    if (!connect.deauthorized.has(known.id)) throw invalidRequest(`Account ${known.id} is already connected to the platform.`, { param: 'account' });
    connect.deauthorized.delete(known.id);
    emitAccountEvent(app, known.id, 'account.application.authorized', connect.application);
    return { code: issueOAuthCode(app, known.id, scope), account: known };
  }
  const account = createAccount(app, { type: 'standard', ...(email === null ? {} : { email }) });
  Object.assign(account, {
    details_submitted: true,
    charges_enabled: true,
    payouts_enabled: true,
    capabilities: { card_payments: 'active', transfers: 'active' },
    requirements: requirements([], null),
    tos_acceptance: { date: account.created },
  });
  emitAccountEvent(app, account.id, 'account.application.authorized', connect.application);
  return { code: issueOAuthCode(app, account.id, scope), account };
}

function issueOAuthCode(app: EventContext, account: string, scope: 'read_write' | 'read_only'): string {
  const code = stripeId('ac_', 32);
  app.state.connect.oauthCodes.set(code, { account, scope, expires_at: app.clock.now() + OAUTH_CODE_LIFETIME_SECONDS, used: false });
  return code;
}

/** The answer of `POST /oauth/token` (Stripe's shape; the access token is a key the stand-in accepts). */
export interface OAuthToken {
  access_token: string;
  livemode: false;
  refresh_token: string;
  scope: 'read_write' | 'read_only';
  stripe_publishable_key: string;
  stripe_user_id: string;
  token_type: 'bearer';
}

/** An OAuth error body, `{ error, error_description }` (Stripe's OAuth errors are not API-shaped). */
export interface OAuthError {
  error: 'invalid_client' | 'invalid_grant' | 'invalid_request' | 'unsupported_grant_type';
  error_description: string;
}

/**
 * `POST /oauth/token` with `grant_type=authorization_code` and `code`: the connected account's id
 * (`stripe_user_id`) for a code that exists, is unused and unexpired; an `OAuthError` otherwise
 * (`invalid_grant` for a bad code, `unsupported_grant_type`, `invalid_request` for a missing code).
 */
export function exchangeOAuthCode(app: EventContext, params: FormObject): OAuthToken | OAuthError {
  const grantType = readString(params, 'grant_type');
  if (grantType !== 'authorization_code') return { error: 'unsupported_grant_type', error_description: `Only grant_type=authorization_code is supported (got ${grantType ?? 'none'}).` };
  const code = readString(params, 'code');
  if (code === undefined) return { error: 'invalid_request', error_description: 'No authorization code provided' };
  const stored = app.state.connect.oauthCodes.get(code);
  if (!stored || stored.used || stored.expires_at < app.clock.now()) {
    return { error: 'invalid_grant', error_description: stored ? `Authorization code expired or already used: ${code}` : `Authorization code does not exist: ${code}` };
  }
  stored.used = true;
  return {
    access_token: `sk_test_${stripeId('', 32)}`,
    livemode: false,
    refresh_token: `rt_${stripeId('', 32)}`,
    scope: stored.scope,
    stripe_publishable_key: `pk_test_${stripeId('', 32)}`,
    stripe_user_id: stored.account,
    token_type: 'bearer',
  };
}

/** The application fee `id` (platform only); 404 `resource_missing`. */
export function findApplicationFee(state: StandinState, id: string): ApplicationFee {
  const fee = state.account === null ? state.connect.applicationFees.get(id) : undefined;
  if (!fee) throw noSuchObject('application_fee', id, 'id');
  return fee;
}
