/**
 * Disputes, refunds made in Stripe's dashboard, the dispute-count checkout block and the operator's
 * catalog API, end to end over HTTP on the real services with the Stripe stand-in:
 * a dispute freezes the account (`account_frozen`) and stages evidence from the ledger for review;
 * lost → the purchase is clawed back; won → unfrozen; a dashboard refund removes its share of the
 * purchase's unused credits, a refund this system started is never counted twice; more than 3
 * disputes in 6 months block new checkouts across the portfolio; operators manage brands and
 * offerings with an operator key, and a change never alters what was bought.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { Client } from 'pg';
import Stripe from 'stripe';
import { ErrorCodes } from '@credit-hub/contracts';
import { CreditHubClient } from '@credit-hub/sdk';
import { answered, createDomainKey, eventually, gatewayRequest, hubClient, lastStatus, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2edis${suffix}`;
const prefix = `test_e2edis_${suffix}`;
const domain = 'demo.localhost';
const operatorKey = `chk_op_${randomBytes(24).toString('base64url')}`;
let system: System;
let key: string;
let notesKey: string;
let hub: CreditHubClient;
let notes: CreditHubClient;
let operator: CreditHubClient;
let stripe: Stripe;

/** A stand-in test route; a refusal there is a broken test, not a finding. */
async function standin(path: string, body: unknown = {}) {
  const answer = await stripeStandin(system).post(path, body);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`stand-in ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function balance(email: string, onDomain = domain, client = hub): Promise<number> {
  const reply = await client.getBalance({ email, domain: onDomain });
  expect(lastStatus(client)).toBe(200);
  return reply.balance;
}

const consume = (email: string, credits: number, referenceId: string) =>
  answered(hub, hub.consumeCredits({ email, domain, deltaCredits: -credits, actionType: 'ai_generation', referenceId }));

/** Buys a pack through the gateway and the stand-in; waits for the credits; returns the charge. */
async function buy(email: string, offeringId: string, credits: number): Promise<{ sessionId: string; paymentIntentId: string; chargeId: string }> {
  const before = await balance(email);
  const checkout = await hub.createCheckout({ domain, offeringId, email, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/x' });
  expect(lastStatus(hub)).toBe(200);
  const completed = await standin(`/test/checkout/sessions/${checkout.sessionId}/complete`);
  expect(completed.delivery.status).toBe(200);
  await eventually(`${credits} credits for ${email}`, async () => (await balance(email)) === before + credits);
  const paymentIntentId = completed.event.data.object.payment_intent as string;
  const chargeId = (await stripe.paymentIntents.retrieve(paymentIntentId)).latest_charge as string;
  return { sessionId: checkout.sessionId, paymentIntentId, chargeId };
}

async function dispute(chargeId: string): Promise<string> {
  const opened = await standin(`/test/charges/${chargeId}/dispute`, { reason: 'fraudulent' });
  return opened.dispute.id;
}

beforeAll(async () => {
  const operatorKeyHash = createHash('sha256').update(operatorKey).digest('hex');
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix, env: { BILLING_SCHEDULER_INTERVAL_MS: '300', OPERATOR_API_KEYS: operatorKeyHash } });
  key = await createDomainKey(system, domain);
  notesKey = await createDomainKey(system, 'notes.localhost');
  hub = hubClient(system, key);
  notes = hubClient(system, notesKey);
  operator = hubClient(system, operatorKey);
  stripe = new Stripe('sk_test_e2e', { host: '127.0.0.1', port: system.ports.standin, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('disputes and dashboard refunds, end to end', () => {
  it('a dispute freezes the account and stages evidence from the ledger (not submitted); lost: the purchase is clawed back', async () => {
    const email = `eve+${suffix}@example.com`;
    const purchase = await buy(email, 'pro_100', 100);
    for (let i = 1; i <= 3; i++) expect(await consume(email, 3, `eve-gen-${i}-${suffix}`)).toMatchObject({ status: 200 });
    const disputeId = await dispute(purchase.chargeId);

    // Probe with more than the balance: 402 until the freeze lands, then 403; never spends anything.
    const frozen = await eventually('account_frozen', async () => {
      const reply = await consume(email, 1000, `eve-frozen-${Date.now()}`);
      return reply.status === 403 ? reply : undefined;
    });
    expect(frozen.code).toBe('account_frozen');

    const drafted = await eventually('the evidence draft', async () => {
      const current = await stripe.disputes.retrieve(disputeId);
      return current.evidence.access_activity_log ? current : undefined;
    });
    expect(drafted.status).toBe('needs_response'); // staged for review: submit false
    expect(drafted.evidence_details.submission_count).toBe(0);
    for (let i = 1; i <= 3; i++) expect(drafted.evidence.access_activity_log).toContain(`${domain} ai_generation eve-gen-${i}-${suffix} 3`);
    expect(drafted.evidence.customer_email_address).toBe(email);
    expect(drafted.evidence.refund_policy_disclosure).toContain('Credits never expire. Refunds in exchange for feedback.');
    expect(drafted.evidence.uncategorized_text).toContain(purchase.sessionId);

    await standin(`/test/disputes/${disputeId}/close`, { outcome: 'lost' });
    const items = await eventually('the clawback, then the unfreeze', async () => {
      const history = await hub.getHistory({ email } as Parameters<CreditHubClient['getHistory']>[0]);
      const found = history.items;
      return found.some((item) => item.type === 'AccountUnfrozen') ? found : undefined;
    });
    expect(items.map((item) => item.type)).toEqual(expect.arrayContaining(['AccountFrozen', 'CreditsClawedBack', 'AccountUnfrozen']));
    // The 91 unused credits are taken back and the 9 used are owed: the balance goes negative.
    expect(items.find((item) => item.type === 'CreditsClawedBack')).toMatchObject({ balanceAfter: -9 });
    expect(await balance(email)).toBe(0); // nothing spendable
    expect(await consume(email, 1, `eve-after-${suffix}`)).toMatchObject({ status: 402, code: 'insufficient_credits' });
  });

  it('a dispute won unfreezes the account; the credits stay', async () => {
    const email = `fay+${suffix}@example.com`;
    const purchase = await buy(email, 'starter_3', 3);
    const disputeId = await dispute(purchase.chargeId);
    await eventually('account_frozen', async () => (await consume(email, 1000, `fay-frozen-${Date.now()}`)).status === 403);
    await standin(`/test/disputes/${disputeId}/close`, { outcome: 'won' });
    await eventually('unfrozen', async () => (await consume(email, 1, `fay-after-${suffix}`)).status === 200);
    expect(await balance(email)).toBe(2);
  });

  it('a refund made in the dashboard removes its share of the purchase\'s unused credits; one this system started is not counted again', async () => {
    const email = `gus+${suffix}@example.com`;
    const purchase = await buy(email, 'pro_100', 100);
    expect(await consume(email, 10, `gus-gen-${suffix}`)).toMatchObject({ status: 200 });
    await standin(`/test/charges/${purchase.chargeId}/refund`, { amount: 2450 }); // half the price: half the credits, 50
    await eventually('the dashboard refund in the ledger', async () => (await balance(email)) === 40);
    await stripe.refunds.create({ payment_intent: purchase.paymentIntentId, amount: 1000, metadata: { refundRequestId: `rr_${suffix}` } }, { idempotencyKey: `rr_${suffix}` });
    await standin('/test/webhooks/drain');
    const billing = new Client({ connectionString: system.databases.billing });
    await billing.connect();
    try {
      await eventually('our refund recorded by billing', async () => (await billing.query(`SELECT origin FROM charge_refunds WHERE refund_request_id = $1`, [`rr_${suffix}`])).rows[0]?.origin === 'ours');
    } finally {
      await billing.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await balance(email)).toBe(40);
  });

  it('more than 3 disputes in 6 months block new checkouts across the portfolio', async () => {
    const email = `hal+${suffix}@example.com`;
    for (let i = 0; i < 4; i++) await dispute((await buy(email, 'starter_3', 3)).chargeId);
    const body = { offeringId: 'builder_monthly', email, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/x' };
    const onDemo = await answered(hub, hub.createCheckout({ ...body, domain }));
    const onNotes = await answered(notes, notes.createCheckout({ ...body, domain: 'notes.localhost', offeringId: 'notes_50' }));
    if (Object.hasOwn(ErrorCodes, 'checkout_blocked')) {
      for (const reply of [onDemo, onNotes]) expect(reply).toMatchObject({ status: 403, code: 'checkout_blocked', error: { field: 'email' } });
    } else {
      // Until libs/contracts/src/errors.ts lists checkout_blocked (the lead adds it), the gateway cannot map billing's refusal.
      for (const reply of [onDemo, onNotes]) expect(reply).toMatchObject({ status: 500, code: 'internal_error' });
    }
    expect(await answered(hub, hub.createCheckout({ ...body, domain, email: `ivy+${suffix}@example.com` }))).toMatchObject({ status: 200 });
  });
});

describe('the operator\'s catalog API (operator key)', () => {
  const builder = 'builder.localhost';
  const brand = { displayName: 'Builder AI', supportEmail: 'help@builder.localhost', checkoutMessage: 'Credits renew every month.', graceDays: 2 };
  const plan = { offeringId: 'builder_pro', kind: 'plan', credits: 300, amountMinor: 1500, currency: 'usd', interval: 'month', trialDays: 7, rollover: false, checkoutMessage: '7-day free trial included. All sales final after the trial.' };
  // Bodies as the tests write them (some invalid on purpose): the SDK sends them as they are.
  const putDomain = (body: object) => operator.putOperatorDomain({ domain: builder, ...body } as Parameters<CreditHubClient['putOperatorDomain']>[0]);
  const putOffering = (body: object) =>
    operator.putOperatorOffering({ ...body, domain: builder, offeringId: 'builder_pro' } as Parameters<CreditHubClient['putOperatorOffering']>[0]);

  it('refuses anyone without an operator key, domain keys included', async () => {
    // No key at all: the SDK always sends one, so this one goes by hand.
    expect(await gatewayRequest(system, 'GET', `/api/operator/domains/${domain}`, { apiKey: null })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    await expect(hub.getOperatorDomain({ domain })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(hubClient(system, `chk_op_${randomBytes(24).toString('base64url')}`).getOperatorDomain({ domain })).rejects.toMatchObject({ status: 401 });
  });

  it('reads a domain\'s brand and offerings', async () => {
    const reply = await operator.getOperatorDomain({ domain });
    expect(lastStatus(operator)).toBe(200);
    expect(reply).toMatchObject({ domain, displayName: 'Demo AI', graceDays: 3 });
    expect(reply.offerings.find((o) => o.offeringId === 'builder_monthly')).toMatchObject({ kind: 'plan', interval: 'month', trialDays: 14, rollover: false, active: true });
    await expect(operator.getOperatorDomain({ domain: 'nowhere.localhost' })).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it.each([
    ['a negative price', { ...plan, amountMinor: -1 }, 'offerings.0.amountMinor'],
    ['an unknown currency', { ...plan, currency: 'xyz' }, 'offerings[0].currency'],
    ['zero credits', { ...plan, credits: 0 }, 'offerings.0.credits'],
    ['a plan without its interval', { ...plan, interval: undefined }, 'offerings[0].interval'],
  ])('refuses %s with validation_failed naming the field', async (_, offering, field) => {
    await expect(putDomain({ ...brand, offerings: [offering] })).rejects.toMatchObject({ status: 400, code: 'validation_failed', field });
  });

  it('creates a domain with its brand and a plan; customers see that brand; a later change never alters what was bought', async () => {
    const created = await putDomain({ ...brand, offerings: [plan] });
    expect(lastStatus(operator)).toBe(200);
    expect(created).toMatchObject({ domain: builder, displayName: 'Builder AI', graceDays: 2, offerings: [expect.objectContaining({ offeringId: 'builder_pro', credits: 300 })] });
    const builderHub = hubClient(system, await createDomainKey(system, builder));
    const email = `jay+${suffix}@example.com`;
    const checkout = await builderHub.createCheckout({ domain: builder, offeringId: 'builder_pro', email, successUrl: 'https://builder.localhost/ok', cancelUrl: 'https://builder.localhost/x' });
    expect(lastStatus(builderHub)).toBe(200);
    const session = await stripe.checkout.sessions.retrieve(checkout.sessionId, { expand: ['line_items'] });
    expect(session.custom_text.submit?.message).toBe('7-day free trial included. All sales final after the trial.');
    expect(session.line_items?.data[0].description).toBe('Builder AI: 300 credits every month');

    const repriced = await putOffering({ ...plan, credits: 999, amountMinor: 2500 });
    expect(lastStatus(operator)).toBe(200);
    expect(repriced).toMatchObject({ offerings: [expect.objectContaining({ credits: 999, amountMinor: 2500 })] });
    await standin(`/test/checkout/sessions/${checkout.sessionId}/complete`);
    await eventually('the plan credits as bought', async () => (await balance(email, builder, builderHub)) === 300);
    const subscriptions = await builderHub.listSubscriptions({ email });
    expect(subscriptions.subscriptions[0]).toMatchObject({ offeringId: 'builder_pro', creditsPerPeriod: 300, status: 'trialing' });

    const retired = await putOffering({ ...plan, active: false });
    expect(retired.offerings[0]).toMatchObject({ active: false });
    await expect(builderHub.createCheckout({ domain: builder, offeringId: 'builder_pro', email, successUrl: 'https://builder.localhost/ok', cancelUrl: 'https://builder.localhost/x' }))
      .rejects.toMatchObject({ status: 404, code: 'offering_not_found' });
  });
});

describe('analytics of disputes, fed by the real BILLING stream', () => {
  it('counts the disputes opened, won and lost on the domain (the scenarios above: 6 opened, 1 won, 1 lost)', async () => {
    const expected = { opened: 6, won: 1, lost: 1 };
    const answer = await eventually('the disputes reach the analytics read models', async () => {
      const reply = await hub.getAnalyticsRefunds();
      return lastStatus(hub) === 200 && reply.disputes.opened === expected.opened && (reply.disputes.won as number) + (reply.disputes.lost as number) === 2 ? reply : undefined;
    }, 30_000);
    expect(answer.disputes).toEqual(expected);
    expect(answer.byDomain).toEqual([expect.objectContaining({ domain, disputes: expected })]);
    expect((await hub.getAnalyticsSummary()).refunds.disputes).toBe(expected.opened);
    expect((await notes.getAnalyticsRefunds()).disputes).toEqual({ opened: 0, won: 0, lost: 0 });
  }, 60_000);
});
