import {
  BillingPortalSessionResult, BillingSubscriptionSubjects, PaymentFailedV1, PlanCreditsBlockV1, PlanCreditsGrantedV1, SubscriptionChangedV1,
  SubscriptionList, SubscriptionView, TrialWillEndV1,
} from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { BillingHarness, startBillingHarness } from '../test/billing-harness';
import { advanceDays, deliverShuffled, iso, outbox, standinPost, subjects, subscribe, typesOf } from '../test/billing-scenario';
import { GraceScheduler } from './grace.scheduler';

const day = 86_400;

describe('subscriptions (real PostgreSQL, NATS, Stripe stand-in with a test clock)', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const list = async (email: string) => {
    const reply = await harness.request<SubscriptionList>(BillingSubscriptionSubjects.listSubscriptions, { email, domain: 'demo.localhost' });
    if (!reply.ok) throw new Error(JSON.stringify(reply.refusal));
    return reply.value.subscriptions;
  };
  const one = async (email: string): Promise<SubscriptionView> => (await list(email))[0];
  const grants = (subscriptionId: string) => outbox<PlanCreditsGrantedV1>(harness, subjects.planCreditsGranted, { subscriptionId });

  it('opens a subscription-mode checkout with the trial, a card required up front, and the plan\'s own checkout text', async () => {
    const { sessionId } = await subscribe(harness, 'builder_monthly', 'look@example.com', false);
    const stored = harness.standin.state.checkoutSessions.get(sessionId)!;
    expect(stored.session).toMatchObject({ mode: 'subscription', customer_email: 'look@example.com', payment_method_collection: 'always', amount_total: 0 });
    expect(stored.session.custom_text.submit?.message).toBe('14-day free trial included. All sales final after the trial.');
    expect(stored.subscriptionData).toMatchObject({ trialPeriodDays: 14, metadata: { domain: 'demo.localhost', offeringId: 'builder_monthly', credits: '200', interval: 'month', rollover: 'false', kind: 'plan' } });
    expect(stored.lineItems[0].price).toMatchObject({ unit_amount: 900, currency: 'usd', recurring: { interval: 'month', interval_count: 1 } });
    const [row] = await harness.dataSource.query('SELECT mode, interval, trial_days, rollover, checkout_message FROM checkout_sessions WHERE id = $1', [sessionId]);
    expect(row).toEqual({ mode: 'subscription', interval: 'month', trial_days: 14, rollover: false, checkout_message: '14-day free trial included. All sales final after the trial.' });
  });

  it('day 0: trialing at once, the trial\'s credits granted expiring at the trial end; day 11: the reminder; day 15: charged, next period granted', async () => {
    const email = 'trial@example.com';
    const { subscriptionId, sessionId } = await subscribe(harness, 'builder_monthly', email);
    const start = harness.standin.state.subscriptions.get(subscriptionId)!;
    const trialEnd = start.trial_end!;
    expect(await one(email)).toMatchObject({ subscriptionId, status: 'trialing', trialEnd: iso(trialEnd), creditsPerPeriod: 200, planCreditsBlocked: false, trialWillEndAt: null });
    expect(await grants(subscriptionId)).toEqual([
      expect.objectContaining({ grantId: `plan:${subscriptionId}:${start.trial_start}`, credits: 200, invoiceId: null, email, domain: 'demo.localhost', expiresAt: iso(trialEnd), periodEnd: iso(trialEnd) }),
    ]);
    const [sale] = await harness.dataSource.query('SELECT status, subscription_id FROM checkout_sessions WHERE id = $1', [sessionId]);
    expect(sale).toEqual({ status: 'completed', subscription_id: subscriptionId });

    await advanceDays(harness, 11);
    expect(await one(email)).toMatchObject({ status: 'trialing', trialWillEndAt: iso(trialEnd - 3 * day) });
    expect(await outbox<TrialWillEndV1>(harness, subjects.trialWillEnd, { subscriptionId })).toEqual([{ subscriptionId, email, domain: 'demo.localhost', trialEnd: iso(trialEnd), at: iso(trialEnd - 3 * day) }]);
    expect(invoicesOf(subscriptionId)).toHaveLength(0); // not charged during the trial

    await advanceDays(harness, 4);
    const [invoice] = invoicesOf(subscriptionId);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 900, billing_reason: 'subscription_cycle' });
    const renewed = await one(email);
    expect(renewed).toMatchObject({ status: 'active', currentPeriodStart: iso(trialEnd) });
    const periodEnd = Date.parse(renewed.currentPeriodEnd!) / 1000;
    expect((await grants(subscriptionId)).map((g) => [g.grantId, g.credits, g.invoiceId, g.expiresAt])).toEqual([
      [`plan:${subscriptionId}:${start.trial_start}`, 200, null, iso(trialEnd)],
      [`plan:${subscriptionId}:${trialEnd}`, 200, invoice.id, iso(periodEnd)],
    ]);
    const statuses = (await outbox<SubscriptionChangedV1>(harness, subjects.subscriptionChanged, { subscriptionId })).map((m) => m.status);
    expect(statuses).toEqual(['trialing', 'active']);
  });

  it('cancelled mid-trial by its owner: never charged, ends at the trial end, only the trial was granted', async () => {
    const email = 'quitter@example.com';
    const { subscriptionId } = await subscribe(harness, 'builder_monthly', email);
    await advanceDays(harness, 5);
    const stranger = await harness.request(BillingSubscriptionSubjects.cancelSubscription, { subscriptionId, email: 'someone-else@example.com', domain: 'demo.localhost' });
    expect(stranger).toMatchObject({ ok: false, refusal: { code: 'not_found' } });
    const otherDomain = await harness.request(BillingSubscriptionSubjects.cancelSubscription, { subscriptionId, email, domain: 'notes.localhost' });
    expect(otherDomain).toMatchObject({ ok: false, refusal: { code: 'not_found' } });
    const cancelled = await harness.request<SubscriptionView>(BillingSubscriptionSubjects.cancelSubscription, { subscriptionId, email, domain: 'demo.localhost' });
    expect(cancelled).toMatchObject({ ok: true, value: { cancelAtPeriodEnd: true, status: 'trialing' } });
    await eventually('the cancellation webhook', async () => (await one(email)).cancelAtPeriodEnd);
    await advanceDays(harness, 10);
    expect(await one(email)).toMatchObject({ status: 'canceled', cancelAtPeriodEnd: true });
    expect(invoicesOf(subscriptionId)).toHaveLength(0);
    expect(await grants(subscriptionId)).toHaveLength(1);
    expect((await outbox<SubscriptionChangedV1>(harness, subjects.subscriptionChanged, { subscriptionId })).at(-1)).toMatchObject({ status: 'canceled', previousStatus: 'trialing' });
  });

  it('cancelled after the first bill: plan until the period end, no second charge', async () => {
    const email = 'stayer@example.com';
    const { subscriptionId } = await subscribe(harness, 'builder_monthly', email);
    await advanceDays(harness, 15);
    expect(await one(email)).toMatchObject({ status: 'active' });
    await harness.request(BillingSubscriptionSubjects.cancelSubscription, { subscriptionId, email, domain: 'demo.localhost', atPeriodEnd: true });
    await eventually('the cancellation webhook', async () => (await one(email)).cancelAtPeriodEnd);
    await advanceDays(harness, 10);
    expect(await one(email)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    await advanceDays(harness, 25);
    expect(await one(email)).toMatchObject({ status: 'canceled' });
    expect(invoicesOf(subscriptionId).map((invoice) => invoice.status)).toEqual(['paid']);
    expect(await grants(subscriptionId)).toHaveLength(2);
  });

  it('payment failure: past due, the period granted for the grace; blocked when the grace ends (the scheduler, on the stand-in\'s clock); usable again once paid', async () => {
    const email = 'late@example.com';
    const graced = await harness.request(BillingSubscriptionSubjects.putDomainCatalog, {
      domain: 'demo.localhost', displayName: 'Demo AI', supportEmail: 'support@demo.localhost',
      checkoutMessage: 'Credits never expire. Refunds in exchange for feedback.', graceDays: 1,
    });
    expect(graced).toMatchObject({ ok: true, value: { graceDays: 1 } });
    const { subscriptionId, customerId } = await subscribe(harness, 'builder_monthly', email);
    await standinPost(harness, `/test/customers/${customerId}/fail_payments`, { fail: true });
    await advanceDays(harness, 14.5);
    const [invoice] = invoicesOf(subscriptionId);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1 });
    const graceEnd = invoice.created + day;
    expect(await one(email)).toMatchObject({ status: 'past_due', graceEndsAt: iso(graceEnd), planCreditsBlocked: false });
    expect(await outbox<PaymentFailedV1>(harness, subjects.paymentFailed, { subscriptionId })).toEqual([
      expect.objectContaining({ invoiceId: invoice.id, amountMinor: 900, currency: 'usd', status: 'past_due', attemptCount: 1, graceEndsAt: iso(graceEnd), email }),
    ]);
    expect((await grants(subscriptionId)).map((g) => g.grantId)).toEqual([expect.any(String), `plan:${subscriptionId}:${invoice.created}`]);

    const scheduler = harness.app.get(GraceScheduler);
    expect(await scheduler.blockDue()).not.toContain(subscriptionId); // half a day into a one-day grace
    await advanceDays(harness, 1); // no Stripe event in between: only the clock says the grace is over
    await scheduler.task.runNow();
    await eventually('the block', async () => (await one(email)).planCreditsBlocked);
    expect(await outbox<PlanCreditsBlockV1>(harness, subjects.planCreditsBlocked, { subscriptionId })).toEqual([
      { subscriptionId, email, domain: 'demo.localhost', reason: 'payment_past_due', at: iso(graceEnd) },
    ]);
    const [blockRow] = await harness.dataSource.query('SELECT message_id FROM outbox WHERE subject = $1 AND payload @> $2::jsonb', [subjects.planCreditsBlocked, JSON.stringify({ subscriptionId })]);
    expect(blockRow.message_id).toBe(`grace:${subscriptionId}:${graceEnd}`);

    await standinPost(harness, `/test/customers/${customerId}/fail_payments`, { fail: false });
    await standinPost(harness, `/test/invoices/${invoice.id}/pay`);
    expect(await one(email)).toMatchObject({ status: 'active', planCreditsBlocked: false, graceEndsAt: null });
    expect(await outbox<PlanCreditsBlockV1>(harness, subjects.planCreditsUnblocked, { subscriptionId })).toEqual([
      expect.objectContaining({ subscriptionId, email, reason: 'payment_succeeded' }),
    ]);
    expect(await grants(subscriptionId)).toHaveLength(2); // the recovered period was granted once, at the failure
    await harness.request(BillingSubscriptionSubjects.putDomainCatalog, {
      domain: 'demo.localhost', displayName: 'Demo AI', supportEmail: 'support@demo.localhost', checkoutMessage: 'Credits never expire. Refunds in exchange for feedback.', graceDays: 3,
    });
  });

  it('a failure whose grace is already over when its event arrives blocks at once (judged by the event\'s time)', async () => {
    const email = 'later@example.com';
    const { subscriptionId, customerId } = await subscribe(harness, 'builder_monthly', email);
    await standinPost(harness, `/test/customers/${customerId}/fail_payments`, { fail: true });
    await advanceDays(harness, 14.5, false); // the first failure, not delivered
    await advanceDays(harness, 4, false); // the retry 3 days later fails too, not delivered
    const failures = harness.standin.state.events.filter((e) => e.type === 'invoice.payment_failed' && (e.data.object as { parent?: { subscription_details?: { subscription?: string } } }).parent?.subscription_details?.subscription === subscriptionId);
    expect(failures).toHaveLength(2);
    const { deliverEvent } = await import('../test/billing-scenario');
    await deliverEvent(harness, failures[1].id); // the retry's failure, first: 3 days after the invoice, the grace is over
    expect(await one(email)).toMatchObject({ status: 'past_due', planCreditsBlocked: true });
    await deliverEvent(harness, failures[0].id);
    expect(await outbox(harness, subjects.planCreditsBlocked, { subscriptionId })).toHaveLength(1);
    await standinPost(harness, `/test/customers/${customerId}/fail_payments`, { fail: false });
  });

  it('every subscription event type, delivered shuffled and three times each, ends in the same state as in order', async () => {
    const email = 'shuffled@example.com';
    const first = await subscribe(harness, 'builder_monthly', email, false);
    const events = [...first.events];
    events.push(...(await advanceDays(harness, 15, false))); // trial_will_end, renewal (invoice.paid, payment_succeeded, updated)
    await standinPost(harness, `/test/customers/${first.customerId}/fail_payments`, { fail: true });
    events.push(...(await advanceDays(harness, 31, false))); // renewal fails: payment_failed, updated past_due
    const open = invoicesOf(first.subscriptionId).find((invoice) => invoice.status === 'open')!;
    await standinPost(harness, `/test/customers/${first.customerId}/fail_payments`, { fail: false });
    events.push(...(await standinPost<{ events: string[] }>(harness, `/test/invoices/${open.id}/pay`, { deliver: false })).events);
    const mine = events.filter((id) => {
      const object = harness.standin.state.events.find((e) => e.id === id)!.data.object as { id: string; parent?: { subscription_details?: { subscription?: string } } };
      return object.id === first.subscriptionId || object.parent?.subscription_details?.subscription === first.subscriptionId || object.id === first.sessionId;
    });
    expect(new Set(typesOf(harness, mine))).toEqual(new Set([
      'customer.subscription.created', 'checkout.session.completed', 'customer.subscription.trial_will_end', 'invoice.paid',
      'invoice.payment_succeeded', 'customer.subscription.updated', 'invoice.payment_failed',
    ]));

    const outcomes = await deliverShuffled(harness, mine, 3);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(mine.length * 2);
    expect(outcomes).not.toContain('stripe_unavailable');
    const state = await one(email);
    expect(state).toMatchObject({ status: 'active', planCreditsBlocked: false, graceEndsAt: null, trialWillEndAt: expect.any(String) });
    const stripe = harness.standin.state.subscriptions.get(first.subscriptionId)!;
    expect(state.currentPeriodEnd).toBe(iso(stripe.items.data[0].current_period_end));
    const periods = [stripe.trial_start, stripe.trial_end, ...invoicesOf(first.subscriptionId).slice(1).map((i) => i.lines.data[0].period.start)];
    expect((await grants(first.subscriptionId)).map((g) => g.grantId).sort()).toEqual(periods.map((start) => `plan:${first.subscriptionId}:${start}`).sort());
    expect(await outbox(harness, subjects.trialWillEnd, { subscriptionId: first.subscriptionId })).toHaveLength(1);
    // Delivered after the invoice was paid, the failure starts no grace: the state never went back.
    expect(await outbox(harness, subjects.planCreditsBlocked, { subscriptionId: first.subscriptionId })).toHaveLength(0);
  });

  it('the billing portal opens for the customer\'s own Stripe customer only', async () => {
    const email = 'portal@example.com';
    const { customerId } = await subscribe(harness, 'builder_annual', email);
    const reply = await harness.request<BillingPortalSessionResult>(BillingSubscriptionSubjects.createPortalSession, { email, domain: 'demo.localhost', returnUrl: 'https://demo.localhost/settings/billing' });
    if (!reply.ok) throw new Error(JSON.stringify(reply.refusal));
    expect(reply.value.url).toBe(`${harness.standin.url}/portal/${reply.value.portalSessionId}`);
    expect(harness.standin.state.portalSessions.get(reply.value.portalSessionId)).toMatchObject({ customer: customerId, return_url: 'https://demo.localhost/settings/billing' });
    const page = await (await fetch(reply.value.url)).text();
    expect(page).toContain(email);
    const nobody = await harness.request(BillingSubscriptionSubjects.createPortalSession, { email: 'nobody@example.com', domain: 'demo.localhost', returnUrl: 'https://demo.localhost/x' });
    expect(nobody).toMatchObject({ ok: false, refusal: { code: 'not_found' } });
  });

  it('changes plan for its owner only; the next invoice grants the new plan\'s credits, what was granted stays', async () => {
    const email = 'upgrader@example.com';
    const { subscriptionId } = await subscribe(harness, 'builder_monthly', email);
    const intruder = await harness.request(BillingSubscriptionSubjects.changePlan, { subscriptionId, email: 'intruder@example.com', domain: 'demo.localhost', offeringId: 'builder_annual' });
    expect(intruder).toMatchObject({ ok: false, refusal: { code: 'not_found' } });
    const pack = await harness.request(BillingSubscriptionSubjects.changePlan, { subscriptionId, email, domain: 'demo.localhost', offeringId: 'pro_100' });
    expect(pack).toMatchObject({ ok: false, refusal: { code: 'offering_not_found' } });
    const changed = await harness.request<SubscriptionView>(BillingSubscriptionSubjects.changePlan, { subscriptionId, email, domain: 'demo.localhost', offeringId: 'builder_annual' });
    expect(changed.ok).toBe(true);
    await eventually('the plan switch webhook', async () => (await one(email)).offeringId === 'builder_annual');
    await advanceDays(harness, 15);
    const [invoice] = invoicesOf(subscriptionId);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 8900 });
    expect((await grants(subscriptionId)).map((g) => [g.offeringId, g.credits])).toEqual([['builder_monthly', 200], ['builder_annual', 2400]]);
  });

  it('a plan without a trial is charged at checkout and its first period granted once (checkout and invoice both ask)', async () => {
    const email = 'studio@example.com';
    const { subscriptionId } = await subscribe(harness, 'studio_monthly', email);
    const [invoice] = invoicesOf(subscriptionId);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 1900, billing_reason: 'subscription_create' });
    expect(await one(email)).toMatchObject({ status: 'active', rollover: true });
    expect(await grants(subscriptionId)).toEqual([expect.objectContaining({ credits: 500, expiresAt: null, invoiceId: invoice.id })]);
  });

  function invoicesOf(subscriptionId: string) {
    return [...harness.standin.state.invoices.values()].filter((invoice) => invoice.parent.subscription_details.subscription === subscriptionId);
  }
});
