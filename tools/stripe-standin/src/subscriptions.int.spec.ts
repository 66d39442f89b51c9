// Subscription checkout and the clock-driven lifecycle (trial, renewals, failed payments and smart
// retries, cancellation), driven by the real `stripe` SDK with a receiver that verifies every webhook.
import Stripe from 'stripe';
import type { DeliveryReply, StripeStandin } from './standin';
import { startStripeStandin } from './standin';
import type { Receiver } from './test/spec-support';
import { advance, drain, helper, sdk, SPEC_WEBHOOK_SECRET, startReceiver, stripeError, typesOf } from './test/spec-support';

const DAY = 24 * 60 * 60;

function subscriptionSession(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'subscription',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 900, recurring: { interval: 'month' }, product_data: { name: 'Builder' } }, quantity: 1 }],
    subscription_data: { trial_period_days: 14, metadata: { workspaceId: 'ws_1' } },
    payment_method_collection: 'always',
    customer_email: 'owner@example.com',
    metadata: { workspaceId: 'ws_1', plan: 'builder' },
    custom_text: { submit: { message: '14-day free trial included. All sales final after the trial.' } },
    success_url: 'http://x/s?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://x/c',
    ...overrides,
  };
}

describe('subscriptions', () => {
  let receiver: Receiver;
  let standin: StripeStandin;
  let stripe: Stripe;

  beforeEach(async () => {
    receiver = await startReceiver();
    standin = await startStripeStandin({ port: 0, webhookUrl: receiver.url, webhookSecret: SPEC_WEBHOOK_SECRET });
    stripe = sdk(standin);
  });

  afterEach(async () => {
    // close() rejects when the stand-in broke Stripe's schema: the receiver is closed either way.
    await standin.close().finally(() => receiver.close());
    expect(receiver.rejected).toEqual([]);
  });

  /** Creates and completes a subscription session; returns the session (retrieved) and the completion reply. */
  async function subscribe(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
    const created = await stripe.checkout.sessions.create(subscriptionSession(overrides));
    const { status, body } = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${created.id}/complete`);
    expect(status).toBe(200);
    const session = await stripe.checkout.sessions.retrieve(created.id);
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    return { session, subscription, reply: body };
  }

  it('runs a 14-day trial: trialing, trial_will_end on day 11, first charge and active on day 15', async () => {
    const { session, subscription, reply } = await subscribe();

    expect(typesOf(standin, reply.events ?? [])).toEqual(['customer.subscription.created', 'checkout.session.completed']);
    expect(receiver.typesSince(0)).toEqual(['customer.subscription.created', 'checkout.session.completed']);
    expect(reply.delivery).toEqual({ status: 200, body: '{"received":true}' });
    expect(session).toMatchObject({ mode: 'subscription', status: 'complete', payment_status: 'no_payment_required', amount_total: 0, invoice: null });
    expect(session.customer).toMatch(/^cus_/);
    expect(subscription).toMatchObject({
      object: 'subscription',
      status: 'trialing',
      customer: session.customer,
      cancel_at_period_end: false,
      metadata: { workspaceId: 'ws_1', plan: 'builder' },
      latest_invoice: null,
    });
    expect(subscription.trial_end).toBe(subscription.created + 14 * DAY);
    // The period is on the items only (API 2025-03-31 removed the subscription's top-level current_period_*).
    expect(subscription).not.toHaveProperty('current_period_start');
    expect(subscription).not.toHaveProperty('current_period_end');
    expect(subscription.items.data[0]).toMatchObject({ current_period_start: subscription.created, current_period_end: subscription.trial_end, quantity: 1 });
    expect(subscription).toMatchObject({ billing_mode: { type: 'classic' }, invoice_settings: { issuer: { type: 'self' } } });
    expect(subscription.items.data[0].price).toMatchObject({ unit_amount: 900, currency: 'usd', type: 'recurring', recurring: { interval: 'month', interval_count: 1 } });
    expect((await stripe.customers.retrieve(session.customer as string)) as Stripe.Customer).toMatchObject({ email: 'owner@example.com' });

    const day11 = await advance(standin, { days: 11 });
    expect(typesOf(standin, day11.events)).toEqual(['customer.subscription.trial_will_end']);
    const reminder = standin.state.events.find((event) => event.id === day11.events[0]);
    expect(reminder?.created).toBe((subscription.trial_end as number) - 3 * DAY);

    const day15 = await advance(standin, { days: 4 });
    expect(typesOf(standin, day15.events)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    expect(receiver.typesSince(2)).toEqual(['customer.subscription.trial_will_end', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);

    const active = await stripe.subscriptions.retrieve(subscription.id);
    const trialEnd = subscription.trial_end as number;
    expect(active.status).toBe('active');
    expect(active.items.data[0].current_period_start).toBe(trialEnd);
    expect([28, 29, 30, 31].map((days) => trialEnd + days * DAY)).toContain(active.items.data[0].current_period_end);

    const invoice = await stripe.invoices.retrieve(active.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_cycle',
      amount_due: 900,
      amount_paid: 900,
      customer: session.customer,
      attempt_count: 1,
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: { workspaceId: 'ws_1', plan: 'builder' } } },
    });
    expect(invoice.lines.data[0].period).toEqual({ start: trialEnd, end: active.items.data[0].current_period_end });
    expect(invoice).not.toHaveProperty('subscription'); // removed in API 2025-03-31: parent.subscription_details instead
    expect(invoice).toMatchObject({ automatic_tax: { enabled: false }, default_tax_rates: [], issuer: { type: 'self' }, payment_settings: { payment_method_types: null } });
    expect(invoice.created).toBe(trialEnd);

    const updated = receiver.received[receiver.received.length - 1].event;
    expect(updated.data.previous_attributes).toMatchObject({ status: 'trialing' });
  });

  it('fails a renewal when the card declines (past_due), then recovers when the invoice is paid', async () => {
    const { session, subscription } = await subscribe();
    await advance(standin, { days: 15 });
    expect((await helper(standin, `/test/customers/${session.customer as string}/fail_payments`, { fail: true })).status).toBe(200);

    const renewal = await advance(standin, { days: 31 });
    expect(typesOf(standin, renewal.events)).toEqual(['invoice.payment_failed', 'customer.subscription.updated']);
    const pastDue = await stripe.subscriptions.retrieve(subscription.id);
    expect(pastDue.status).toBe('past_due');
    const failedEvent = standin.state.events.find((event) => event.id === renewal.events[0]);
    const invoice = await stripe.invoices.retrieve(pastDue.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, attempted: true, amount_paid: 0, amount_remaining: 900, billing_reason: 'subscription_cycle' });
    expect(invoice.next_payment_attempt).toBe((failedEvent?.created as number) + 3 * DAY);
    expect(standin.state.events.find((event) => event.id === renewal.events[1])?.data.previous_attributes).toMatchObject({ status: 'active' });

    const paid = await helper<{ events: string[] }>(standin, `/test/invoices/${invoice.id}/pay`);
    expect(typesOf(standin, paid.body.events)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    expect((await stripe.invoices.retrieve(invoice.id)).status).toBe('paid');

    // The paid invoice's retries are gone: nothing happens on days +3, +5, +7.
    expect((await advance(standin, { days: 8 })).events).toEqual([]);
    expect((await stripeError(stripe.invoices.pay(invoice.id))).statusCode).toBe(400);
  });

  it('pays an open invoice through POST /v1/invoices/:id/pay: 402 while the card declines, paid once fixed', async () => {
    const { session, subscription } = await subscribe({ subscription_data: {} });
    const customer = session.customer as string;
    await helper(standin, `/test/customers/${customer}/fail_payments`, { fail: true });
    await advance(standin, { days: 31 });
    const pastDue = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    const invoice = pastDue.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ object: 'invoice', status: 'open', attempt_count: 1 });

    const declined = await stripeError(stripe.invoices.pay(invoice.id));
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined.code).toBe('card_declined');
    await helper(standin, `/test/customers/${customer}/fail_payments`, { fail: false });
    const paid = await stripe.invoices.pay(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', attempt_count: 3, amount_paid: 900 });
    expect(paid.payments?.data[0].payment).toMatchObject({ type: 'payment_intent' });
    await drain(standin);
    expect(receiver.typesSince(receiver.received.length - 4)).toEqual(['invoice.payment_failed', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('bills yearly prices a year apart and skips the trial reminder for trials under 3 days', async () => {
    const { subscription } = await subscribe({
      line_items: [{ price_data: { currency: 'usd', unit_amount: 8900, recurring: { interval: 'year' }, product_data: { name: 'Builder annual' } }, quantity: 1 }],
      subscription_data: { trial_period_days: 2 },
    });
    const end = await advance(standin, { days: 2 });
    expect(typesOf(standin, end.events)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    const { current_period_start: start, current_period_end: periodEnd } = renewed.items.data[0];
    expect(new Date(periodEnd * 1000).toISOString().slice(4)).toBe(new Date(start * 1000).toISOString().slice(4));
    expect((await stripe.invoices.retrieve(renewed.latest_invoice as string)).lines.data[0].description).toBe('1 × Builder annual (at $89.00 / year)');
    expect((await advance(standin, { days: 300 })).events).toEqual([]);
  });

  it('retries on days +3, +5, +7 and cancels the subscription after the last failed retry', async () => {
    const { session, subscription, reply } = await subscribe({ subscription_data: { metadata: { workspaceId: 'ws_2' } } });
    expect(typesOf(standin, reply.events ?? [])).toEqual(['customer.subscription.created', 'invoice.paid', 'invoice.payment_succeeded', 'checkout.session.completed']);
    expect(session.payment_status).toBe('paid');
    expect(subscription.status).toBe('active');
    const first = await stripe.invoices.retrieve(session.invoice as string);
    expect(first).toMatchObject({ billing_reason: 'subscription_create', status: 'paid', amount_paid: 900 });

    await helper(standin, `/test/customers/${session.customer as string}/fail_payments`, { fail: true });
    const renewal = await advance(standin, { days: 31 });
    expect(typesOf(standin, renewal.events)).toEqual(['invoice.payment_failed', 'customer.subscription.updated']);
    expect(typesOf(standin, (await advance(standin, { days: 3 })).events)).toEqual(['invoice.payment_failed']);
    expect(typesOf(standin, (await advance(standin, { days: 2 })).events)).toEqual(['invoice.payment_failed']);
    const last = await advance(standin, { days: 2 });
    expect(typesOf(standin, last.events)).toEqual(['invoice.payment_failed', 'customer.subscription.deleted']);

    const canceled = await stripe.subscriptions.retrieve(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'payment_failed' } });
    const invoice = await stripe.invoices.retrieve(canceled.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
    expect((await advance(standin, { days: 60 })).events).toEqual([]);
    const invoices = await stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((found) => found.billing_reason)).toEqual(['subscription_cycle', 'subscription_create']);
  });

  it('collects on a retry once the card works again', async () => {
    const { session, subscription } = await subscribe({ subscription_data: {} });
    await helper(standin, `/test/customers/${session.customer as string}/fail_payments`, { fail: true });
    await advance(standin, { days: 31 });
    await helper(standin, `/test/customers/${session.customer as string}/fail_payments`, { fail: false });
    const retry = await advance(standin, { days: 3 });
    expect(typesOf(standin, retry.events)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    expect((await advance(standin, { days: 5 })).events).toEqual([]);
  });

  it('ends a cancel_at_period_end subscription at the period end, without an invoice', async () => {
    const { subscription } = await subscribe();
    await advance(standin, { days: 15 });
    const start = receiver.received.length;

    const updated = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const periodEnd = updated.items.data[0].current_period_end;
    expect(updated).toMatchObject({ cancel_at_period_end: true, cancel_at: periodEnd, status: 'active' });
    await drain(standin);
    expect(receiver.typesSince(start)).toEqual(['customer.subscription.updated']);
    expect(receiver.received[start].event.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    const invoiceCount = standin.state.invoices.size;

    const end = await advance(standin, { days: 31 });
    expect(typesOf(standin, end.events)).toEqual(['customer.subscription.deleted']);
    expect(standin.state.events.find((event) => event.id === end.events[0])?.created).toBe(periodEnd);
    expect(standin.state.invoices.size).toBe(invoiceCount);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
    expect((await stripe.subscriptions.list({ customer: subscription.customer as string })).data).toEqual([]);
    expect((await stripe.subscriptions.list({ customer: subscription.customer as string, status: 'all' })).data).toHaveLength(1);
  });

  it('ends a trial that is set to cancel at the trial end, never charging', async () => {
    const { subscription } = await subscribe();
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const events = await advance(standin, { days: 20 });
    expect(typesOf(standin, events.events)).toEqual(['customer.subscription.trial_will_end', 'customer.subscription.deleted']);
    expect(standin.state.invoices.size).toBe(0);
    expect(standin.state.charges.size).toBe(0);
  });

  it('cancels at once with DELETE (customer.subscription.deleted) and refuses further changes', async () => {
    const { subscription } = await subscribe();
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.ended_at).toBeGreaterThanOrEqual(subscription.created);
    expect(canceled.ended_at).toBeLessThanOrEqual(standin.clock.now());
    await drain(standin);
    expect(receiver.typesSince(2)).toEqual(['customer.subscription.deleted']);
    expect((await stripeError(stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }))).statusCode).toBe(400);
    expect((await advance(standin, { days: 40 })).events).toEqual([]);
  });

  it('switches plans through items[0][price_data] (charged from the next renewal) and merges metadata', async () => {
    const { subscription } = await subscribe({ subscription_data: {} });
    const item = subscription.items.data[0];
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price_data: { currency: 'usd', product: item.price.product as string, unit_amount: 8900, recurring: { interval: 'year' } } }],
      metadata: { plan: 'builder-annual', workspaceId: '' },
      proration_behavior: 'none',
    });
    expect(updated.items.data).toHaveLength(1);
    expect(updated.items.data[0]).toMatchObject({ id: item.id, price: { unit_amount: 8900, recurring: { interval: 'year' } }, plan: { interval: 'year', amount: 8900 } });
    expect(updated.metadata).toEqual({ plan: 'builder-annual' });

    const renewal = await advance(standin, { days: 31 });
    expect(typesOf(standin, renewal.events)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    const invoice = await stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(invoice.amount_paid).toBe(8900);
    const period = invoice.lines.data[0].period;
    expect(new Date(period.end * 1000).getUTCFullYear() - new Date(period.start * 1000).getUTCFullYear()).toBe(1);

    const unknownProduct = await stripeError(stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price_data: { currency: 'usd', product: 'prod_nope', unit_amount: 1, recurring: { interval: 'month' } } }] }));
    expect(unknownProduct).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'items[0][price_data][product]' });
  });

  it('lists subscriptions and invoices by customer, and customers by email; checkout reuses the customer', async () => {
    const customer = await stripe.customers.create({ email: 'repeat@example.com', name: 'Repeat', metadata: { workspaceId: 'ws_9' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'repeat@example.com', name: 'Repeat', metadata: { workspaceId: 'ws_9' } });
    const { session } = await subscribe({ customer_email: 'repeat@example.com', subscription_data: {} });
    expect(session.customer).toBe(customer.id);
    await subscribe({ customer: customer.id, customer_email: undefined, subscription_data: {} });

    expect((await stripe.customers.list({ email: 'repeat@example.com' })).data.map((found) => found.id)).toEqual([customer.id]);
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(2);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(2);
    const missing = await stripeError(stripe.customers.retrieve('cus_nope'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('stamps objects with the simulated clock and still signs webhooks with the real time', async () => {
    const before = standin.clock.now();
    const { now } = await advance(standin, { days: 400 });
    expect(now).toBeGreaterThanOrEqual(before + 400 * DAY);
    expect((await fetch(`${standin.url}/test/clock`).then((response) => response.json())) as { now: number }).toMatchObject({ now: expect.any(Number) });
    const { session, subscription } = await subscribe();
    expect(session.created).toBeGreaterThanOrEqual(now);
    expect(subscription.trial_end).toBe(subscription.created + 14 * DAY);
    const delivered = receiver.received[receiver.received.length - 1];
    expect(delivered.event.created).toBeGreaterThanOrEqual(now);
    expect(Number(/t=(\d+)/.exec(delivered.signature)?.[1])).toBeLessThan(now - 300 * DAY);
  });

  it('serves a billing portal session whose page cancels at period end', async () => {
    const { subscription } = await subscribe();
    const portal = await stripe.billingPortal.sessions.create({ customer: subscription.customer as string, return_url: 'http://x/settings/billing' });
    expect(portal).toMatchObject({ object: 'billing_portal.session', customer: subscription.customer, return_url: 'http://x/settings/billing', url: `${standin.url}/portal/${portal.id}` });

    const page = await fetch(portal.url).then((response) => response.text());
    expect(page).toContain(subscription.id);
    expect(page).toContain('Cancel at period end');
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    const posted = await fetch(`${standin.url}${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: 'cancel=true',
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(true);
    expect(receiver.typesSince(2)).toEqual(['customer.subscription.updated']);
    expect(await fetch(portal.url).then((response) => response.text())).toContain("Don't cancel");

    const noCustomer = await stripeError(stripe.billingPortal.sessions.create({ customer: 'cus_nope' }));
    expect(noCustomer).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
  });

  it('validates subscription-mode params as Stripe does', async () => {
    const oneTime = await stripeError(stripe.checkout.sessions.create(subscriptionSession({ line_items: [{ price_data: { currency: 'usd', unit_amount: 5, product_data: { name: 'x' } }, quantity: 1 }] })));
    expect(oneTime.statusCode).toBe(400);
    const recurringInPayment = await stripeError(stripe.checkout.sessions.create(subscriptionSession({ mode: 'payment', subscription_data: undefined })));
    expect(recurringInPayment.param).toBe('mode');
    const badInterval = await stripeError(
      stripe.checkout.sessions.create(subscriptionSession({ line_items: [{ price_data: { currency: 'usd', unit_amount: 5, recurring: { interval: 'fortnight' as 'week' }, product_data: { name: 'x' } }, quantity: 1 }] })),
    );
    expect(badInterval.param).toBe('line_items[0][price_data][recurring][interval]');
  });
});
