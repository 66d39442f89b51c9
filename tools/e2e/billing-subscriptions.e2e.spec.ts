/**
 * Seed 001's trial table end to end, over HTTP, on the real services (compiled by the build step)
 * with their own databases and NATS namespace, driven through the Stripe stand-in's test clock:
 * day 0 trialing with the plan's credits usable, day 11 the trial_will_end reminder, day 15 the
 * first charge and the next period's credits, cancelled mid-trial (never charged, credits expire
 * at the trial end), cancelled after the bill, a payment failure (usable during the grace, then
 * `payment_past_due`, usable again once paid; pack credits never blocked), the billing portal,
 * and `npm run reconcile` picking up a webhook that never came.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connect, JSONCodec } from 'nats';
import Stripe from 'stripe';
import { CreditHubClient } from '@credit-hub/sdk';
import { answered, createDomainKey, eventually, hubClient, lastStatus, repoRoot as root, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2esub${suffix}`;
const prefix = `test_e2esub_${suffix}`;
const domain = 'demo.localhost';
const day = 86_400;
let system: System;
let key: string;
let hub: CreditHubClient;
let stripe: Stripe;

interface Lot { kind: string; creditsInitial: number; creditsRemaining: number; expiresAt: string | null }
interface Subscription { subscriptionId: string; status: string; trialEnd: string | null; currentPeriodEnd: string | null; cancelAtPeriodEnd: boolean; graceEndsAt: string | null; planCreditsBlocked: boolean; trialWillEndAt: string | null }

/** A stand-in test route; a refusal there is a broken test, not a finding. */
async function standin(path: string, body: unknown = {}) {
  const answer = await stripeStandin(system).post(path, body);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`stand-in ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Moves the stand-in's clock; every webhook due is delivered to the gateway, in order, before it answers. */
async function advance(days: number): Promise<void> {
  await standin('/test/clock/advance', { days });
}

async function subscribe(email: string, offeringId = 'builder_monthly') {
  const checkout = await hub.createCheckout({ domain, offeringId, email, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/pricing' });
  expect(lastStatus(hub)).toBe(200);
  const completed = await standin(`/test/checkout/sessions/${checkout.sessionId}/complete`);
  expect(completed.delivery.status).toBe(200);
  const session = completed.event.data.object;
  return { sessionId: checkout.sessionId, subscriptionId: session.subscription as string, customerId: session.customer as string };
}

async function subscriptionOf(email: string): Promise<Subscription> {
  const reply = await hub.listSubscriptions({ email });
  expect(lastStatus(hub)).toBe(200);
  return reply.subscriptions[0] as Subscription;
}

async function lots(email: string): Promise<Lot[]> {
  const reply = await hub.getBalance({ email, domain });
  expect(lastStatus(hub)).toBe(200);
  return reply.lots;
}

const grantedLots = async (email: string) => (await lots(email)).filter((lot) => lot.kind === 'granted');

async function consume(email: string, credits: number, referenceId: string) {
  return answered(hub, hub.consumeCredits({ email, domain, deltaCredits: -credits, actionType: 'ai_generation', referenceId }));
}

async function invoicesOf(subscriptionId: string) {
  return (await stripe.invoices.list({ subscription: subscriptionId, limit: 100 })).data;
}

/** Bodies of the messages on `billing.events.<name>.v1` in the system's BILLING stream. */
async function billingMessages(name: string): Promise<any[]> {
  const nc = await connect({ servers: system.natsUrl });
  try {
    const consumer = await nc.jetstream().consumers.get(`BILLING_${namespace.toUpperCase()}`, { filterSubjects: `${namespace}.billing.events.${name}.v1` });
    const bodies: any[] = [];
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    for await (const message of batch) bodies.push(JSONCodec().decode(message.data));
    return bodies;
  } finally {
    await nc.close();
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix, env: { BILLING_SCHEDULER_INTERVAL_MS: '300' } });
  key = await createDomainKey(system, domain);
  hub = hubClient(system, key);
  stripe = new Stripe('sk_test_e2e', { host: '127.0.0.1', port: system.ports.standin, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('seed 001\'s trial table, end to end through the gateway and the stand-in\'s test clock', () => {
  const ada = `ada+${suffix}@example.com`; // stays subscribed
  const bob = `bob+${suffix}@example.com`; // cancels mid-trial
  const cyd = `cyd+${suffix}@example.com`; // cancels after the first bill
  const dee = `dee+${suffix}@example.com`; // her card fails at the first bill
  const subs: Record<string, { subscriptionId: string; customerId: string }> = {};
  let trialEnd = 0;

  it('day 0: checkout in subscription mode with a card required; trialing at once, the plan\'s credits usable', async () => {
    for (const email of [ada, bob, cyd, dee]) subs[email] = await subscribe(email);
    const session = await stripe.checkout.sessions.retrieve((await hub.createCheckout({ domain, offeringId: 'builder_annual', email: `look+${suffix}@example.com`, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/x' })).sessionId);
    expect(session).toMatchObject({ mode: 'subscription', payment_method_collection: 'always', amount_total: 0 });
    expect(session.custom_text.submit?.message).toBe('14-day free trial included. All sales final after the trial.');

    const first = await subscriptionOf(ada);
    expect(first).toMatchObject({ subscriptionId: subs[ada].subscriptionId, status: 'trialing', planCreditsBlocked: false });
    trialEnd = Date.parse(first.trialEnd!) / 1000;
    const lot = await eventually('the trial\'s credits', async () => (await grantedLots(ada)).find((l) => l.creditsInitial === 200));
    expect(lot.expiresAt).toBe(iso(trialEnd)); // the plan does not roll over: they expire at the trial end
    expect(await consume(ada, 5, `ada-day0-${suffix}`)).toMatchObject({ status: 200 });
    expect((await invoicesOf(subs[ada].subscriptionId))).toHaveLength(0); // verified, not charged

    await standin(`/test/customers/${subs[dee].customerId}/fail_payments`, { fail: true });
    const pack = await hub.createCheckout({ domain, offeringId: 'starter_3', email: dee, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/x' });
    await standin(`/test/checkout/sessions/${pack.sessionId}/complete`);
    await eventually('dee\'s pack', async () => (await lots(dee)).some((l) => l.kind === 'purchased'));
  });

  it('days 1-14: trialing; a cancellation by the owner only (day 5); the reminder recorded on day 11', async () => {
    await advance(5);
    // atPeriodEnd left out, as a client relying on the API's default sends it.
    const cancel = (email: string) => hub.cancelSubscription({ subscriptionId: subs[bob].subscriptionId, email, domain } as Parameters<CreditHubClient['cancelSubscription']>[0]);
    await expect(cancel(ada)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    const cancelled = await cancel(bob);
    expect(lastStatus(hub)).toBe(200);
    expect(cancelled).toMatchObject({ cancelAtPeriodEnd: true, status: 'trialing' });
    await eventually('bob\'s cancellation synced', async () => (await subscriptionOf(bob)).cancelAtPeriodEnd);

    await advance(6);
    expect(await subscriptionOf(ada)).toMatchObject({ status: 'trialing', trialWillEndAt: iso(trialEnd - 3 * day) });
    const reminders = await eventually('the trial-will-end event for builders', async () => {
      const messages = (await billingMessages('trial-will-end')).filter((m) => m.subscriptionId === subs[ada].subscriptionId);
      return messages.length > 0 ? messages : undefined;
    });
    expect(reminders).toEqual([{ subscriptionId: subs[ada].subscriptionId, email: ada, domain, trialEnd: iso(trialEnd), at: iso(trialEnd - 3 * day) }]);
    expect(await consume(ada, 1, `ada-day11-${suffix}`)).toMatchObject({ status: 200 });
  });

  it('day 15: charged the full price, active, the next period\'s credits granted; cancelled mid-trial: never charged, canceled', async () => {
    await advance(4);
    const [invoice] = await invoicesOf(subs[ada].subscriptionId);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 900, billing_reason: 'subscription_cycle' });
    const active = await subscriptionOf(ada);
    expect(active).toMatchObject({ status: 'active' });
    const periodEnd = active.currentPeriodEnd;
    await eventually('the first paid period\'s credits', async () => (await grantedLots(ada)).some((l) => l.expiresAt === periodEnd && l.creditsInitial === 200));

    const ended = await subscriptionOf(bob);
    expect(ended).toMatchObject({ status: 'canceled', cancelAtPeriodEnd: true });
    expect(await invoicesOf(subs[bob].subscriptionId)).toHaveLength(0);
    expect((await grantedLots(bob)).map((l) => l.expiresAt)).toEqual([ended.trialEnd]); // only the trial's, ending with it
  });

  it('payment failure: past due with a grace, plan credits usable during it, refused with payment_past_due after; pack credits never blocked; usable again once paid', async () => {
    const failing = await subscriptionOf(dee);
    expect(failing).toMatchObject({ status: 'past_due', planCreditsBlocked: false });
    const [invoice] = await invoicesOf(subs[dee].subscriptionId);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1 });
    expect(failing.graceEndsAt).toBe(iso(invoice.created + 3 * day));
    await eventually('the renewed period\'s credits for the grace', async () => (await grantedLots(dee)).some((l) => l.expiresAt === failing.currentPeriodEnd));
    expect(await consume(dee, 10, `dee-grace-${suffix}`)).toMatchObject({ status: 200 });

    await advance(1.5); // still within the 3-day grace
    expect(await subscriptionOf(dee)).toMatchObject({ planCreditsBlocked: false });
    expect(await consume(dee, 10, `dee-grace2-${suffix}`)).toMatchObject({ status: 200 });

    await advance(2); // past the grace (the retry on day 3 fails too)
    expect(await subscriptionOf(dee)).toMatchObject({ status: 'past_due', planCreditsBlocked: true });
    const refused = await eventually('payment_past_due', async () => {
      const reply = await consume(dee, 50, `dee-blocked-${suffix}-${Date.now()}`);
      return reply.status === 402 && reply.code === 'payment_past_due' ? reply : undefined;
    });
    expect(refused.code).toBe('payment_past_due');
    expect(await consume(dee, 2, `dee-pack-${suffix}`)).toMatchObject({ status: 200 }); // her pack's credits are not the plan's

    await standin(`/test/customers/${subs[dee].customerId}/fail_payments`, { fail: false });
    await standin(`/test/invoices/${invoice.id}/pay`);
    expect(await subscriptionOf(dee)).toMatchObject({ status: 'active', planCreditsBlocked: false, graceEndsAt: null });
    await eventually('plan credits usable again', async () => (await consume(dee, 50, `dee-recovered-${suffix}`)).status === 200);
  });

  it('cancelled after the first bill: the plan runs to the period end, then ends, charged once', async () => {
    expect(await subscriptionOf(cyd)).toMatchObject({ status: 'active' });
    await hub.cancelSubscription({ subscriptionId: subs[cyd].subscriptionId, email: cyd, domain, atPeriodEnd: true });
    expect(lastStatus(hub)).toBe(200);
    await eventually('cyd\'s cancellation synced', async () => (await subscriptionOf(cyd)).cancelAtPeriodEnd);
    await advance(10);
    expect(await subscriptionOf(cyd)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    await advance(22);
    expect(await subscriptionOf(cyd)).toMatchObject({ status: 'canceled' });
    expect((await invoicesOf(subs[cyd].subscriptionId)).map((i) => i.status)).toEqual(['paid']);
    expect(await subscriptionOf(ada)).toMatchObject({ status: 'active' }); // renewed again meanwhile
    expect((await invoicesOf(subs[ada].subscriptionId)).filter((i) => i.status === 'paid')).toHaveLength(2);
  });

  it('opens Stripe\'s billing portal for the customer\'s own subscriptions', async () => {
    const portal = await hub.createBillingPortalSession({ email: ada, domain, returnUrl: 'https://demo.localhost/settings/billing' });
    expect(lastStatus(hub)).toBe(200);
    expect(portal.url).toMatch(new RegExp(`^${system.urls.standin}/portal/bps_`));
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain(ada);
    expect(page).toContain(subs[ada].subscriptionId);
    expect(page).not.toContain(subs[bob].subscriptionId);
    await expect(hub.createBillingPortalSession({ email: `nobody+${suffix}@example.com`, domain, returnUrl: 'https://demo.localhost/x' })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(hub.createBillingPortalSession({ email: ada, domain: 'notes.localhost', returnUrl: 'https://demo.localhost/x' })).rejects.toMatchObject({ status: 403, code: 'forbidden_domain' });
  });

  it('npm run reconcile -- --since 3d processes a paid checkout whose webhook never came, and then finds nothing amiss', async () => {
    const email = `lost+${suffix}@example.com`;
    const checkout = await hub.createCheckout({ domain, offeringId: 'pro_100', email, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/x' });
    const completed = await standin(`/test/checkout/sessions/${checkout.sessionId}/complete`, { deliver: false });
    expect(completed.delivery).toBeNull();
    const run = await reconcile(['--since', '3d', '--json']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report.eventsProcessed).toContainEqual({ id: completed.event.id, type: 'checkout.session.completed', outcome: 'processed' });
    expect(report.findings).toEqual([]);
    expect(run.code).toBe(0);
    await eventually('the credits', async () => (await lots(email)).some((l) => l.kind === 'purchased' && l.creditsInitial === 100));
    const again = await reconcile(['--since', '3d']);
    expect(again.stdout).toContain('none: Stripe, billing and the ledger agree');
    expect(again.code).toBe(0);
  });
});

function reconcile(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, 'dist/apps/billing/src/cli/reconcile.main.js'), ...args], {
      cwd: root,
      env: { ...process.env, NATS_URL: system.natsUrl, HUB_NAMESPACE: namespace },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('analytics of trials and payment failures, fed by the real BILLING stream', () => {
  it('counts the trials started, those converted to a paid period (straight, or after a failed first payment) and the payment failures', async () => {
    // The scenario above: ada, bob, cyd, dee start trials; bob cancels in his trial; dee pays late.
    const changes = (await billingMessages('subscription-changed')).filter((m) => m.domain === domain);
    const started = new Set(changes.filter((m) => m.status === 'trialing').map((m) => m.subscriptionId));
    const converted = new Set(changes.filter((m) => m.status === 'active' && started.has(m.subscriptionId)).map((m) => m.subscriptionId));
    expect(started.size).toBe(4);
    expect(converted.size).toBe(3);
    const failures = (await billingMessages('payment-failed')).filter((m) => m.domain === domain).length;
    expect(failures).toBeGreaterThan(0);
    const expected = { trials: { started: 4, converted: 3, rate: 0.75 }, paymentFailures: failures };
    const seen = await eventually('the analytics read models caught up', async () => {
      const [conversion, refunds] = [await hub.getAnalyticsConversion(), await hub.getAnalyticsRefunds()];
      const now = { trials: conversion.trials, paymentFailures: refunds.paymentFailures };
      return JSON.stringify(now) === JSON.stringify(expected) ? now : undefined;
    }, 30_000).catch(async () => ({ trials: (await hub.getAnalyticsConversion()).trials, paymentFailures: (await hub.getAnalyticsRefunds()).paymentFailures }));
    expect(seen).toEqual(expected);
  }, 60_000);
});
