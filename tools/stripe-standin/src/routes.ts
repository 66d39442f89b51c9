// The endpoints: the Stripe API subset under /v1 (secret key required), the hosted pages and the
// /test helpers that play the customer, the dashboard, the card network and Stripe's webhook sender.
// This module holds Checkout Sessions and events and assembles every route table.
import type { Customer, Invoice, Subscription } from './billing-objects';
import type { StoredCheckoutSession } from './checkout';
import { createCheckoutSession, findCheckoutSession } from './checkout';
import { invalidRequest } from './errors';
import { eventVisible, findEvent } from './events';
import type { Reply } from './http-io';
import { json } from './http-io';
import { paginate, readCreatedFilter, typeMatches } from './list';
import type { CheckoutLineItem, CheckoutSession, EventObject, PaymentIntent, StripeEvent, StripeList } from './objects';
import { readEnum, readObject, readString, readStringList } from './params';
import { expandObject, formBody, queryParams, readExpand } from './request';
import type { App, RequestContext, Route } from './router';
import { BILLING_ROUTES } from './routes-billing';
import { CONNECT_ROUTES } from './routes-connect';
import { PAYMENT_ROUTES } from './routes-payments';
import { TEST_ROUTES } from './routes-test';
import type { DeliveryResult } from './webhook';

/** A checkout session as the API returns it, with `expand[]` applied. */
export type CheckoutSessionView = Omit<CheckoutSession, 'payment_intent' | 'customer' | 'subscription' | 'invoice'> & {
  payment_intent: string | PaymentIntent | null;
  customer: string | Customer | null;
  subscription: string | Subscription | null;
  invoice: string | Invoice | null;
  line_items?: StripeList<CheckoutLineItem>;
};

/**
 * Response of the event-producing test helpers. `event` is the main event (`checkout.session.completed`
 * for completions) and `delivery` its delivery result (null when not delivered); `events` lists the ids
 * of every event the call stored, in order.
 */
export interface DeliveryReply<T extends EventObject = CheckoutSession> {
  event: StripeEvent<T>;
  delivery: DeliveryResult | null;
  events?: string[];
}

const ID = '([^/]+)';

const CHECKOUT_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, auth: true, idempotent: true, handle: createSession },
  { method: 'GET', pattern: /^\/v1\/checkout\/sessions$/, auth: true, handle: listSessions },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}/line_items$`), auth: true, handle: listLineItems },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`), auth: true, handle: retrieveSession },
  { method: 'GET', pattern: /^\/v1\/events$/, auth: true, handle: listEvents },
  { method: 'GET', pattern: new RegExp(`^/v1/events/${ID}$`), auth: true, handle: retrieveEvent },
];

/** All routes, matched in order. */
export const ROUTES: readonly Route[] = [...CHECKOUT_ROUTES, ...BILLING_ROUTES, ...PAYMENT_ROUTES, ...CONNECT_ROUTES, ...TEST_ROUTES];

// ---- /v1/checkout/sessions -------------------------------------------------------------------

function createSession(context: RequestContext): Reply {
  const params = formBody(context);
  const expand = readExpand(params, SESSION_EXPANDABLE, '');
  const { config, state } = context.app;
  const stored = createCheckoutSession(params, config.publicUrl, context.app.clock.now(), state);
  state.checkoutSessions.set(stored.session.id, stored);
  return json(200, sessionView(stored, expand, context.app));
}

function retrieveSession(context: RequestContext): Reply {
  const query = queryParams(context, ['expand']);
  return json(200, sessionView(findSession(context.app, context.params[0]), readExpand(query, SESSION_EXPANDABLE, ''), context.app));
}

const SESSION_LIST_PARAMS = ['created', 'customer', 'customer_details', 'ending_before', 'expand', 'limit', 'payment_intent', 'payment_link', 'starting_after', 'status', 'subscription'];

function listSessions(context: RequestContext): Reply {
  const query = queryParams(context, SESSION_LIST_PARAMS);
  const expand = readExpand(query, SESSION_EXPANDABLE, 'data.');
  const created = readCreatedFilter(query);
  const status = readEnum(query, 'status', ['complete', 'expired', 'open']);
  const paymentIntent = readString(query, 'payment_intent');
  const customer = readString(query, 'customer');
  const subscription = readString(query, 'subscription');
  const email = readString(readObject(query, 'customer_details') ?? {}, 'email', 'customer_details');
  const sessions = [...context.app.state.checkoutSessions.values()]
    .reverse()
    .filter(({ session }) => created(session.created))
    .filter(({ session }) => status === undefined || session.status === status)
    .filter(({ session }) => paymentIntent === undefined || session.payment_intent === paymentIntent)
    .filter(({ session }) => customer === undefined || session.customer === customer)
    .filter(({ session }) => subscription === undefined || session.subscription === subscription)
    .filter(({ session }) => email === undefined || session.customer_details?.email === email);
  const page = paginate(sessions.map((stored) => ({ id: stored.session.id, stored })), query, '/v1/checkout/sessions', 'checkout.session');
  return json(200, { ...page, data: page.data.map(({ stored }) => sessionView(stored, expand, context.app)) });
}

function listLineItems(context: RequestContext): Reply {
  const query = queryParams(context, ['ending_before', 'expand', 'limit', 'starting_after']);
  const stored = findSession(context.app, context.params[0]);
  return json(200, paginate(stored.lineItems, query, lineItemsUrl(stored.session.id), 'item'));
}

const SESSION_EXPANDABLE: ReadonlySet<string> = new Set(['line_items', 'payment_intent', 'customer', 'invoice', 'subscription', 'setup_intent', 'payment_link']);

/** The session with `line_items` and the id fields (`payment_intent`, `customer`, `subscription`, `invoice`) expanded when asked. */
function sessionView(stored: StoredCheckoutSession, expand: readonly string[], app: App): CheckoutSessionView {
  const view: CheckoutSessionView = expandObject(app.state, { ...stored.session } as CheckoutSessionView, expand);
  if (expand.includes('line_items')) {
    view.line_items = { object: 'list', data: stored.lineItems, has_more: false, url: lineItemsUrl(stored.session.id) };
  }
  return view;
}

function lineItemsUrl(sessionId: string): string {
  return `/v1/checkout/sessions/${sessionId}/line_items`;
}

function findSession(app: App, id: string): StoredCheckoutSession {
  return findCheckoutSession(app.state, id);
}

// ---- /v1/events ------------------------------------------------------------------------------

function retrieveEvent(context: RequestContext): Reply {
  queryParams(context, []);
  return json(200, findEvent(context.app.state, context.params[0]));
}

const EVENT_LIST_PARAMS = ['created', 'delivery_success', 'ending_before', 'expand', 'limit', 'starting_after', 'type', 'types'];

function listEvents(context: RequestContext): Reply {
  const query = queryParams(context, EVENT_LIST_PARAMS);
  readExpand(query, new Set(), 'data.');
  const created = readCreatedFilter(query);
  const type = readString(query, 'type');
  const types = readStringList(query, 'types');
  if (type !== undefined && types.length > 0) throw invalidRequest('You may only specify one of these parameters: type, types.', { param: 'type' });
  const patterns = type === undefined ? types : [type];
  const events = [...context.app.state.events]
    .reverse()
    .filter((event) => eventVisible(context.app.state, event))
    .filter((event) => created(event.created))
    .filter((event) => patterns.length === 0 || patterns.some((pattern) => typeMatches(event.type, pattern)));
  return json(200, paginate(events, query, '/v1/events', 'event'));
}
