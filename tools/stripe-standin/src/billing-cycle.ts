// The clock-driven subscription lifecycle: `advanceClock` runs the queued work due in the skipped time,
// in time order: trial reminders, period ends (renewal invoice, or the end of a `cancel_at_period_end`
// subscription) and Stripe-like smart retries of failed payments (3, 5 and 7 days after the failure;
// after the third failed retry the subscription is canceled).
import { addInterval, DAY_SECONDS } from './clock';
import type { Invoice, Subscription } from './billing-objects';
import { currentPeriod, invoiceSubscription } from './billing-objects';
import { invalidRequest } from './errors';
import type { EventContext } from './events';
import { applyUpdate, collectEvents, emitChanges, emitEvent } from './events';
import { attemptPayment, createInvoice, emitPaid, settleInvoice } from './invoices';
import { cancelJobs, scheduleJob, takeDueJob } from './jobs';
import type { StripeEvent } from './objects';
import type { ScheduledJob, StandinState } from './state';
import { endSubscription, hasOpenInvoices, setPeriod } from './subscriptions';

/** Days after the first failed attempt on which the payment is retried. */
export const RETRY_DAYS: readonly number[] = [3, 5, 7];

/** Result of a clock advance: the new simulated time and the ids of the events it produced, in order. */
export interface AdvanceResult {
  now: number;
  events: string[];
}

const running = new WeakMap<StandinState, Promise<unknown>>();

/**
 * Moves the simulated clock `seconds` ahead, running every job due up to the new time in `(at, seq)`
 * order with the clock pinned at the job's time, and (when `deliver`) delivering each job's events
 * before the next job runs. Advances never overlap: a second call waits for the first.
 */
export function advanceClock(app: EventContext, seconds: number, deliver: boolean): Promise<AdvanceResult> {
  const previous = running.get(app.state) ?? Promise.resolve();
  const run = previous.then(() => runAdvance(app, Math.floor(seconds), deliver));
  running.set(app.state, run.catch(() => undefined));
  return run;
}

async function runAdvance(app: EventContext, seconds: number, deliver: boolean): Promise<AdvanceResult> {
  const start = app.clock.now();
  const target = start + seconds;
  const events: string[] = [];
  try {
    for (let job = takeDueJob(app.state, target); job; job = takeDueJob(app.state, target)) {
      app.clock.pin(Math.max(job.at, start));
      const current = job;
      const batch: StripeEvent[] = collectEvents(app.state, () => runJob(app, current));
      events.push(...batch.map((event) => event.id));
      if (deliver) await app.outbox.deliver(batch);
    }
  } finally {
    app.clock.resumeAt(target);
  }
  return { now: target, events };
}

function runJob(platform: EventContext, job: ScheduledJob): void {
  const partition = job.account === null ? platform.platform : platform.platform.connect.partitions.get(job.account);
  if (!partition) return;
  const app: EventContext = { ...platform, state: partition };
  const subscription = app.state.subscriptions.get(job.subscription);
  if (!subscription || subscription.status === 'canceled') return;
  if (job.kind === 'trial_will_end') {
    if (subscription.status === 'trialing') emitEvent(app, 'customer.subscription.trial_will_end', subscription);
  } else if (job.kind === 'period_end') {
    if (currentPeriod(subscription).end === job.at) periodEnd(app, subscription);
  } else {
    retryPayment(app, subscription, job);
  }
}

function periodEnd(app: EventContext, subscription: Subscription): void {
  if (subscription.cancel_at_period_end) return endSubscription(app, subscription, 'cancellation_requested');
  renew(app, subscription);
}

/**
 * Starts the next period: a `subscription_cycle` invoice for it is paid (or fails: `past_due`, first
 * retry queued), then `customer.subscription.updated` carries the new period and status.
 */
function renew(app: EventContext, subscription: Subscription): void {
  const recurring = subscription.items.data[0].price.recurring;
  if (recurring === null) throw new Error(`subscription ${subscription.id} has a one-time price`);
  const start = currentPeriod(subscription).end;
  const period = { start, end: addInterval(start, recurring.interval, recurring.interval_count) };
  const before = structuredClone(subscription);
  const invoice = createInvoice(app, subscription, 'subscription_cycle', period);
  const firstRetry = app.clock.now() + RETRY_DAYS[0] * DAY_SECONDS;
  const paid = attemptPayment(app, invoice, firstRetry);
  setPeriod(subscription, period);
  subscription.latest_invoice = invoice.id;
  subscription.status = paid && !hasOpenInvoices(app.state, subscription.id) ? 'active' : 'past_due';
  emitChanges(app, 'customer.subscription.updated', before, subscription);
  if (!paid) scheduleJob(app.state, { at: firstRetry, kind: 'payment_retry', subscription: subscription.id, invoice: invoice.id, retry: 1 });
  scheduleJob(app.state, { at: period.end, kind: 'period_end', subscription: subscription.id });
}

/** Retry `job.retry` (1-based) of an open invoice; after the last failed one the subscription is canceled. */
function retryPayment(app: EventContext, subscription: Subscription, job: ScheduledJob): void {
  const invoice = job.invoice === undefined ? undefined : app.state.invoices.get(job.invoice);
  const retry = job.retry ?? 1;
  if (!invoice || invoice.status !== 'open') return;
  const failedAt = job.at - RETRY_DAYS[retry - 1] * DAY_SECONDS;
  const next = retry < RETRY_DAYS.length ? failedAt + RETRY_DAYS[retry] * DAY_SECONDS : null;
  if (attemptPayment(app, invoice, next)) return afterPaid(app, invoice);
  if (next !== null) scheduleJob(app.state, { at: next, kind: 'payment_retry', subscription: subscription.id, invoice: invoice.id, retry: retry + 1 });
  else endSubscription(app, subscription, 'payment_failed');
}

/** After an invoice is paid: its retries are dropped and a `past_due` subscription with nothing else open becomes `active`. */
function afterPaid(app: EventContext, invoice: Invoice): void {
  const subscription = app.state.subscriptions.get(invoiceSubscription(invoice));
  if (!subscription) return;
  cancelJobs(app.state, subscription.id, ['payment_retry'], invoice.id);
  if (subscription.status !== 'past_due' || hasOpenInvoices(app.state, subscription.id)) return;
  applyUpdate(app, 'customer.subscription.updated', subscription, (target) => {
    target.status = 'active';
  });
}

/**
 * Pays an open invoice now, whatever the card (`/test/invoices/:id/pay`, a recovery): `invoice.paid`,
 * `invoice.payment_succeeded`, and the subscription back to `active`. 400 when it is not open.
 */
export function payInvoiceNow(app: EventContext, invoice: Invoice): void {
  if (invoice.status !== 'open') throw invalidRequest(`Invoice ${invoice.id} is already ${invoice.status}.`, { code: 'invoice_not_open' });
  settleInvoice(app, invoice);
  emitPaid(app, invoice);
  afterPaid(app, invoice);
}

/**
 * `POST /v1/invoices/:id/pay`: one attempt with the customer's card. Returns whether it paid; a decline
 * stores `invoice.payment_failed` (the caller answers 402) and keeps the retry schedule.
 */
export function payInvoiceWithCard(app: EventContext, invoice: Invoice): boolean {
  if (invoice.status !== 'open') throw invalidRequest(`Invoice ${invoice.id} is already ${invoice.status}.`, { code: 'invoice_not_open' });
  if (!attemptPayment(app, invoice, invoice.next_payment_attempt)) return false;
  afterPaid(app, invoice);
  return true;
}
