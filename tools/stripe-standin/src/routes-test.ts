// The hosted checkout page and the /test helpers (no API key): they play the customer, the dashboard,
// the card network, the passage of time and Stripe's webhook sender. Helpers that store events deliver
// them before answering (unless `deliver: false`) and list their ids in `events`.
import { advanceClock, payInvoiceNow } from './billing-cycle';
import { findCharge, refundCharge } from './charges';
import { findCheckoutSession } from './checkout';
import { completeCheckout } from './checkout-complete';
import { renderCheckoutPage, renderMissingPage, successRedirectUrl } from './checkout-page';
import { DAY_SECONDS } from './clock';
import { findCustomer } from './customers';
import { closeDispute, DISPUTE_REASONS, findDispute, openDispute } from './disputes';
import { invalidRequest, noSuchObject } from './errors';
import { collectEvents } from './events';
import type { Reply } from './http-io';
import { json } from './http-io';
import { findInvoice } from './invoices';
import type { StripeEvent } from './objects';
import { helperAmount, helperBody, helperBoolean, helperNumber, helperString, isBrowserPost } from './request';
import type { App, RequestContext, Route } from './router';
import { scopeOwning } from './router';
import type { DeliveryReply } from './routes';
import type { DeliveryResult } from './webhook';

const ID = '([^/]+)';

/** The hosted checkout page and every /test helper. */
export const TEST_ROUTES: readonly Route[] = [
  { method: 'GET', pattern: new RegExp(`^/checkout/${ID}$`), auth: false, handle: checkoutPage },
  { method: 'POST', pattern: new RegExp(`^/test/checkout/sessions/${ID}/complete$`), auth: false, handle: completeSession },
  { method: 'POST', pattern: new RegExp(`^/test/events/${ID}/deliver$`), auth: false, handle: redeliverEvent },
  { method: 'GET', pattern: /^\/test\/clock$/, auth: false, handle: (context) => json(200, clockView(context.app)) },
  { method: 'POST', pattern: /^\/test\/clock\/advance$/, auth: false, handle: advance },
  { method: 'POST', pattern: new RegExp(`^/test/customers/${ID}/fail_payments$`), auth: false, handle: failPayments },
  { method: 'POST', pattern: new RegExp(`^/test/invoices/${ID}/pay$`), auth: false, handle: payInvoice },
  { method: 'POST', pattern: new RegExp(`^/test/charges/${ID}/refund$`), auth: false, handle: dashboardRefund },
  { method: 'POST', pattern: new RegExp(`^/test/charges/${ID}/dispute$`), auth: false, handle: createDispute },
  { method: 'POST', pattern: new RegExp(`^/test/disputes/${ID}/close$`), auth: false, handle: closeDisputeRoute },
  { method: 'POST', pattern: /^\/test\/refunds\/fail_next$/, auth: false, handle: failNextRefund },
  { method: 'POST', pattern: /^\/test\/webhooks\/drain$/, auth: false, handle: drainWebhooks },
  { method: 'GET', pattern: /^\/test\/state$/, auth: false, handle: (context) => json(200, stateSummary(context.app)) },
  { method: 'GET', pattern: /^\/test\/health$/, auth: false, handle: () => json(200, { ok: true }) },
  { method: 'GET', pattern: /^\/test\/contract-violations$/, auth: false, handle: (context) => json(200, contractReport(context.app)) },
];

/**
 * The Stripe schema check's findings so far: `{ enabled, stripe_version, api_version, violations }`
 * (`enabled: false` when STRIPE_STANDIN_CONTRACT_SCHEMAS is unset). Read by the system harness at teardown.
 */
function contractReport(app: App): Record<string, unknown> {
  if (!app.contract) return { enabled: false, violations: [] };
  const { stripe, api } = app.contract.contract.versions;
  return { enabled: true, stripe_version: stripe, api_version: api, violations: app.contract.log.list() };
}

/** The app in the account partition (platform or connected account) that holds the object the helper names. */
function owning(context: RequestContext, has: (state: App['state']) => boolean): App {
  return scopeOwning(context.app, has);
}

/** Delivers `events` in order unless `deliver` is false; resolves with their results (empty when not delivered). */
async function deliverIf(app: App, events: readonly StripeEvent[], deliver: boolean): Promise<DeliveryResult[]> {
  return deliver ? app.outbox.deliver(events) : [];
}

/** Runs `work`, delivers its events (unless the body says `deliver: false`) and answers `{ ...body, events }`. */
async function withEvents(context: RequestContext, work: () => Record<string, unknown>): Promise<Reply> {
  const deliver = helperBoolean(helperBody(context), 'deliver', true);
  let body: Record<string, unknown> = {};
  const events = collectEvents(context.app.state, () => {
    body = work();
  });
  await deliverIf(context.app, events, deliver);
  return json(200, { ...body, events: events.map((event) => event.id) });
}

// ---- checkout ---------------------------------------------------------------------------------

function checkoutPage(context: RequestContext): Reply {
  const stored = owning(context, (state) => state.checkoutSessions.has(context.params[0])).state.checkoutSessions.get(context.params[0]);
  if (!stored) return { kind: 'html', status: 404, html: renderMissingPage(context.params[0]) };
  return { kind: 'html', status: 200, html: renderCheckoutPage(stored) };
}

/**
 * Completes a session as if paid. Body `{ deliver?: boolean }` (default true), empty, or the hosted
 * page's form post (answered with a 303 to the success_url).
 */
async function completeSession(context: RequestContext): Promise<Reply> {
  const deliver = helperBoolean(helperBody(context), 'deliver', true);
  const app = owning(context, (state) => state.checkoutSessions.has(context.params[0]));
  const stored = findCheckoutSession(app.state, context.params[0]);
  const { event, events } = completeCheckout(app, stored);
  const results = await deliverIf(context.app, events, deliver);
  if (isBrowserPost(context)) return { kind: 'redirect', location: successRedirectUrl(stored.session) };
  const reply: DeliveryReply = { event, delivery: results[events.indexOf(event)] ?? null, events: events.map((item) => item.id) };
  return json(200, reply);
}

async function redeliverEvent(context: RequestContext): Promise<Reply> {
  const event = context.app.state.events.find((candidate) => candidate.id === context.params[0]);
  if (!event) throw noSuchObject('event', context.params[0], 'id');
  const delivery = await context.app.outbox.deliverNow(event);
  return json(200, { event, delivery });
}

// ---- clock ------------------------------------------------------------------------------------

/** Upper bound of one advance, so a typo cannot queue centuries of renewals. */
const MAX_ADVANCE_SECONDS = 3653 * DAY_SECONDS;

function clockView(app: App): { now: number; offset_seconds: number; iso: string } {
  const now = app.clock.now();
  return { now, offset_seconds: app.clock.offset, iso: new Date(now * 1000).toISOString() };
}

/**
 * `{ days?, seconds?, deliver? }`: moves the simulated clock ahead, running what falls due in time
 * order and delivering each step's events before the next. Answers `{ now, events }`.
 */
async function advance(context: RequestContext): Promise<Reply> {
  const body = helperBody(context);
  const seconds = (helperNumber(body, 'days') ?? 0) * DAY_SECONDS + (helperNumber(body, 'seconds') ?? 0);
  if (seconds > MAX_ADVANCE_SECONDS) throw invalidRequest('The clock can move at most 10 years (3653 days) per call.', { param: 'days' });
  const result = await advanceClock(context.app, seconds, helperBoolean(body, 'deliver', true));
  return json(200, result);
}

// ---- cards, invoices, refunds, disputes -------------------------------------------------------

/** `{ fail: boolean }` (default true): the customer's card declines every charge attempt from now on, or stops declining. */
function failPayments(context: RequestContext): Reply {
  const customer = findCustomer(owning(context, (state) => state.customers.has(context.params[0])).state, context.params[0]);
  const fail = helperBoolean(helperBody(context), 'fail', true);
  const failing = context.app.state.controls.failingCustomers;
  if (fail) failing.add(customer.id);
  else failing.delete(customer.id);
  return json(200, { customer: customer.id, fail_payments: fail });
}

/** Pays an open invoice now (the customer fixed the card and paid, or an operator marked it paid). */
function payInvoice(context: RequestContext): Promise<Reply> {
  const app = owning(context, (state) => state.invoices.has(context.params[0]));
  const invoice = findInvoice(app.state, context.params[0]);
  return withEvents(context, () => {
    payInvoiceNow(app, invoice);
    return { invoice };
  });
}

/**
 * `{ amount? }`: a refund made in the dashboard (no metadata, no idempotency key): the platform's, or the
 * connected account's own Dashboard for a charge on that account (its events carry `account`; the
 * application fee is kept, as a refund made there does not refund it).
 */
function dashboardRefund(context: RequestContext): Promise<Reply> {
  const app = owning(context, (state) => state.charges.has(context.params[0]));
  const charge = findCharge(app.state, context.params[0]);
  const amount = helperAmount(helperBody(context), 'amount');
  return withEvents(context, () => ({ refund: refundCharge(app, { charge, amount, reason: null, metadata: {}, refundApplicationFee: false }) }));
}

/** `{ reason?, amount? }`: the cardholder disputes the charge (`needs_response`, `charge.dispute.created`). */
function createDispute(context: RequestContext): Promise<Reply> {
  const app = owning(context, (state) => state.charges.has(context.params[0]));
  const charge = findCharge(app.state, context.params[0]);
  const body = helperBody(context);
  const input = { reason: helperString(body, 'reason', DISPUTE_REASONS), amount: helperAmount(body, 'amount') };
  return withEvents(context, () => ({ dispute: openDispute(app, charge, input) }));
}

/** `{ outcome: 'won' | 'lost' }`: the bank decides (`charge.dispute.closed`). */
function closeDisputeRoute(context: RequestContext): Promise<Reply> {
  const app = owning(context, (state) => state.disputes.has(context.params[0]));
  const dispute = findDispute(app.state, context.params[0]);
  const outcome = helperString(helperBody(context), 'outcome', ['won', 'lost']);
  if (outcome === undefined) throw invalidRequest('`outcome` is required: won or lost.', { param: 'outcome' });
  return withEvents(context, () => ({ dispute: closeDispute(app, dispute, outcome as 'won' | 'lost') }));
}

/** `{ code? }` (default `card_declined`): the next `POST /v1/refunds` answers 402 `card_error` with that code. */
function failNextRefund(context: RequestContext): Reply {
  const code = helperString(helperBody(context), 'code') ?? 'card_declined';
  context.app.state.controls.failNextRefund = code;
  return json(200, { fail_next: code });
}

/** Waits until every queued webhook delivery (including those of API calls) has been attempted. */
async function drainWebhooks(context: RequestContext): Promise<Reply> {
  await context.app.outbox.idle();
  return json(200, { events: context.app.state.events.length, deliveries: context.app.state.deliveries.length });
}

/**
 * Debug dump: clock, object counts (`counts`: the platform's objects plus the shared events, deliveries
 * and jobs; `connected_accounts`: each connected account's object counts and whether it disconnected),
 * application fees, failing customers, queued jobs.
 */
function stateSummary(app: App): Record<string, unknown> {
  const { state } = app;
  const { connect } = state;
  return {
    accounts: connect.accounts.size,
    application_fees: connect.applicationFees.size,
    clock: clockView(app),
    counts: { ...objectCounts(state), events: state.events.length, deliveries: state.deliveries.length, scheduled_jobs: state.jobs.length },
    connected_accounts: Object.fromEntries(
      [...connect.partitions.entries()].map(([account, partition]) => [account, { disconnected: connect.deauthorized.has(account), counts: objectCounts(partition) }]),
    ),
    failing_customers: [...state.controls.failingCustomers],
    fail_next_refund: state.controls.failNextRefund,
    jobs: [...state.jobs].sort((a, b) => a.at - b.at || a.seq - b.seq),
  };
}

function objectCounts(state: App['state']): Record<string, number> {
  return {
    checkout_sessions: state.checkoutSessions.size,
    customers: state.customers.size,
    subscriptions: state.subscriptions.size,
    invoices: state.invoices.size,
    payment_intents: state.paymentIntents.size,
    charges: state.charges.size,
    refunds: state.refunds.size,
    disputes: state.disputes.size,
    balance_transactions: state.balanceTransactions.size,
  };
}
