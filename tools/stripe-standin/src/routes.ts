// The endpoints: the Stripe API subset under /v1 (secret key required), the hosted checkout page
// and the /test helpers that play the customer and Stripe's webhook sender.
import { completeCheckoutSession, createCheckoutSession } from './checkout';
import type { StoredCheckoutSession } from './checkout';
import { renderCheckoutPage, renderMissingPage, successRedirectUrl } from './checkout-page';
import { invalidRequest, noSuchObject } from './errors';
import type { FormObject } from './form';
import { parseFormEncoded } from './form';
import type { Reply } from './http-io';
import { json, mediaType } from './http-io';
import { paginate, readCreatedFilter, typeMatches } from './list';
import type { CheckoutLineItem, CheckoutSession, PaymentIntent, StripeEvent, StripeList } from './objects';
import { stripeId, unixNow } from './objects';
import { readObject, readString, readStringList, rejectUnknown } from './params';
import type { App, RequestContext, Route } from './router';
import { headerValue } from './router';
import type { DeliveryResult } from './webhook';
import { deliverEvent } from './webhook';

/** A checkout session as the API returns it, with `expand[]` applied. */
export type CheckoutSessionView = Omit<CheckoutSession, 'payment_intent'> & {
  payment_intent: string | PaymentIntent | null;
  line_items?: StripeList<CheckoutLineItem>;
};

/** Response of the completion and delivery test helpers. `delivery` is null when nothing was sent. */
export interface DeliveryReply {
  event: StripeEvent;
  delivery: DeliveryResult | null;
}

const ID = '([^/]+)';

/** All routes, matched in order. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, auth: true, idempotent: true, handle: createSession },
  { method: 'GET', pattern: /^\/v1\/checkout\/sessions$/, auth: true, handle: listSessions },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}/line_items$`), auth: true, handle: listLineItems },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`), auth: true, handle: retrieveSession },
  { method: 'GET', pattern: new RegExp(`^/v1/payment_intents/${ID}$`), auth: true, handle: retrievePaymentIntent },
  { method: 'GET', pattern: /^\/v1\/events$/, auth: true, handle: listEvents },
  { method: 'GET', pattern: new RegExp(`^/v1/events/${ID}$`), auth: true, handle: retrieveEvent },
  { method: 'GET', pattern: new RegExp(`^/checkout/${ID}$`), auth: false, handle: checkoutPage },
  { method: 'POST', pattern: new RegExp(`^/test/checkout/sessions/${ID}/complete$`), auth: false, handle: completeSession },
  { method: 'POST', pattern: new RegExp(`^/test/events/${ID}/deliver$`), auth: false, handle: redeliverEvent },
  { method: 'GET', pattern: /^\/test\/health$/, auth: false, handle: () => json(200, { ok: true }) },
];

// ---- /v1/checkout/sessions -------------------------------------------------------------------

function createSession(context: RequestContext): Reply {
  const params = formBody(context);
  const expand = readExpand(params, SESSION_EXPANDABLE, '');
  const { config, state } = context.app;
  const stored = createCheckoutSession(params, config.publicUrl, unixNow());
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
  const status = readString(query, 'status');
  const paymentIntent = readString(query, 'payment_intent');
  const email = readString(readObject(query, 'customer_details') ?? {}, 'email', 'customer_details');
  const sessions = [...context.app.state.checkoutSessions.values()]
    .reverse()
    .filter(({ session }) => created(session.created))
    .filter(({ session }) => status === undefined || session.status === status)
    .filter(({ session }) => paymentIntent === undefined || session.payment_intent === paymentIntent)
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

/** The session with `line_items` / `payment_intent` expanded when asked (other expandable fields are null here). */
function sessionView(stored: StoredCheckoutSession, expand: readonly string[], app: App): CheckoutSessionView {
  const view: CheckoutSessionView = { ...stored.session };
  if (expand.includes('line_items')) {
    view.line_items = { object: 'list', data: stored.lineItems, has_more: false, url: lineItemsUrl(stored.session.id) };
  }
  const paymentIntentId = stored.session.payment_intent;
  if (expand.includes('payment_intent') && paymentIntentId !== null) {
    view.payment_intent = app.state.paymentIntents.get(paymentIntentId) ?? paymentIntentId;
  }
  return view;
}

function lineItemsUrl(sessionId: string): string {
  return `/v1/checkout/sessions/${sessionId}/line_items`;
}

function findSession(app: App, id: string): StoredCheckoutSession {
  const stored = app.state.checkoutSessions.get(id);
  if (!stored) throw noSuchObject('checkout.session', id, 'session');
  return stored;
}

// ---- /v1/payment_intents, /v1/events --------------------------------------------------------

function retrievePaymentIntent(context: RequestContext): Reply {
  queryParams(context, []);
  const paymentIntent = context.app.state.paymentIntents.get(context.params[0]);
  if (!paymentIntent) throw noSuchObject('payment_intent', context.params[0], 'intent');
  return json(200, paymentIntent);
}

function retrieveEvent(context: RequestContext): Reply {
  queryParams(context, []);
  return json(200, findEvent(context.app, context.params[0]));
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
    .filter((event) => created(event.created))
    .filter((event) => patterns.length === 0 || patterns.some((pattern) => typeMatches(event.type, pattern)));
  return json(200, paginate(events, query, '/v1/events', 'event'));
}

function findEvent(app: App, id: string): StripeEvent {
  const event = app.state.events.find((candidate) => candidate.id === id);
  if (!event) throw noSuchObject('event', id, 'id');
  return event;
}

// ---- hosted page and test helpers -------------------------------------------------------------

function checkoutPage(context: RequestContext): Reply {
  const stored = context.app.state.checkoutSessions.get(context.params[0]);
  if (!stored) return { kind: 'html', status: 404, html: renderMissingPage(context.params[0]) };
  return { kind: 'html', status: 200, html: renderCheckoutPage(stored) };
}

async function completeSession(context: RequestContext): Promise<Reply> {
  const options = readCompleteOptions(context);
  const { state, config } = context.app;
  const stored = findSession(context.app, context.params[0]);
  const now = unixNow();
  const paymentIntent = completeCheckoutSession(stored, now);
  state.paymentIntents.set(paymentIntent.id, paymentIntent);
  const event: StripeEvent = {
    id: stripeId('evt_test_'),
    object: 'event',
    api_version: config.apiVersion,
    created: now,
    data: { object: structuredClone(stored.session) },
    livemode: false,
    pending_webhooks: options.deliver ? 1 : 0,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  };
  state.events.push(event);
  const delivery = options.deliver ? await deliverAndRecord(context.app, event) : null;
  if (options.browser) return { kind: 'redirect', location: successRedirectUrl(stored.session) };
  return json(200, { event, delivery } satisfies DeliveryReply);
}

async function redeliverEvent(context: RequestContext): Promise<Reply> {
  const event = findEvent(context.app, context.params[0]);
  const delivery = await deliverAndRecord(context.app, event);
  return json(200, { event, delivery } satisfies DeliveryReply);
}

async function deliverAndRecord(app: App, event: StripeEvent): Promise<DeliveryResult> {
  const result = await deliverEvent(event, app.config.webhook);
  app.state.deliveries.push({ event_id: event.id, url: app.config.webhook.url, attempted_at: unixNow(), result });
  if (result.status >= 200 && result.status < 300) event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
  return result;
}

/**
 * Options of the completion helper: a JSON body `{ deliver?: boolean }` (default true), an empty
 * body, or the hosted page's form post (`browser`: answered with a 303 to the success_url).
 */
function readCompleteOptions(context: RequestContext): { deliver: boolean; browser: boolean } {
  if (context.rawBody.trim() === '') return { deliver: true, browser: false };
  if (mediaType(context.request) === 'application/x-www-form-urlencoded') {
    const form = parseFormEncoded(context.rawBody);
    const browser = (headerValue(context.request, 'accept') ?? '').includes('text/html');
    return { deliver: form.deliver !== 'false', browser };
  }
  const body = parseJsonObject(context.rawBody);
  if (body.deliver !== undefined && typeof body.deliver !== 'boolean') {
    throw invalidRequest('`deliver` must be a boolean.', { param: 'deliver' });
  }
  return { deliver: body.deliver ?? true, browser: false };
}

function parseJsonObject(text: string): { deliver?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('Invalid request body: expected a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest('Invalid request body: expected a JSON object.');
  }
  return parsed;
}

// ---- parameter plumbing -----------------------------------------------------------------------

/** The form-encoded body of a /v1 POST (the only body type the Stripe API accepts). */
function formBody(context: RequestContext): FormObject {
  const type = mediaType(context.request);
  if (context.rawBody !== '' && type !== 'application/x-www-form-urlencoded') {
    throw invalidRequest(`Invalid request: the Stripe API takes application/x-www-form-urlencoded bodies, not '${type || 'no content type'}'.`);
  }
  return parseFormEncoded(context.rawBody);
}

/** The query string, parsed, with any param outside `allowed` rejected as Stripe does. */
function queryParams(context: RequestContext, allowed: readonly string[]): FormObject {
  const query = parseFormEncoded(context.query);
  rejectUnknown(query, new Set(allowed));
  return query;
}

/** `expand[]` entries (after stripping `prefix`, e.g. `data.` on lists); unknown ones are a 400. */
function readExpand(params: FormObject, expandable: ReadonlySet<string>, prefix: string): string[] {
  return readStringList(params, 'expand').map((path) => {
    const field = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    if (!expandable.has(field)) throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    return field;
  });
}
