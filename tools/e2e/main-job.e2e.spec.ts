/**
 * The main job end to end, over HTTP, on the real services started as processes (compiled by
 * `npm test`'s build step) with their own databases and NATS namespace:
 * checkout → Stripe stand-in completes it → signed webhook → billing → JetStream → ledger credits
 * → consumption through the gateway → analytics read model → replay verifies every balance.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { Client } from 'pg';
import Stripe from 'stripe';
import { CreditHubClient } from '@credit-hub/sdk';
import { createDomainKey, eventually, gatewayRequest, hubClient, lastStatus, runReplay, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2e${suffix}`;
const prefix = `test_e2e_${suffix}`;
let system: System;
let demoKey: string;
let notesKey: string;
let demo: CreditHubClient;
let notes: CreditHubClient;

/** A consume sent by hand: the refusals' content type is part of what is checked. */
function consumeRaw(body: unknown) {
  return gatewayRequest(system, 'POST', '/api/portfolio/credits/consume', { apiKey: demoKey, body });
}

async function query(database: string, sql: string): Promise<number> {
  const db = new Client({ connectionString: database });
  await db.connect();
  try {
    return Number((await db.query(sql)).rows[0].count);
  } finally {
    await db.end();
  }
}

async function balance(email: string): Promise<number> {
  const reply = await demo.getBalance({ email, domain: 'demo.localhost' });
  expect(lastStatus(demo)).toBe(200);
  return reply.balance;
}

async function buy(email: string, offeringId: string): Promise<{ sessionId: string; eventId: string }> {
  const checkout = await demo.createCheckout({
    domain: 'demo.localhost', offeringId, email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel',
  });
  expect(lastStatus(demo)).toBe(200);
  expect(checkout.checkoutUrl).toMatch(/^http/);
  const completed = await stripeStandin(system).completeCheckout(checkout.sessionId);
  expect(completed.status).toBe(200);
  expect(completed.body.delivery.status).toBe(200);
  return { sessionId: checkout.sessionId, eventId: completed.body.event.id };
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  demoKey = await createDomainKey(system, 'demo.localhost');
  notesKey = await createDomainKey(system, 'notes.localhost');
  demo = hubClient(system, demoKey);
  notes = hubClient(system, notesKey);
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('the main job, end to end over HTTP', () => {
  const email = `ada+${suffix}@example.com`;
  let purchase: { sessionId: string; eventId: string };

  it('buys 1,000 credits through checkout and the signed webhook', async () => {
    purchase = await buy(email, 'team_1000');
    expect(await eventually('credits after the webhook', async () => (await balance(email)) === 1000)).toBe(true);
  });

  it('lets exactly 142 of 200 concurrent consumes of 7 credits through; final balance 6, never negative', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        consumeRaw({ email, domain: 'demo.localhost', deltaCredits: -7, actionType: 'ai_generation', referenceId: `race-${i}` }),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 402);
    expect(ok).toHaveLength(142);
    expect(refused).toHaveLength(58);
    for (const r of refused) {
      expect(r.type).toContain('application/problem+json');
      expect(r.body.code).toBe('insufficient_credits');
    }
    expect(Math.min(...ok.map((r) => r.body.balance))).toBe(6);
    expect(await balance(email)).toBe(6);
  });

  it('credits a webhook delivered 10 more times once', async () => {
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => stripeStandin(system).deliverEvent(purchase.eventId)));
    for (const d of deliveries) expect(d.body.delivery.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await balance(email)).toBe(6);
    expect(await query(system.databases.ledger, `SELECT count(*) FROM ledger_events WHERE type = 'CreditsPurchased'`)).toBe(1);
  });

  it('refuses a forged webhook signature with 400 problem+json and writes nothing', async () => {
    const stripeEventsBefore = await query(system.databases.billing, 'SELECT count(*) FROM stripe_events');
    const eventsBefore = await query(system.databases.ledger, 'SELECT count(*) FROM ledger_events');
    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_forged', payment_status: 'paid', mode: 'payment', metadata: { domain: 'demo.localhost', offeringId: 'team_1000', email, credits: '1000' } } } });
    const forged = new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_the_real_secret' });
    const response = await fetch(`${system.urls.gateway}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': forged }, body: payload });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { code: string }).code).toBe('webhook_signature_invalid');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await query(system.databases.billing, 'SELECT count(*) FROM stripe_events')).toBe(stripeEventsBefore);
    expect(await query(system.databases.ledger, 'SELECT count(*) FROM ledger_events')).toBe(eventsBefore);
    expect(await balance(email)).toBe(6);
  });

  it('answers a retried referenceId with the first answer and a changed one with 409', async () => {
    const body = { email, domain: 'demo.localhost', deltaCredits: -1, actionType: 'ai_generation', referenceId: 'gen_abc123' };
    const first = await demo.consumeCredits(body);
    expect(lastStatus(demo)).toBe(200);
    const again = await demo.consumeCredits(body);
    expect(lastStatus(demo)).toBe(200);
    expect(first).toMatchObject({ balance: 5, repeated: false });
    expect(again).toMatchObject({ balance: 5, eventId: first.eventId, repeated: true });
    await expect(demo.consumeCredits({ ...body, deltaCredits: -2 })).rejects.toMatchObject({ status: 409, code: 'reference_conflict' });
  });

  it('keeps a domain key to its own domain and refuses bad input with a named field', async () => {
    await expect(notes.consumeCredits({ email, domain: 'demo.localhost', deltaCredits: -1, actionType: 'x', referenceId: 'cross' })).rejects.toMatchObject({ status: 403 });
    // No key at all: the SDK always sends one, so this one goes by hand.
    expect(await gatewayRequest(system, 'GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=demo.localhost`, { apiKey: null })).toMatchObject({ status: 401 });
    await expect(demo.consumeCredits({ email, domain: 'demo.localhost', deltaCredits: 1.5, actionType: 'x', referenceId: 'float' })).rejects.toMatchObject({ status: 400, code: 'validation_failed', field: 'deltaCredits' });
    expect(await balance(email)).toBe(5);
  });

  it('feeds the credit-usage read model from JetStream', async () => {
    const usage = await eventually('usage read model', async () => {
      const reply = await demo.getAnalyticsUsage({ domain: 'demo.localhost' });
      return lastStatus(demo) === 200 && reply.totals.creditsConsumed === 142 * 7 + 1 ? reply : undefined;
    });
    expect(usage.totals.consumptions).toBe(143);
    expect(usage.rows.find((row) => row.actionType === 'ai_generation')?.creditsConsumed).toBe(995);
  });

  it('stops a service at boot with a message naming a malformed variable', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const root = join(__dirname, '..', '..');
    const result = spawnSync(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, 'dist/apps/ledger/src/main.js')], {
      env: { ...process.env, LEDGER_HTTP_PORT: 'not-a-port', LEDGER_DATABASE_URL: 'mysql://nowhere/x' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('LEDGER_HTTP_PORT="not-a-port"');
    expect(result.stderr).toContain('LEDGER_DATABASE_URL');
  });

  it('replays the event log into the same balances (npm run replay exits 0)', async () => {
    const result = await runReplay(system, []);
    expect(result.stdout).toContain('verified');
    expect(result.code).toBe(0);
  });
});
