// Stripe Connect endpoints: connected accounts, account links and their hosted onboarding page,
// application fees, and the /test helpers that play the builder (finish or abandon onboarding, get
// restricted, disconnect the platform). Onboarding and disconnection events carry `account` and go to
// the Connect webhook endpoint.
import type { Account } from './connect-objects';
import { authorizeOAuth, createAccount, createAccountLink, deauthorize, exchangeOAuthCode, findAccount, findApplicationFee, setOnboarding } from './connect';
import type { OnboardingOutcome } from './connect';
import { escapeHtml } from './checkout-page';
import { invalidRequest } from './errors';
import { collectEvents, deliverInBackground } from './events';
import type { Reply } from './http-io';
import { json } from './http-io';
import { paginate, readCreatedFilter } from './list';
import { readString } from './params';
import { formBody, formParams, helperBody, helperBoolean, helperString, isBrowserPost, queryParams, readExpand } from './request';
import type { App, RequestContext, Route } from './router';
import { noAccountAccess } from './router';
import type { StoredAccountLink } from './state';

const ID = '([^/]+)';

/** Accounts, account links, application fees, the onboarding page and the Connect /test helpers. */
export const CONNECT_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v1\/accounts$/, auth: true, idempotent: true, handle: createAccountRoute },
  { method: 'GET', pattern: /^\/v1\/accounts$/, auth: true, handle: listAccounts },
  { method: 'GET', pattern: new RegExp(`^/v1/accounts/${ID}$`), auth: true, handle: retrieveAccount },
  { method: 'GET', pattern: /^\/v1\/account$/, auth: true, handle: retrieveOwnAccount },
  { method: 'POST', pattern: /^\/v1\/account_links$/, auth: true, idempotent: true, handle: createAccountLinkRoute },
  { method: 'GET', pattern: /^\/v1\/application_fees$/, auth: true, handle: listApplicationFees },
  { method: 'GET', pattern: new RegExp(`^/v1/application_fees/${ID}/refunds$`), auth: true, handle: listFeeRefunds },
  { method: 'GET', pattern: new RegExp(`^/v1/application_fees/${ID}$`), auth: true, handle: retrieveApplicationFee },
  { method: 'GET', pattern: new RegExp(`^/connect/onboarding/${ID}$`), auth: false, handle: onboardingPage },
  { method: 'POST', pattern: new RegExp(`^/test/account_links/${ID}/(complete|restrict|abandon)$`), auth: false, handle: finishOnboardingPage },
  { method: 'POST', pattern: new RegExp(`^/test/accounts/${ID}/onboarding/(complete|restrict)$`), auth: false, handle: onboardingHelper },
  { method: 'POST', pattern: new RegExp(`^/test/accounts/${ID}/deauthorize$`), auth: false, handle: deauthorizeHelper },
  { method: 'GET', pattern: /^\/oauth\/authorize$/, auth: false, handle: oauthAuthorizePage },
  { method: 'POST', pattern: /^\/test\/oauth\/authorize$/, auth: false, handle: oauthDecision },
  { method: 'POST', pattern: /^\/oauth\/token$/, auth: true, handle: oauthToken },
  { method: 'POST', pattern: /^\/oauth\/deauthorize$/, auth: true, handle: oauthDeauthorize },
];

function platformOnly(context: RequestContext, what: string): void {
  if (context.app.state.account !== null) throw invalidRequest(`${what} can only be called by the platform (without a Stripe-Account header).`);
}

// ---- /v1/accounts -----------------------------------------------------------------------------

function createAccountRoute(context: RequestContext): Reply {
  platformOnly(context, 'POST /v1/accounts');
  const params = formBody(context);
  readExpand(params, new Set(), '');
  return json(200, createAccount(context.app, params));
}

/**
 * The account `id` as the caller may see it: the platform sees its connected accounts, a
 * `Stripe-Account` caller only its own. A disconnected account is out of reach (403 `account_invalid`).
 */
function visibleAccount(context: RequestContext, id: string): Account {
  const { state } = context.app;
  if (state.account !== null && state.account !== id) throw noAccountAccess(id);
  const account = findAccount(state, id);
  if (state.connect.deauthorized.has(id)) throw noAccountAccess(id);
  return account;
}

function retrieveAccount(context: RequestContext): Reply {
  queryParams(context, ['expand']);
  return json(200, visibleAccount(context, context.params[0]));
}

/** `GET /v1/account`: the account of the `Stripe-Account` header (the SDK's `accounts.retrieve()` without an id). */
function retrieveOwnAccount(context: RequestContext): Reply {
  queryParams(context, ['expand']);
  const account = context.app.state.account;
  if (account === null) throw invalidRequest('The Stripe stand-in serves GET /v1/account for connected accounts only (send Stripe-Account).');
  return json(200, visibleAccount(context, account));
}

function listAccounts(context: RequestContext): Reply {
  platformOnly(context, 'GET /v1/accounts');
  const query = queryParams(context, ['created', 'ending_before', 'expand', 'limit', 'starting_after']);
  readExpand(query, new Set(), 'data.');
  const created = readCreatedFilter(query);
  const { connect } = context.app.state;
  const accounts = [...connect.accounts.values()]
    .reverse()
    .filter((account) => !connect.deauthorized.has(account.id))
    .filter((account) => created(account.created));
  return json(200, paginate(accounts, query, '/v1/accounts', 'account'));
}

// ---- /v1/account_links ------------------------------------------------------------------------

function createAccountLinkRoute(context: RequestContext): Reply {
  const params = formParams(context, new Set(['account', 'collect', 'collection_options', 'expand', 'refresh_url', 'return_url', 'type']));
  const accountId = readString(params, 'account');
  if (accountId !== undefined && context.app.state.connect.deauthorized.has(accountId)) throw noAccountAccess(accountId);
  return json(200, createAccountLink(context.app, params, context.app.config.publicUrl));
}

// ---- /v1/application_fees ---------------------------------------------------------------------

function retrieveApplicationFee(context: RequestContext): Reply {
  queryParams(context, ['expand']);
  return json(200, findApplicationFee(context.app.state, context.params[0]));
}

/** Platform only, newest first: `charge`, `created`, `limit`, cursors. */
function listApplicationFees(context: RequestContext): Reply {
  platformOnly(context, 'GET /v1/application_fees');
  const query = queryParams(context, ['charge', 'created', 'ending_before', 'expand', 'limit', 'starting_after']);
  readExpand(query, new Set(), 'data.');
  const created = readCreatedFilter(query);
  const charge = readString(query, 'charge');
  const fees = [...context.app.state.connect.applicationFees.values()]
    .reverse()
    .filter((fee) => created(fee.created))
    .filter((fee) => charge === undefined || fee.charge === charge);
  return json(200, paginate(fees, query, '/v1/application_fees', 'application_fee'));
}

function listFeeRefunds(context: RequestContext): Reply {
  const query = queryParams(context, ['ending_before', 'expand', 'limit', 'starting_after']);
  const fee = findApplicationFee(context.app.state, context.params[0]);
  return json(200, paginate(fee.refunds.data, query, `/v1/application_fees/${fee.id}/refunds`, 'fee_refund'));
}

// ---- hosted onboarding ------------------------------------------------------------------------

/** The link of `token` if it can still be used (not used, not expired); else undefined. */
function usableLink(app: App, token: string): StoredAccountLink | undefined {
  const link = app.state.connect.accountLinks.get(token);
  if (!link || link.used || link.expires_at < app.clock.now()) return undefined;
  return link;
}

/**
 * `GET /connect/onboarding/:token`, the page an account link opens: the builder finishes onboarding
 * (→ `return_url`), finishes it with a restriction, or leaves (→ `refresh_url`). A used or expired link
 * sends the browser to `refresh_url` at once, as Stripe does, so the platform makes a fresh link.
 */
function onboardingPage(context: RequestContext): Reply {
  const token = context.params[0];
  const stored = context.app.state.connect.accountLinks.get(token);
  if (!stored) return { kind: 'html', status: 404, html: onboardingHtml('<h1>Link not found</h1><p>This onboarding link does not exist.</p>') };
  if (!usableLink(context.app, token)) return { kind: 'redirect', location: stored.refresh_url };
  const account = findAccount(context.app.state, stored.account);
  const action = (outcome: string): string => escapeHtml(`/test/account_links/${encodeURIComponent(token)}/${outcome}`);
  return {
    kind: 'html',
    status: 200,
    html: onboardingHtml(`
    <h1>Connect your Stripe account</h1>
    <p>Account <code id="account">${escapeHtml(account.id)}</code>${account.email ? ` (${escapeHtml(account.email)})` : ''} is being connected to <strong>${escapeHtml(context.app.state.connect.application.name ?? 'the platform')}</strong>.</p>
    <form method="post" action="${action('complete')}"><button type="submit" id="complete">Submit details and connect</button></form>
    <form method="post" action="${action('restrict')}"><button type="submit" class="secondary" id="restrict">Submit details (account gets restricted)</button></form>
    <form method="post" action="${action('abandon')}"><button type="submit" class="secondary" id="abandon">Leave onboarding</button></form>
    <p class="note">Stripe stand-in: no real account is created.</p>`),
  };
}

/**
 * The onboarding page's buttons: `complete` / `restrict` set the account (`account.updated`, delivered
 * before answering) and send the browser to `return_url`; `abandon` changes nothing and sends it to
 * `refresh_url`. The link is used up either way. JSON callers get `{ account, redirect, events }`.
 */
async function finishOnboardingPage(context: RequestContext): Promise<Reply> {
  const [token, choice] = context.params;
  const link = usableLink(context.app, token);
  if (!link) throw invalidRequest('This account link has expired or was already used; create a new one.', { code: 'account_link_expired' });
  link.used = true;
  const account = findAccount(context.app.state, link.account);
  const events = collectEvents(context.app.state, () => {
    if (choice !== 'abandon') setOnboarding(context.app, account, choice as OnboardingOutcome);
  });
  await context.app.outbox.deliver(events);
  const redirect = choice === 'abandon' ? link.refresh_url : link.return_url;
  if (isBrowserPost(context)) return { kind: 'redirect', location: redirect };
  return json(200, { account, redirect, events: events.map((event) => event.id) });
}

function onboardingHtml(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connect onboarding (Stripe stand-in)</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}form{margin:.8rem 0}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:.7rem 2rem;font-size:1rem;cursor:pointer}
button.secondary{background:#fff;color:#635bff;border:1px solid #635bff}.note{color:#777;font-size:.8rem}</style>
</head><body>${body}</body></html>`;
}

// ---- /test helpers ----------------------------------------------------------------------------

/**
 * `POST /test/accounts/:id/onboarding/complete|restrict` `{ deliver? }`: onboarding finished without a
 * browser (see `setOnboarding`); `account.updated` is delivered to the Connect endpoint before answering.
 */
async function onboardingHelper(context: RequestContext): Promise<Reply> {
  const [id, outcome] = context.params;
  const account = findAccount(context.app.state, id);
  const deliver = helperBoolean(helperBody(context), 'deliver', true);
  const events = collectEvents(context.app.state, () => setOnboarding(context.app, account, outcome as OnboardingOutcome));
  if (deliver) await context.app.outbox.deliver(events);
  return json(200, { account, events: events.map((event) => event.id) });
}

/** `POST /test/accounts/:id/deauthorize` `{ deliver? }`: the builder disconnects the platform (`account.application.deauthorized`). */
async function deauthorizeHelper(context: RequestContext): Promise<Reply> {
  const account = findAccount(context.app.state, context.params[0]);
  const deliver = helperBoolean(helperBody(context), 'deliver', true);
  const events = collectEvents(context.app.state, () => deauthorize(context.app, account));
  if (deliver) await context.app.outbox.deliver(events);
  return json(200, { account: account.id, events: events.map((event) => event.id) });
}

// ---- Connect OAuth (an existing Stripe account connects) ----------------------------------------

/**
 * `GET /oauth/authorize?response_type=code&client_id=ca_…&scope=read_write&redirect_uri=…&state=…`
 * (`stripe_user[email]` optional): the page where the builder connects their existing Stripe account
 * to the platform, or declines. `redirect_uri` is required here (the stand-in has no dashboard setting).
 */
function oauthAuthorizePage(context: RequestContext): Reply {
  const query = queryParams(context, ['always_prompt', 'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'stripe_landing', 'stripe_user', 'suggested_capabilities']);
  const responseType = readString(query, 'response_type') ?? 'code';
  const clientId = readString(query, 'client_id');
  const redirectUri = readString(query, 'redirect_uri');
  const problem =
    responseType !== 'code' ? 'response_type must be code.'
    : clientId === undefined || !clientId.startsWith('ca_') ? 'client_id must be the platform\'s Connect client id (ca_…).'
    : redirectUri === undefined || !/^https?:\/\//.test(redirectUri) ? 'redirect_uri must be an http(s) URL.'
    : null;
  if (problem !== null) return { kind: 'html', status: 400, html: onboardingHtml(`<h1>Invalid authorization request</h1><p>${escapeHtml(problem)}</p>`) };
  const scope = readString(query, 'scope') ?? 'read_write';
  const email = readString(readObjectParam(query, 'stripe_user'), 'email') ?? '';
  const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const fields = [hidden('redirect_uri', redirectUri as string), hidden('state', readString(query, 'state') ?? ''), hidden('scope', scope), hidden('email', email)].join('');
  return {
    kind: 'html',
    status: 200,
    html: onboardingHtml(`
    <h1>Connect your existing Stripe account</h1>
    <p><strong>${escapeHtml(context.app.state.connect.application.name ?? 'The platform')}</strong> asks for <code>${escapeHtml(scope)}</code> access to your Stripe account.</p>
    <form method="post" action="/test/oauth/authorize">${fields}${hidden('decision', 'accept')}<button type="submit" id="accept">Connect my Stripe account</button></form>
    <form method="post" action="/test/oauth/authorize">${fields}${hidden('decision', 'deny')}<button type="submit" class="secondary" id="deny">Deny</button></form>
    <p class="note">Stripe stand-in: the "existing" account is made on the spot, already able to take charges.</p>`),
  };
}

function readObjectParam(query: Record<string, unknown>, key: string): Record<string, string> {
  const value = query[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

/**
 * The authorize page's buttons, or a test's call: `{ redirect_uri?, state?, scope?, email?, account?, decision? }`
 * (`decision` accept, the default, or deny; `account` reconnects an account that disconnected). Accept connects an account (`account.application.authorized`,
 * delivered before answering) and redirects to `redirect_uri?code=ac_…&scope=…&state=…`; deny redirects
 * with `error=access_denied`, as Stripe does. JSON callers get `{ code, account, redirect, events }`.
 */
async function oauthDecision(context: RequestContext): Promise<Reply> {
  const body = helperBody(context);
  const redirectUri = helperString(body, 'redirect_uri') ?? 'http://127.0.0.1/oauth/callback';
  const state = typeof body.state === 'string' ? body.state : '';
  const scope = helperString(body, 'scope', ['read_write', 'read_only']) ?? 'read_write';
  const decision = helperString(body, 'decision', ['accept', 'deny']) ?? 'accept';
  const email = typeof body.email === 'string' && body.email !== '' ? body.email : null;
  const existing = typeof body.account === 'string' && body.account !== '' ? body.account : undefined;
  const target = httpUrl(redirectUri, 'redirect_uri');
  let reply: Record<string, unknown> = {};
  const events = collectEvents(context.app.state, () => {
    if (decision === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied your request');
      return;
    }
    const { code, account } = authorizeOAuth(context.app, email, scope as 'read_write' | 'read_only', existing);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', scope);
    reply = { code, account };
  });
  if (state !== '') target.searchParams.set('state', state);
  await context.app.outbox.deliver(events);
  if (isBrowserPost(context)) return { kind: 'redirect', location: target.toString() };
  return json(200, { ...reply, redirect: target.toString(), events: events.map((event) => event.id) });
}

function httpUrl(value: string, param: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalidRequest(`\`${param}\` must be an http(s) URL.`, { param });
  return url;
}

/** `POST /oauth/token` (platform secret key): exchanges an authorization code for the connected account id (`stripe_user_id`). */
function oauthToken(context: RequestContext): Reply {
  platformOnly(context, 'POST /oauth/token');
  const answer = exchangeOAuthCode(context.app, formBody(context));
  return json('error' in answer ? 400 : 200, answer);
}

/**
 * `POST /oauth/deauthorize` (`client_id`, `stripe_user_id`): the platform disconnects the account
 * (`account.application.deauthorized`, delivered after the answer) → `{ stripe_user_id }`; an unknown or
 * already disconnected account is 400 `invalid_client`.
 */
function oauthDeauthorize(context: RequestContext): Reply {
  platformOnly(context, 'POST /oauth/deauthorize');
  const params = formBody(context);
  const id = readString(params, 'stripe_user_id') ?? '';
  const account = context.app.state.connect.accounts.get(id);
  if (!account || context.app.state.connect.deauthorized.has(id)) {
    return json(400, { error: 'invalid_client', error_description: `No such user: ${id}` });
  }
  deliverInBackground(context.app, () => deauthorize(context.app, account));
  return json(200, { stripe_user_id: id });
}
