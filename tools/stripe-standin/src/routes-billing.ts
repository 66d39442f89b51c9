// Billing endpoints: customers, subscriptions, invoices, billing portal sessions, and the portal page.
// Events caused by API calls are queued for delivery after the response, as Stripe sends them.
import { payInvoiceWithCard } from './billing-cycle';
import type { Subscription } from './billing-objects';
import { CANCELLATION_FEEDBACK, invoiceSubscription } from './billing-objects';
import { CUSTOMER_CREATE_PARAMS, createCustomer, findCustomer, readCustomerFields } from './customers';
import { cardError, invalidRequest } from './errors';
import { applyUpdate, collectEvents, deliverInBackground } from './events';
import type { Reply } from './http-io';
import { json } from './http-io';
import { findInvoice } from './invoices';
import { paginate, readCreatedFilter } from './list';
import { readEnum, readObject, readString, rejectUnknown } from './params';
import { createPortalSession, findPortalSession, renderPortalPage } from './portal';
import { eventRequest, expandable, expandObject, formBody, formParams, helperBody, helperBoolean, isBrowserPost, queryParams, readExpand } from './request';
import type { App, RequestContext, Route } from './router';
import { scopeOwning } from './router';
import { endSubscription, findSubscription, setCancelAtPeriodEnd, updateSubscription } from './subscriptions';

const ID = '([^/]+)';

/** Customers, subscriptions, invoices and the billing portal. */
export const BILLING_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v1\/customers$/, auth: true, idempotent: true, handle: createCustomerRoute },
  { method: 'GET', pattern: /^\/v1\/customers$/, auth: true, handle: listCustomers },
  { method: 'GET', pattern: new RegExp(`^/v1/customers/${ID}$`), auth: true, handle: retrieveCustomer },
  { method: 'GET', pattern: /^\/v1\/subscriptions$/, auth: true, handle: listSubscriptions },
  { method: 'GET', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), auth: true, handle: retrieveSubscription },
  { method: 'POST', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), auth: true, idempotent: true, handle: updateSubscriptionRoute },
  { method: 'DELETE', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), auth: true, handle: cancelSubscriptionRoute },
  { method: 'GET', pattern: /^\/v1\/invoices$/, auth: true, handle: listInvoices },
  { method: 'GET', pattern: new RegExp(`^/v1/invoices/${ID}$`), auth: true, handle: retrieveInvoice },
  { method: 'POST', pattern: new RegExp(`^/v1/invoices/${ID}/pay$`), auth: true, idempotent: true, handle: payInvoiceRoute },
  { method: 'POST', pattern: /^\/v1\/billing_portal\/sessions$/, auth: true, idempotent: true, handle: createPortalSessionRoute },
  { method: 'GET', pattern: new RegExp(`^/portal/${ID}$`), auth: false, handle: portalPage },
  { method: 'POST', pattern: new RegExp(`^/test/portal/${ID}/subscriptions/${ID}/cancel_at_period_end$`), auth: false, handle: portalCancel },
];

// ---- /v1/customers ----------------------------------------------------------------------------

function createCustomerRoute(context: RequestContext): Reply {
  const params = formParams(context, CUSTOMER_CREATE_PARAMS);
  readExpand(params, new Set(), '');
  return json(200, createCustomer(context.app, readCustomerFields(params)));
}

function retrieveCustomer(context: RequestContext): Reply {
  queryParams(context, ['expand']);
  return json(200, findCustomer(context.app.state, context.params[0]));
}

function listCustomers(context: RequestContext): Reply {
  const query = queryParams(context, ['created', 'email', 'ending_before', 'expand', 'limit', 'starting_after', 'test_clock']);
  const created = readCreatedFilter(query);
  const email = readString(query, 'email');
  const customers = [...context.app.state.customers.values()]
    .reverse()
    .filter((customer) => created(customer.created))
    .filter((customer) => email === undefined || customer.email === email);
  return json(200, paginate(customers, query, '/v1/customers', 'customer'));
}

// ---- /v1/subscriptions ------------------------------------------------------------------------

const SUBSCRIPTION_EXPANDABLE = expandable('customer', 'latest_invoice');
const SUBSCRIPTION_STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'];

function subscriptionView(app: App, subscription: Subscription, expand: readonly string[]): Subscription {
  return expandObject(app.state, subscription, expand);
}

function retrieveSubscription(context: RequestContext): Reply {
  const query = queryParams(context, ['expand']);
  const subscription = findSubscription(context.app.state, context.params[0]);
  return json(200, subscriptionView(context.app, subscription, readExpand(query, SUBSCRIPTION_EXPANDABLE, '')));
}

/** Newest first; without `status` (or `status=all`) canceled subscriptions are left out, as Stripe does. */
function listSubscriptions(context: RequestContext): Reply {
  const query = queryParams(context, ['automatic_tax', 'collection_method', 'created', 'current_period_end', 'current_period_start', 'customer', 'customer_account', 'ending_before', 'expand', 'limit', 'price', 'starting_after', 'status', 'test_clock']);
  const expand = readExpand(query, SUBSCRIPTION_EXPANDABLE, 'data.');
  const created = readCreatedFilter(query);
  const customer = readString(query, 'customer');
  const price = readString(query, 'price');
  const status = readString(query, 'status');
  if (status !== undefined && !SUBSCRIPTION_STATUSES.includes(status)) {
    throw invalidRequest(`Invalid status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`, { code: 'parameter_invalid_string', param: 'status' });
  }
  const subscriptions = [...context.app.state.subscriptions.values()]
    .reverse()
    .filter((subscription) => created(subscription.created))
    .filter((subscription) => customer === undefined || subscription.customer === customer)
    .filter((subscription) => price === undefined || subscription.items.data.some((item) => item.price.id === price))
    .filter((subscription) => statusMatches(subscription, status));
  const page = paginate(subscriptions, query, '/v1/subscriptions', 'subscription');
  return json(200, { ...page, data: page.data.map((subscription) => subscriptionView(context.app, subscription, expand)) });
}

function statusMatches(subscription: Subscription, status: string | undefined): boolean {
  if (status === 'all') return true;
  if (status === undefined) return subscription.status !== 'canceled';
  if (status === 'ended') return subscription.status === 'canceled';
  return subscription.status === status;
}

function updateSubscriptionRoute(context: RequestContext): Reply {
  const params = formBody(context);
  const expand = readExpand(params, SUBSCRIPTION_EXPANDABLE, '');
  const subscription = findSubscription(context.app.state, context.params[0]);
  deliverInBackground(context.app, () => updateSubscription(context.app, subscription, params, eventRequest(context)));
  return json(200, subscriptionView(context.app, subscription, expand));
}

/** `DELETE /v1/subscriptions/:id`: cancels now (`customer.subscription.deleted`); no proration or final invoice. */
function cancelSubscriptionRoute(context: RequestContext): Reply {
  const params = { ...formBody(context), ...queryParams(context, ['cancellation_details', 'expand', 'invoice_now', 'prorate']) };
  rejectUnknown(params, new Set(['cancellation_details', 'expand', 'invoice_now', 'prorate']));
  const expand = readExpand(params, SUBSCRIPTION_EXPANDABLE, '');
  const subscription = findSubscription(context.app.state, context.params[0]);
  if (subscription.status === 'canceled') throw invalidRequest(`This subscription has already been canceled (${subscription.id}).`);
  const details = readObject(params, 'cancellation_details') ?? {};
  subscription.cancellation_details = {
    ...subscription.cancellation_details,
    comment: readString(details, 'comment', 'cancellation_details') ?? null,
    feedback: readEnum(details, 'feedback', CANCELLATION_FEEDBACK, 'cancellation_details') ?? null,
  };
  deliverInBackground(context.app, () => endSubscription(context.app, subscription, 'cancellation_requested', eventRequest(context)));
  return json(200, subscriptionView(context.app, subscription, expand));
}

// ---- /v1/invoices -----------------------------------------------------------------------------

const INVOICE_EXPANDABLE = expandable('customer', 'subscription');

function retrieveInvoice(context: RequestContext): Reply {
  const query = queryParams(context, ['expand']);
  return json(200, expandObject(context.app.state, findInvoice(context.app.state, context.params[0]), readExpand(query, INVOICE_EXPANDABLE, '')));
}

function listInvoices(context: RequestContext): Reply {
  const query = queryParams(context, ['collection_method', 'created', 'customer', 'customer_account', 'due_date', 'ending_before', 'expand', 'limit', 'starting_after', 'status', 'subscription']);
  const expand = readExpand(query, INVOICE_EXPANDABLE, 'data.');
  const created = readCreatedFilter(query);
  const customer = readString(query, 'customer');
  const subscription = readString(query, 'subscription');
  const status = readEnum(query, 'status', ['draft', 'open', 'paid', 'uncollectible', 'void']);
  const invoices = [...context.app.state.invoices.values()]
    .reverse()
    .filter((invoice) => created(invoice.created))
    .filter((invoice) => customer === undefined || invoice.customer === customer)
    .filter((invoice) => subscription === undefined || invoiceSubscription(invoice) === subscription)
    .filter((invoice) => status === undefined || invoice.status === status);
  const page = paginate(invoices, query, '/v1/invoices', 'invoice');
  return json(200, { ...page, data: page.data.map((invoice) => expandObject(context.app.state, invoice, expand)) });
}

/** `POST /v1/invoices/:id/pay`: charges the customer's card now; a declining card answers 402 `card_declined`. */
function payInvoiceRoute(context: RequestContext): Reply {
  const params = formBody(context);
  readExpand(params, INVOICE_EXPANDABLE, '');
  const invoice = findInvoice(context.app.state, context.params[0]);
  let paid = false;
  deliverInBackground(context.app, () => {
    paid = payInvoiceWithCard(context.app, invoice);
  });
  if (!paid) throw cardError('card_declined');
  return json(200, invoice);
}

// ---- billing portal -----------------------------------------------------------------------------

function createPortalSessionRoute(context: RequestContext): Reply {
  return json(200, createPortalSession(context.app, formBody(context)));
}

function portalPage(context: RequestContext): Reply {
  const { state } = scopeOwning(context.app, (candidate) => candidate.portalSessions.has(context.params[0]));
  const session = state.portalSessions.get(context.params[0]);
  if (!session) return { kind: 'html', status: 404, html: '<!doctype html><title>Not found</title><h1>Portal session not found</h1>' };
  return { kind: 'html', status: 200, html: renderPortalPage(state, session) };
}

/**
 * The portal's "Cancel at period end" / "Don't cancel" button (form field `cancel`, default true):
 * `customer.subscription.updated`, delivered before answering; a browser is sent back to the page.
 */
async function portalCancel(context: RequestContext): Promise<Reply> {
  const [sessionId, subscriptionId] = context.params;
  const app = scopeOwning(context.app, (state) => state.portalSessions.has(sessionId));
  const session = findPortalSession(app.state, sessionId);
  const subscription = findSubscription(app.state, subscriptionId);
  if (subscription.customer !== session.customer) throw invalidRequest(`Subscription ${subscription.id} does not belong to customer ${session.customer}.`);
  if (subscription.status === 'canceled') throw invalidRequest(`Subscription ${subscription.id} is already canceled.`);
  const cancel = helperBoolean(helperBody(context), 'cancel', true);
  const now = app.clock.now();
  const events = collectEvents(app.state, () => {
    applyUpdate(app, 'customer.subscription.updated', subscription, (target) => setCancelAtPeriodEnd(target, cancel, now));
  });
  await context.app.outbox.deliver(events);
  if (isBrowserPost(context)) return { kind: 'redirect', location: `/portal/${encodeURIComponent(session.id)}` };
  return json(200, { subscription, events: events.map((event) => event.id) });
}
