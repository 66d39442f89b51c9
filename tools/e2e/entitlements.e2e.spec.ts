/**
 * Plans and entitlements end to end: seed 001's table of what a customer may do, day by day, on the real
 * services (compiled by the build step, own databases and NATS namespace), driven through the
 * Stripe stand-in's test clock: day 0 trialing with the plan's caps, days 1-14 the same, day 15
 * active and charged, cancelled mid-trial (caps until the trial end, then the free tier — already
 * at read time before the webhook of that moment arrives), cancelled after the bill (caps until the
 * period end, then free), a payment failure (caps kept through the grace, then `payment_past_due`),
 * each transition read once from JetStream (`entitlements.events.changed.v1`); and the check's
 * edges (exactly at the limit, one over, unknown feature, unknown customer → the free tier).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, JSONCodec } from 'nats';
import { Client } from 'pg';
import Stripe from 'stripe';
import { CreditHubClient } from '@credit-hub/sdk';
import { createDomainKey, eventually, gatewayRequest, hubClient, lastStatus, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2eent${suffix}`;
const prefix = `test_e2eent_${suffix}`;
const domain = 'demo.localhost';
const day = 86_400;
let system: System;
let key: string;
let hub: CreditHubClient;
let operator: CreditHubClient;
let stripe: Stripe;
const operatorKey = `chk_op_${randomBytes(24).toString('base64url')}`;

// deploy/catalog/demo.json
const builderCaps = { scheduled_runs: true, byok: true, workspaces: 3, blocks: 500 };
const freeCaps = { scheduled_runs: false, byok: false, workspaces: 1, blocks: 50 };

/** A stand-in test route; a refusal there is a broken test, not a finding. */
async function standin(path: string, body: unknown = {}) {
  const answer = await stripeStandin(system).post(path, body);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`stand-in ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Moves the stand-in's clock; with `deliver` (default) every webhook due reaches the gateway before it answers. */
async function advance(days: number, deliver = true): Promise<string[]> {
  return (await standin('/test/clock/advance', { days, deliver })).events;
}

async function subscribe(email: string) {
  const checkout = await hub.createCheckout({ domain, offeringId: 'builder_monthly', email, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/pricing' });
  expect(lastStatus(hub)).toBe(200);
  const completed = await standin(`/test/checkout/sessions/${checkout.sessionId}/complete`);
  expect(completed.delivery.status).toBe(200);
  const session = completed.event.data.object;
  return { subscriptionId: session.subscription as string, customerId: session.customer as string };
}

async function entitlements(email: string) {
  const reply = await hub.getEntitlements({ email, domain });
  expect(lastStatus(hub)).toBe(200);
  return reply;
}

async function check(email: string, feature: string, extra: { requested?: number; inUse?: number } = {}) {
  const reply = await hub.checkEntitlement({ email, domain, feature, ...extra });
  expect(lastStatus(hub)).toBe(200);
  return reply;
}

async function subscriptionOf(email: string) {
  const reply = await hub.listSubscriptions({ email });
  expect(lastStatus(hub)).toBe(200);
  return reply.subscriptions[0];
}

/** Bodies of `entitlements.events.changed.v1` for `email`, in stream order, read from JetStream. */
async function changes(email: string): Promise<any[]> {
  const nc = await connect({ servers: system.natsUrl });
  try {
    const consumer = await nc.jetstream().consumers.get(`ENTITLEMENTS_${namespace.toUpperCase()}`, { filterSubjects: `${namespace}.entitlements.events.changed.v1` });
    const bodies: any[] = [];
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    for await (const message of batch) bodies.push(JSONCodec().decode(message.data));
    return bodies.filter((body) => body.email === email);
  } finally {
    await nc.close();
  }
}

/** Waits until billing's outbox has published everything (so "no further event" can be asserted). */
async function outboxDrained(): Promise<void> {
  const db = new Client({ connectionString: system.databases.billing });
  await db.connect();
  try {
    await eventually('billing\'s outbox drained', async () => (await db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0, settleMs);
  } finally {
    await db.end();
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
/** How long to wait for the asynchronous parts (ledger credits, outbox → JetStream, the scheduler) on a busy 2-core machine. */
const settleMs = 30_000;

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix, env: { BILLING_SCHEDULER_INTERVAL_MS: '300', OPERATOR_API_KEYS: createHash('sha256').update(operatorKey).digest('hex') } });
  key = await createDomainKey(system, domain);
  hub = hubClient(system, key);
  operator = hubClient(system, operatorKey);
  stripe = new Stripe('sk_test_e2e', { host: '127.0.0.1', port: system.ports.standin, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('the entitlement check\'s edges', () => {
  const zed = `zed+${suffix}@example.com`; // never subscribed

  it('an unknown customer gets the domain\'s free tier: status none, free caps, no credits', async () => {
    expect(await entitlements(zed)).toMatchObject({
      email: zed, domain, tier: 'free', status: 'none', offeringId: null, paymentPastDue: false, caps: freeCaps, subscriptionId: null,
      changesAt: null, changesTo: null, credits: { spendable: 0 },
    });
  });

  it('exactly at the limit: allowed with remaining 0; one over: LIMIT_REACHED; a flag off, an unknown feature: feature_not_in_plan', async () => {
    expect(await check(zed, 'workspaces')).toEqual({ allowed: true, code: 'ok', limit: 1, remaining: 0, overLimitBy: 0, tier: 'free', status: 'none', offeringId: null });
    expect(await check(zed, 'workspaces', { inUse: 1 })).toMatchObject({ allowed: false, code: 'LIMIT_REACHED', limit: 1, remaining: 0, overLimitBy: 0 });
    expect(await check(zed, 'blocks', { requested: 50, inUse: 0 })).toMatchObject({ allowed: true, code: 'ok', limit: 50, remaining: 0 });
    expect(await check(zed, 'blocks', { requested: 2, inUse: 49 })).toMatchObject({ allowed: false, code: 'LIMIT_REACHED', limit: 50, remaining: 1 });
    expect(await check(zed, 'blocks', { requested: 1, inUse: 60 })).toMatchObject({ allowed: false, code: 'LIMIT_REACHED', limit: 50, remaining: 0, overLimitBy: 10 });
    expect(await check(zed, 'scheduled_runs')).toMatchObject({ allowed: false, code: 'feature_not_in_plan', limit: null, remaining: null });
    expect(await check(zed, 'teleport')).toMatchObject({ allowed: false, code: 'feature_not_in_plan', limit: null });
  });

  it.each([
    ['a feature name with capitals', { feature: 'Workspaces' }, 'feature'],
    ['a negative requested', { feature: 'workspaces', requested: -1 }, 'requested'],
    ['a fractional inUse', { feature: 'workspaces', inUse: 1.5 }, 'inUse'],
    ['requested as a string', { feature: 'workspaces', requested: '2' }, 'requested'],
    ['no feature', {}, 'feature'],
  ])('refuses %s with 400 problem+json naming the field, changing nothing', async (_, body, field) => {
    // Values the typed SDK cannot send, and the refusal's content type: sent by hand.
    const reply = await gatewayRequest(system, 'POST', '/api/portfolio/entitlements/check', { apiKey: key, body: { email: zed, domain, ...body } });
    expect(reply).toMatchObject({ status: 400, body: { code: 'validation_failed', field } });
    expect(reply.type).toContain('application/problem+json');
  });

  it('refuses another domain (403), no key (401), and a bad email (400)', async () => {
    await expect(hub.checkEntitlement({ email: zed, domain: 'notes.localhost', feature: 'workspaces' })).rejects.toMatchObject({ status: 403, code: 'forbidden_domain' });
    await expect(hub.getEntitlements({ email: zed, domain: 'notes.localhost' })).rejects.toMatchObject({ status: 403, code: 'forbidden_domain' });
    // No key at all: the SDK always sends one, so this one goes by hand.
    expect(await gatewayRequest(system, 'GET', `/api/portfolio/entitlements?email=${zed}`, { apiKey: null })).toMatchObject({ status: 401 });
    await expect(hub.getEntitlements({ email: 'not-an-email' } as Parameters<CreditHubClient['getEntitlements']>[0])).rejects.toMatchObject({ status: 400, code: 'validation_failed', field: 'email' });
  });
});

describe('caps through the operator\'s catalog API', () => {
  const other = 'caps.localhost';
  const brand = { displayName: 'Caps AI', supportEmail: 'help@caps.localhost', checkoutMessage: 'Monthly.' };
  const plan = { offeringId: 'caps_monthly', kind: 'plan', credits: 10, amountMinor: 500, currency: 'usd', interval: 'month', trialDays: 0, rollover: false };

  it('validates caps by name and value, stores them, and the free tier\'s change shows at once', async () => {
    const put = (body: object) => operator.putOperatorDomain({ domain: other, ...brand, ...body } as Parameters<CreditHubClient['putOperatorDomain']>[0]);
    await expect(put({ freeCaps: { workspaces: 2 }, offerings: [{ ...plan, caps: { workspaces: -1 } }] })).rejects.toMatchObject({ status: 400, code: 'validation_failed', field: 'offerings[0].caps.workspaces' });
    // freeCaps as a string: a value the typed SDK cannot send, so by hand.
    expect(await gatewayRequest(system, 'PUT', `/api/operator/domains/${other}`, { apiKey: operatorKey, body: { ...brand, freeCaps: 'all' } })).toMatchObject({ status: 400, body: { code: 'validation_failed', field: 'freeCaps' } });
    await expect(put({ freeCaps: { 'Work-Spaces': 1 } })).rejects.toMatchObject({ status: 400, field: 'freeCaps.Work-Spaces' });

    const stored = await put({ freeCaps: { workspaces: 2 }, offerings: [{ ...plan, caps: { workspaces: 20, exports: true } }] });
    expect(lastStatus(operator)).toBe(200);
    expect(stored).toMatchObject({ freeCaps: { workspaces: 2 }, offerings: [{ offeringId: 'caps_monthly', caps: { workspaces: 20, exports: true } }] });
    const otherDomain = hubClient(system, await createDomainKey(system, other));
    const ask = () => otherDomain.checkEntitlement({ email: `yan+${suffix}@example.com`, domain: other, feature: 'workspaces', inUse: 2 });
    expect(await ask()).toMatchObject({ allowed: false, code: 'LIMIT_REACHED', limit: 2, tier: 'free', status: 'none' });
    await put({ freeCaps: { workspaces: 5 } });
    expect(lastStatus(operator)).toBe(200);
    expect(await ask()).toMatchObject({ allowed: true, code: 'ok', limit: 5, remaining: 2 });
  });
});

describe('seed 001\'s table: caps day by day, through the stand-in\'s clock, each transition on JetStream', () => {
  const ada = `ada+${suffix}@example.com`; // stays subscribed
  const bob = `bob+${suffix}@example.com`; // cancels mid-trial
  const cyd = `cyd+${suffix}@example.com`; // cancels after the first bill
  const dee = `dee+${suffix}@example.com`; // her card fails at the first bill
  const subs: Record<string, { subscriptionId: string; customerId: string }> = {};
  const trialEnds: Record<string, number> = {}; // each customer's own (checkouts a second apart end a second apart)

  it('day 0: trialing, the plan\'s caps at once, the trial\'s credits spendable; expected to turn active at the trial end', async () => {
    for (const email of [ada, bob, cyd, dee]) subs[email] = await subscribe(email);
    await standin(`/test/customers/${subs[dee].customerId}/fail_payments`, { fail: true });
    for (const email of [ada, bob, cyd, dee]) trialEnds[email] = Date.parse((await subscriptionOf(email)).trialEnd!) / 1000;
    const trialEnd = trialEnds[ada];
    const now = await entitlements(ada);
    expect(now).toMatchObject({
      tier: 'plan', status: 'trialing', offeringId: 'builder_monthly', paymentPastDue: false, caps: builderCaps, subscriptionId: subs[ada].subscriptionId,
      trialEnd: iso(trialEnd), cancelAtPeriodEnd: false, changesAt: iso(trialEnd),
      changesTo: { at: iso(trialEnd), tier: 'plan', status: 'active', offeringId: 'builder_monthly', caps: builderCaps, expected: true },
    });
    await eventually('the trial\'s credits spendable', async () => (await entitlements(ada)).credits.spendable === 200, settleMs);
    expect(await check(ada, 'scheduled_runs')).toMatchObject({ allowed: true, code: 'ok', tier: 'plan', status: 'trialing' });
    expect(await check(ada, 'workspaces', { inUse: 2 })).toMatchObject({ allowed: true, code: 'ok', limit: 3, remaining: 0 });
    expect(await check(ada, 'workspaces', { inUse: 3 })).toMatchObject({ allowed: false, code: 'LIMIT_REACHED', limit: 3, remaining: 0 });
    const [first] = await eventually('ada\'s first entitlement event', async () => ((await changes(ada)).length > 0 ? changes(ada) : undefined), settleMs);
    expect(first).toMatchObject({ email: ada, domain, version: 1, tier: 'plan', status: 'trialing', offeringId: 'builder_monthly', previous: null, caps: builderCaps, subscriptionId: subs[ada].subscriptionId });
  });

  it('days 1-14: the same; bob cancels on day 5: caps until the trial end, then the free tier announced', async () => {
    await advance(5);
    // atPeriodEnd left out, as a client relying on the API's default sends it.
    await hub.cancelSubscription({ subscriptionId: subs[bob].subscriptionId, email: bob, domain } as Parameters<CreditHubClient['cancelSubscription']>[0]);
    expect(lastStatus(hub)).toBe(200);
    const cancelled = await eventually('bob\'s cancellation in his entitlements', async () => {
      const view = await entitlements(bob);
      return view.cancelAtPeriodEnd ? view : undefined;
    }, settleMs);
    expect(cancelled).toMatchObject({
      tier: 'plan', status: 'trialing', caps: builderCaps, changesAt: iso(trialEnds[bob]),
      changesTo: { tier: 'free', status: 'canceled', offeringId: null, caps: freeCaps, expected: false },
    });
    await advance(6); // day 11: the trial_will_end reminder
    for (const email of [ada, bob]) expect(await entitlements(email)).toMatchObject({ tier: 'plan', status: 'trialing', caps: builderCaps });
    expect(await check(bob, 'scheduled_runs')).toMatchObject({ allowed: true });
  });

  it('day 15, before the webhooks of that moment arrive: bob is already on the free tier, and the change is published once', async () => {
    const held = await advance(4, false); // the clock moves; Stripe's events wait
    expect(held.length).toBeGreaterThan(0);
    expect(await entitlements(bob)).toMatchObject({ tier: 'free', status: 'canceled', caps: freeCaps, changesAt: null });
    await eventually('bob refused scheduled runs', async () => (await check(bob, 'scheduled_runs')).code === 'feature_not_in_plan', settleMs);
    const bobs = await eventually('bob\'s change published by the scheduler', async () => {
      const list = await changes(bob);
      return list.length === 2 ? list : undefined;
    }, settleMs);
    expect(bobs[1]).toMatchObject({ version: 2, tier: 'free', status: 'canceled', offeringId: null, caps: freeCaps, previous: { tier: 'plan', status: 'trialing' }, at: iso(trialEnds[bob]) });

    for (const id of held) await standin(`/test/events/${id}/deliver`); // now Stripe's events arrive, in order
    expect(await subscriptionOf(bob)).toMatchObject({ status: 'canceled' });
    expect(await subscriptionOf(ada)).toMatchObject({ status: 'active' });
    const [invoice] = (await stripe.invoices.list({ subscription: subs[ada].subscriptionId })).data;
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 900 });
    expect(await entitlements(ada)).toMatchObject({ tier: 'plan', status: 'active', caps: builderCaps, changesAt: null, changesTo: null });
    await outboxDrained();
    expect((await changes(bob)).map((c) => c.version)).toEqual([1, 2]); // the deletion webhook added nothing
    expect((await changes(ada)).map((c) => [c.version, c.status, c.tier])).toEqual([[1, 'trialing', 'plan'], [2, 'active', 'plan']]);
  });

  it('payment failure: caps kept through the grace, then payment_past_due; paid: the plan again', async () => {
    const failing = await subscriptionOf(dee);
    expect(failing).toMatchObject({ status: 'past_due' });
    const graceEnd = Date.parse(failing.graceEndsAt!) / 1000;
    expect(await entitlements(dee)).toMatchObject({
      tier: 'plan', status: 'past_due', caps: builderCaps, graceEndsAt: iso(graceEnd), changesAt: iso(graceEnd),
      changesTo: { tier: 'free', status: 'past_due', offeringId: 'builder_monthly', paymentPastDue: true, caps: freeCaps, expected: false },
    });
    expect(await check(dee, 'scheduled_runs')).toMatchObject({ allowed: true, status: 'past_due' });
    await advance(1.5);
    expect(await entitlements(dee)).toMatchObject({ tier: 'plan', status: 'past_due', caps: builderCaps });

    await advance(2); // past the grace (the retry fails too)
    expect(await entitlements(dee)).toMatchObject({ tier: 'free', status: 'past_due', paymentPastDue: true, offeringId: 'builder_monthly', caps: freeCaps });
    expect(await check(dee, 'scheduled_runs')).toMatchObject({ allowed: false, code: 'payment_past_due' });
    expect(await check(dee, 'workspaces', { inUse: 1 })).toMatchObject({ allowed: false, code: 'payment_past_due', limit: 1, remaining: 0 });
    expect(await check(dee, 'blocks', { inUse: 3 })).toMatchObject({ allowed: true, code: 'ok', limit: 50 }); // the free tier's still allowed
    const pastDue = await eventually('dee\'s past-due change', async () => (await changes(dee)).find((c) => c.paymentPastDue), settleMs);
    expect(pastDue).toMatchObject({ tier: 'free', status: 'past_due', caps: freeCaps, at: iso(graceEnd), previous: { tier: 'plan', status: 'past_due' } });

    const [invoice] = (await stripe.invoices.list({ subscription: subs[dee].subscriptionId })).data;
    await standin(`/test/customers/${subs[dee].customerId}/fail_payments`, { fail: false });
    await standin(`/test/invoices/${invoice.id}/pay`);
    expect(await entitlements(dee)).toMatchObject({ tier: 'plan', status: 'active', paymentPastDue: false, caps: builderCaps });
    await outboxDrained();
    expect((await changes(dee)).map((c) => [c.version, c.tier, c.status, c.paymentPastDue])).toEqual([
      [1, 'plan', 'trialing', false], [2, 'plan', 'past_due', false], [3, 'free', 'past_due', true], [4, 'plan', 'active', false],
    ]);
  });

  it('cancelled after the bill: the plan until the period end, then the free tier; over-cap data reported, new creates refused', async () => {
    const active = await subscriptionOf(cyd);
    expect(active).toMatchObject({ status: 'active' });
    const periodEnd = Date.parse(active.currentPeriodEnd!) / 1000;
    await hub.cancelSubscription({ subscriptionId: subs[cyd].subscriptionId, email: cyd, domain, atPeriodEnd: true });
    expect(lastStatus(hub)).toBe(200);
    const cancelled = await eventually('cyd\'s cancellation', async () => {
      const view = await entitlements(cyd);
      return view.cancelAtPeriodEnd ? view : undefined;
    }, settleMs);
    expect(cancelled).toMatchObject({ tier: 'plan', status: 'active', changesAt: iso(periodEnd), changesTo: { tier: 'free', status: 'canceled', expected: false } });
    await advance(10);
    expect(await entitlements(cyd)).toMatchObject({ tier: 'plan', status: 'active', caps: builderCaps });
    expect(await check(cyd, 'workspaces', { inUse: 2 })).toMatchObject({ allowed: true, remaining: 0 });

    await advance(22); // past the period end: customer.subscription.deleted
    expect(await subscriptionOf(cyd)).toMatchObject({ status: 'canceled' });
    expect(await entitlements(cyd)).toMatchObject({ tier: 'free', status: 'canceled', caps: freeCaps, changesAt: null });
    expect(await check(cyd, 'workspaces', { inUse: 3 })).toMatchObject({ allowed: false, code: 'LIMIT_REACHED', limit: 1, remaining: 0, overLimitBy: 2 });
    await outboxDrained();
    const cyds = await changes(cyd);
    expect(cyds.map((c) => [c.version, c.tier, c.status])).toEqual([[1, 'plan', 'trialing'], [2, 'plan', 'active'], [3, 'free', 'canceled']]);
    expect(cyds[2].at).toBe(iso(periodEnd));
    expect((await changes(ada)).map((c) => c.version)).toEqual([1, 2]); // ada renewed meanwhile: no change to announce
    expect(await entitlements(ada)).toMatchObject({ tier: 'plan', status: 'active' });
  });
});

describe('a plan change shows in the hub', () => {
  const dan = `dan+${suffix}@example.com`;

  it('after change-plan the subscription, the entitlements (and their changesTo) and the published change name the new offering', async () => {
    const { subscriptionId } = await subscribe(dan);
    expect(await entitlements(dan)).toMatchObject({ tier: 'plan', status: 'trialing', offeringId: 'builder_monthly' });
    const changed = await hub.changeSubscriptionPlan({ subscriptionId, email: dan, domain, offeringId: 'studio_monthly' });
    expect(lastStatus(hub)).toBe(200);
    // The answer already names what Stripe switched to.
    expect(changed).toMatchObject({ subscriptionId, offeringId: 'studio_monthly', creditsPerPeriod: 500 });
    const studioCaps = { scheduled_runs: true, byok: true, workspaces: 10, blocks: 5000 };
    const view = await eventually('the plan switch reaches the entitlements', async () => {
      const current = await entitlements(dan);
      return current.offeringId === 'studio_monthly' ? current : undefined;
    }, settleMs);
    expect(await subscriptionOf(dan)).toMatchObject({ subscriptionId, offeringId: 'studio_monthly' });
    expect(view).toMatchObject({ tier: 'plan', status: 'trialing', offeringId: 'studio_monthly', caps: studioCaps, changesTo: { tier: 'plan', status: 'active', offeringId: 'studio_monthly', caps: studioCaps } });
    expect(await check(dan, 'workspaces', { inUse: 9 })).toMatchObject({ allowed: true, limit: 10, remaining: 0 });
    await outboxDrained();
    const published = await changes(dan);
    expect(published.map((c) => [c.version, c.offeringId, c.caps.workspaces])).toEqual([[1, 'builder_monthly', 3], [2, 'studio_monthly', 10]]);
    // Billing announces the switch to the rest of the hub (analytics, builders' webhooks).
    const nc = await connect({ servers: system.natsUrl });
    try {
      const consumer = await nc.jetstream().consumers.get(`BILLING_${namespace.toUpperCase()}`, { filterSubjects: `${namespace}.billing.events.subscription-changed.v1` });
      const bodies: any[] = [];
      const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
      for await (const message of batch) bodies.push(JSONCodec().decode(message.data));
      const dans = bodies.map((body) => body.event ?? body).filter((event) => event.subscriptionId === subscriptionId);
      expect(dans.map((event) => event.offeringId)).toEqual(['builder_monthly', 'studio_monthly']);
    } finally {
      await nc.close();
    }
  });
});
