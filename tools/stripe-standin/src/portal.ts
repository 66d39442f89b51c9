// The customer portal: `POST /v1/billing_portal/sessions` and a minimal page at `/portal/:id` listing
// the customer's subscriptions, each with a "Cancel at period end" (or "Don't cancel") button.
import type { PortalSession, Subscription } from './billing-objects';
import { currentPeriod } from './billing-objects';
import { escapeHtml, formatAmount } from './checkout-page';
import { findCustomer } from './customers';
import { invalidRequest, noSuchObject } from './errors';
import type { EventContext } from './events';
import type { FormObject } from './form';
import { stripeId } from './objects';
import { readEnum, readString, rejectUnknown, requireString } from './params';
import type { StandinState } from './state';

/** `locale` values of `billing_portal.session` in API 2026-10-28 (BillingPortal.Session.Locale). */
const PORTAL_LOCALES = [
  'auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-AU', 'en-CA', 'en-GB', 'en-IE', 'en-IN', 'en-NZ', 'en-SG', 'es', 'es-419', 'et', 'fi', 'fil', 'fr',
  'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW',
] as const;

const CREATE_PARAMS: ReadonlySet<string> = new Set(['after_expiration', 'configuration', 'customer', 'customer_account', 'expand', 'flow_data', 'locale', 'on_behalf_of', 'return_url']);

/** Creates a portal session for an existing `customer`; `url` = `${publicUrl}/portal/${id}`. */
export function createPortalSession(app: EventContext, params: FormObject): PortalSession {
  rejectUnknown(params, CREATE_PARAMS);
  const customer = findCustomer(app.state, requireString(params, 'customer'), 'customer', 400);
  const returnUrl = readString(params, 'return_url') ?? null;
  if (returnUrl !== null && !/^https?:\/\//.test(returnUrl)) throw invalidRequest('Not a valid URL', { code: 'url_invalid', param: 'return_url' });
  const id = stripeId('bps_test_');
  const session: PortalSession = {
    id,
    object: 'billing_portal.session',
    configuration: 'bpc_standin_default',
    created: app.clock.now(),
    customer: customer.id,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: readEnum(params, 'locale', PORTAL_LOCALES) ?? null,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${app.config.publicUrl}/portal/${id}`,
  };
  app.state.portalSessions.set(id, session);
  return session;
}

/** The portal session `id`; 404 `resource_missing`. */
export function findPortalSession(state: StandinState, id: string): PortalSession {
  const session = state.portalSessions.get(id);
  if (!session) throw noSuchObject('billing_portal.session', id, 'session');
  return session;
}

/** The portal page: the customer's subscriptions (newest first) with their cancel buttons. */
export function renderPortalPage(state: StandinState, session: PortalSession): string {
  const customer = state.customers.get(session.customer);
  const subscriptions = [...state.subscriptions.values()].filter((subscription) => subscription.customer === session.customer).reverse();
  const rows = subscriptions.map((subscription) => subscriptionRow(session, subscription, state)).join('');
  const back = session.return_url ? `<p><a id="return" href="${escapeHtml(session.return_url)}">Return</a></p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Billing portal (Stripe stand-in)</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}table{width:100%;border-collapse:collapse}td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body><h1>Manage subscription</h1><p>Customer: <span id="customer-email">${escapeHtml(customer?.email ?? session.customer)}</span></p>
<table><tr><th>Plan</th><th>Status</th><th>Period ends</th><th></th></tr>${rows || '<tr><td colspan="4">No subscriptions.</td></tr>'}</table>${back}</body></html>`;
}

function subscriptionRow(session: PortalSession, subscription: Subscription, state: StandinState): string {
  const price = subscription.items.data[0].price;
  const name = state.products.get(price.product) ?? 'Subscription';
  const amount = `${formatAmount(price.unit_amount, price.currency)} / ${price.recurring?.interval ?? 'once'}`;
  const ends = new Date(currentPeriod(subscription).end * 1000).toISOString().slice(0, 10);
  const status = subscription.cancel_at_period_end && subscription.status !== 'canceled' ? `${subscription.status}, cancels ${ends}` : subscription.status;
  return `<tr id="${escapeHtml(subscription.id)}"><td>${escapeHtml(name)} (${escapeHtml(amount)})</td><td class="status">${escapeHtml(status)}</td><td>${ends}</td><td>${cancelForm(session, subscription)}</td></tr>`;
}

function cancelForm(session: PortalSession, subscription: Subscription): string {
  if (subscription.status === 'canceled') return '';
  const action = `/test/portal/${encodeURIComponent(session.id)}/subscriptions/${encodeURIComponent(subscription.id)}/cancel_at_period_end`;
  const cancel = !subscription.cancel_at_period_end;
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="cancel" value="${cancel}"><button type="submit">${cancel ? 'Cancel at period end' : "Don't cancel"}</button></form>`;
}
