/**
 * Stripe Connect end to end, over HTTP on the started system with the Stripe stand-in speaking
 * Connect: a builder (one builder key over notes.localhost and slides.localhost, both in the demo
 * catalog) onboards one
 * Standard account through the hosted page; a checkout on notes is a direct charge on that account
 * with the platform's fee; the credits are scoped to the builder: spendable on slides, refused on a
 * third builder's domain (other.localhost) and on the platform's (demo.localhost); the feedback
 * refund works as before; a money refund is made on the builder's account with the fee given back;
 * a dispute there freezes and gets evidence on the account; a deauthorisation disconnects (checkout
 * 409). Then the cross-account matrix: no webhook, refund or read crosses accounts. Last, the
 * builder connects its existing account again through Connect OAuth (authorize URL, callback).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import Stripe from 'stripe';
import { eventually, repoRoot as root, runApiKeyCli, startSystem, StartedSystem } from '@credit-hub/testing';
import { stopAndCleanUp } from './support/cleanup';

type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2ecx${suffix}`;
const prefix = `test_e2ecx_${suffix}`;
const operatorKey = `chk_op_${randomBytes(24).toString('base64url')}`;
let system: System;
let stripe: Stripe;
const keys = { builder: '', notes: '', slides: '', other: '', demo: '' };
let acme = ''; // the connected account of the builder of notes + slides
let third = ''; // the connected account of other.localhost
let adaPaymentIntent = ''; // ada's purchase on notes.localhost (the builder's account)

async function api(method: string, path: string, body?: unknown, bearer: string | null = keys.notes) {
  const response = await fetch(`${system.urls.gateway}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

async function standin(path: string, body: unknown = {}) {
  const response = await fetch(`${system.urls.standin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as any;
  if (!response.ok) throw new Error(`stand-in ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function balance(email: string, domain: string, key: string): Promise<{ balance: number; lots: { lotId: string; offeringId: string; creditsRemaining: number }[] }> {
  const reply = await api('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${domain}`, undefined, key);
  expect(reply.status).toBe(200);
  return reply.body;
}

const consume = (email: string, domain: string, credits: number, key: string) =>
  api('POST', '/api/portfolio/credits/consume', { email, domain, deltaCredits: -credits, actionType: 'ai_generation', referenceId: `gen_${randomUUID()}` }, key);

const checkout = (domain: string, offeringId: string, email: string, key: string) =>
  api('POST', '/api/billing/checkout', { domain, offeringId, email, successUrl: `https://${domain}/ok`, cancelUrl: `https://${domain}/no` }, key);

/** Buys on a connected domain: the stand-in pays, the Connect webhook goes through the gateway; waits for the credits. */
async function buy(email: string, domain: string, offeringId: string, credits: number, key: string): Promise<{ sessionId: string; paymentIntentId: string; chargeId: string }> {
  const before = (await balance(email, domain, key)).balance;
  const opened = await checkout(domain, offeringId, email, key);
  expect(opened.status).toBe(200);
  const completed = await standin(`/test/checkout/sessions/${opened.body.sessionId}/complete`);
  expect(completed.event.account).toBe(acme);
  expect(completed.delivery.status).toBe(200);
  await eventually(`${credits} credits for ${email}`, async () => (await balance(email, domain, key)).balance === before + credits);
  const paymentIntentId = completed.event.data.object.payment_intent as string;
  const chargeId = (await stripe.paymentIntents.retrieve(paymentIntentId, {}, { stripeAccount: acme })).latest_charge as string;
  return { sessionId: opened.body.sessionId, paymentIntentId, chargeId };
}

async function portalUrl(email: string, domain: string, key: string): Promise<string> {
  const session = await api('POST', '/api/portal/sessions', { email, domain, returnUrl: `https://${domain}/account` }, key);
  expect(session.status).toBe(200);
  return session.body.url;
}

async function submitForm(url: string, fields: Record<string, string>) {
  const form = new URLSearchParams({
    requestKey: randomUUID(), kind: 'credits', lotId: '', tried: 'Summaries of long reports', didNotWork: 'It missed the key numbers',
    wouldBringBack: 'Tables read correctly', category: 'quality', rating: '3', ...fields,
  });
  const response = await fetch(`${url}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  return { status: response.status, html: await response.text() };
}

/** Onboards through the hosted page's "Submit details and connect" and waits until the hub says ready. */
async function onboardReady(key: string, body: Record<string, unknown> = {}): Promise<string> {
  const started = await api('POST', '/api/billing/connect/onboarding', body, key);
  expect(started.status).toBe(200);
  const page = await fetch(started.body.onboardingUrl);
  expect(page.status).toBe(200);
  const token = new URL(started.body.onboardingUrl).pathname.split('/').pop();
  await standin(`/test/account_links/${token}/complete`);
  await eventually(`${started.body.accountId} ready`, async () => {
    const state = await api('GET', '/api/billing/connect', undefined, key);
    return state.body.domains.every((d: { status: string }) => d.status === 'ready');
  });
  return started.body.accountId;
}

async function billingRow(sql: string, parameters: unknown[]): Promise<Record<string, unknown> | undefined> {
  const db = new Client({ connectionString: system.databases.billing });
  await db.connect();
  try {
    return (await db.query(sql, parameters)).rows[0];
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  // The refunds service reads its catalog (refund policies) from this file: the demo's plus the
  // two domains the operator adds to billing below, money refunds allowed on the builder's domains.
  const catalog = JSON.parse(readFileSync(join(root, 'deploy', 'catalog', 'demo.json'), 'utf8'));
  const policy = { windowDays: 14, refundsPerWindow: 5, creditsPerRefundMax: 100, moneyRefunds: { enabled: true, withinDays: 30 } };
  for (const entry of catalog.domains) if (entry.domain === 'notes.localhost' || entry.domain === 'slides.localhost') entry.refundPolicy = policy;
  catalog.domains.push({ domain: 'other.localhost', displayName: 'Other AI', supportEmail: 'support@other.localhost', checkoutMessage: 'Refunds in exchange for feedback.', offerings: [], refundPolicy: policy });
  const catalogFile = join(mkdtempSync(join(tmpdir(), 'connect-e2e-')), 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify(catalog));
  const operatorKeyHash = createHash('sha256').update(operatorKey).digest('hex');
  system = await startSystem({
    ports: 'random', namespace, databasePrefix: prefix,
    env: { CATALOG_FILE: catalogFile, OPERATOR_API_KEYS: operatorKeyHash, BILLING_SCHEDULER_INTERVAL_MS: '300', CONNECT_APPLICATION_FEE_BPS: '500', CONNECT_REFUND_APPLICATION_FEE: 'true' },
  });
  // The third builder's domain, added to billing's catalog with the operator API.
  const put = await api('PUT', '/api/operator/domains/other.localhost', {
    displayName: 'Other AI', supportEmail: 'support@other.localhost', checkoutMessage: 'Refunds in exchange for feedback.',
    offerings: [{ offeringId: 'pack_20', kind: 'pack', credits: 20, amountMinor: 1000, currency: 'usd' }],
  }, operatorKey);
  expect(put.status).toBe(200);
  const create = async (args: string[]) => JSON.parse(await runApiKeyCli(system, ['create', ...args, '--json'])).key as string;
  keys.builder = await create(['--builder', 'Acme', '--domains', 'notes.localhost,slides.localhost']);
  keys.notes = await create(['--domain', 'notes.localhost']);
  keys.slides = await create(['--domain', 'slides.localhost']);
  keys.other = await create(['--domain', 'other.localhost']);
  keys.demo = await create(['--domain', 'demo.localhost']);
  stripe = new Stripe('sk_test_e2e', { host: '127.0.0.1', port: system.ports.standin, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}, 180_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('Stripe Connect, end to end', () => {
  const ada = `ada+${suffix}@example.com`;

  it('onboards the builder\'s two domains onto one account; checkouts answer 409 until Stripe says ready', async () => {
    const started = await api('POST', '/api/billing/connect/onboarding', {}, keys.builder);
    expect(started).toMatchObject({ status: 200, body: { domains: ['notes.localhost', 'slides.localhost'], status: 'onboarding' } });
    acme = started.body.accountId;
    expect(acme).toMatch(/^acct_/);

    const early = await checkout('notes.localhost', 'notes_50', ada, keys.notes);
    expect(early).toMatchObject({ status: 409, contentType: expect.stringContaining('application/problem+json'), body: { code: 'connected_account_not_ready' } });
    expect((await api('GET', '/api/billing/connect', undefined, keys.builder)).body.domains.map((d: { status: string }) => d.status)).toEqual(['onboarding', 'onboarding']);

    // The domain key of one of the domains resumes onboarding of the same account (a fresh link).
    expect(await onboardReady(keys.notes)).toBe(acme);
    const state = await api('GET', '/api/billing/connect', undefined, keys.builder);
    expect(state.body.domains).toEqual([
      expect.objectContaining({ domain: 'notes.localhost', accountId: acme, status: 'ready', chargesEnabled: true, detailsSubmitted: true, applicationFeeBps: 500 }),
      expect.objectContaining({ domain: 'slides.localhost', accountId: acme, status: 'ready' }),
    ]);
  });

  it('shows the dashboard\'s Connect panel to the signed-in builder, whose button leads to Stripe\'s onboarding', async () => {
    const signIn = await fetch(`${system.urls.gateway}/dashboard/sign-in`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apiKey: keys.builder }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const panel = await fetch(`${system.urls.gateway}/dashboard/connect`, { headers: { cookie } });
    expect(panel.status).toBe(200);
    const html = await panel.text();
    expect(html).toContain('<td>notes.localhost</td><td>' + acme + '</td>');
    expect(html).toContain('<td>slides.localhost</td><td>' + acme + '</td>');
    expect(html.match(/<span class="status ready">ready<\/span>/g)).toHaveLength(2);
    expect(html).toContain('5%, given back on refunds');
    const button = await fetch(`${system.urls.gateway}/dashboard/connect/onboarding`, {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ domain: 'slides.localhost' }).toString(),
    });
    expect(button.status).toBe(303);
    expect(button.headers.get('location')).toContain(`${system.urls.standin}/connect/onboarding/`);
    const signedOut = await fetch(`${system.urls.gateway}/dashboard/connect`, { redirect: 'manual' });
    expect(signedOut.status).toBe(303); // no session: to the sign-in page
  });

  it('sells a direct charge on the builder\'s account with the fee; the credits are spendable on the builder\'s other domain only', async () => {
    const purchase = await buy(ada, 'notes.localhost', 'notes_50', 50, keys.notes);
    adaPaymentIntent = purchase.paymentIntentId;
    const intent = await stripe.paymentIntents.retrieve(purchase.paymentIntentId, {}, { stripeAccount: acme });
    expect(intent).toMatchObject({ amount: 900, currency: 'eur', application_fee_amount: 45 }); // floor(900 × 500 / 10000)
    await expect(stripe.paymentIntents.retrieve(purchase.paymentIntentId)).rejects.toThrow(); // not the platform's

    expect((await balance(ada, 'slides.localhost', keys.slides)).balance).toBe(50);
    expect(await consume(ada, 'slides.localhost', 5, keys.slides)).toMatchObject({ status: 200 });

    third = await onboardReady(keys.other);
    expect(third).not.toBe(acme);
    expect((await balance(ada, 'other.localhost', keys.other)).balance).toBe(0);
    expect(await consume(ada, 'other.localhost', 1, keys.other)).toMatchObject({ status: 402, body: { code: 'insufficient_credits' } });
    expect(await consume(ada, 'demo.localhost', 1, keys.demo)).toMatchObject({ status: 402, body: { code: 'insufficient_credits' } });
    expect((await balance(ada, 'notes.localhost', keys.notes)).balance).toBe(45);
  });

  it('refunds consumed credits for feedback as before, and money on the builder\'s account with the fee given back', async () => {
    const slidesPortal = await portalUrl(ada, 'slides.localhost', keys.slides);
    await eventually('the consumption reached the refunds service', async () => (await (await fetch(slidesPortal)).text()).includes('id="refundable-credits">5 credits'));
    const feedback = await submitForm(slidesPortal, { category: 'quality' });
    expect(feedback.status).toBe(200);
    await eventually('the 5 credits back', async () => (await balance(ada, 'notes.localhost', keys.notes)).balance === 50);

    const lot = (await balance(ada, 'notes.localhost', keys.notes)).lots.find((l) => l.offeringId === 'notes_50')!;
    expect(await consume(ada, 'notes.localhost', 25, keys.notes)).toMatchObject({ status: 200 });
    const money = await submitForm(await portalUrl(ada, 'notes.localhost', keys.notes), { kind: 'money', lotId: lot.lotId, category: 'price' });
    expect(money.status).toBe(200);
    const request = await eventually('the money refund', async () => {
      const list = await api('GET', '/api/refund/requests?domain=notes.localhost&category=price', undefined, keys.notes);
      return list.body.items.find((r: { email: string; status: string }) => r.email === ada && r.status === 'completed');
    });
    expect(request).toMatchObject({ kind: 'money', creditsRefunded: 25, moneyRefunded: { amountMinor: 450, currency: 'eur' } }); // 25 unused of 50 for €9.00
    const refund = await stripe.refunds.retrieve(request.stripeRefundId, {}, { stripeAccount: acme });
    expect(refund).toMatchObject({ amount: 450, status: 'succeeded', metadata: { refundRequestId: request.id } });
    await expect(stripe.refunds.retrieve(request.stripeRefundId)).rejects.toThrow();
    const fee = (await stripe.applicationFees.list({ limit: 100 })).data.find((f) => f.amount === 45 && (f.account === acme || (f.account as { id?: string })?.id === acme));
    expect(fee?.amount_refunded).toBe(23); // half of the 45 given back (Stripe's proportional fee refund; the stand-in rounds half up)
    expect((await balance(ada, 'notes.localhost', keys.notes)).balance).toBe(0);
  });

  it('takes credits back after a refund in the builder\'s own dashboard, and a dispute there freezes with evidence on the account', async () => {
    const bob = `bob+${suffix}@example.com`;
    const purchase = await buy(bob, 'slides.localhost', 'slides_20', 20, keys.slides);
    await standin(`/test/charges/${purchase.chargeId}/refund`, { amount: 500 });
    await eventually('half of the pack taken back', async () => (await balance(bob, 'slides.localhost', keys.slides)).balance === 10);

    const second = await buy(bob, 'notes.localhost', 'notes_50', 50, keys.notes);
    expect(await consume(bob, 'notes.localhost', 3, keys.notes)).toMatchObject({ status: 200 });
    const opened = await standin(`/test/charges/${second.chargeId}/dispute`, { reason: 'fraudulent' });
    const frozen = await eventually('account_frozen', async () => {
      const reply = await consume(bob, 'notes.localhost', 1, keys.notes);
      return reply.status === 403 ? reply : undefined;
    });
    expect(frozen.body.code).toBe('account_frozen');
    const drafted = await eventually('the evidence on the builder\'s dispute', async () => {
      const current = await stripe.disputes.retrieve(opened.dispute.id, {}, { stripeAccount: acme });
      return current.evidence.customer_email_address ? current : undefined;
    });
    expect(drafted.evidence.customer_email_address).toBe(bob);
    expect(drafted.evidence.uncategorized_text).toContain(second.sessionId);
    expect(drafted.evidence_details.submission_count).toBe(0);
  });

  it('no webhook, refund or read crosses accounts', async () => {
    // Webhook: the third builder's account reports a paid session naming the builder's domain → acknowledged, no effect.
    const eve = `eve+${suffix}@example.com`;
    const forged = await stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'https://other.localhost/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'forged' } } }],
      metadata: { domain: 'notes.localhost', offeringId: 'notes_50', email: eve, credits: '1000', amountMinor: '100', currency: 'usd' },
    }, { stripeAccount: third });
    const completed = await standin(`/test/checkout/sessions/${forged.id}/complete`);
    expect(completed.event.account).toBe(third);
    expect(completed.delivery.status).toBe(200);
    expect(JSON.parse(completed.delivery.body)).toMatchObject({ outcome: 'ignored' });
    expect(await billingRow('SELECT refusal FROM stripe_events WHERE account_id = $1 AND stripe_event_id = $2', [third, completed.event.id])).toMatchObject({ refusal: expect.stringContaining('notes.localhost') });
    expect((await balance(eve, 'notes.localhost', keys.notes)).balance).toBe(0);

    // Refund: the builder's sale cannot be refunded through another account, nor seen from the platform.
    await expect(stripe.refunds.create({ payment_intent: adaPaymentIntent }, { stripeAccount: third })).rejects.toThrow();
    await expect(stripe.refunds.create({ payment_intent: adaPaymentIntent })).rejects.toThrow();

    // Read: another builder's key cannot read or onboard the builder's domains.
    expect(await api('GET', '/api/billing/connect?domain=notes.localhost', undefined, keys.other)).toMatchObject({ status: 403, body: { code: 'forbidden_domain' } });
    expect(await api('POST', '/api/billing/connect/onboarding', { domains: ['notes.localhost'] }, keys.other)).toMatchObject({ status: 403, body: { code: 'forbidden_domain' } });
    expect(await api('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(ada)}&domain=notes.localhost`, undefined, keys.other)).toMatchObject({ status: 403 });
    // A Connect delivery signed with the platform's secret is refused.
    const payload = JSON.stringify({ ...completed.event, id: `evt_forged_${suffix}` });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: system.webhookSecret });
    const response = await fetch(`${system.urls.gateway}/webhooks/stripe/connect`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('webhook_signature_invalid');
  });

  it('a deauthorisation disconnects the builder: checkouts answer 409 connected_account_disconnected; a money refund after it gives the credits back', async () => {
    const cleo = `cleo+${suffix}@example.com`;
    await buy(cleo, 'notes.localhost', 'notes_50', 50, keys.notes);
    await standin(`/test/accounts/${acme}/deauthorize`);
    await eventually('disconnected', async () => {
      const state = await api('GET', '/api/billing/connect', undefined, keys.builder);
      return state.body.domains.every((d: { status: string }) => d.status === 'disconnected');
    });
    const refused = await checkout('slides.localhost', 'slides_20', ada, keys.slides);
    expect(refused).toMatchObject({ status: 409, contentType: expect.stringContaining('application/problem+json'), body: { code: 'connected_account_disconnected' } });
    // The platform's own domain still sells.
    expect((await checkout('demo.localhost', 'starter_3', ada, keys.demo)).status).toBe(200);

    // A money refund of a sale made before: Stripe refuses the platform the account, the saga compensates.
    const lot = (await balance(cleo, 'notes.localhost', keys.notes)).lots.find((l) => l.offeringId === 'notes_50')!;
    const money = await submitForm(await portalUrl(cleo, 'notes.localhost', keys.notes), { kind: 'money', lotId: lot.lotId, category: 'price' });
    expect(money.status).toBe(200);
    const request = await eventually('the money refund compensated', async () => {
      const list = await api('GET', '/api/refund/requests?domain=notes.localhost&category=price', undefined, keys.notes);
      return list.body.items.find((r: { email: string; status: string }) => r.email === cleo && r.status === 'compensated');
    }, 30_000);
    expect(request.failureReason).toContain('disconnected');
    await eventually('the 50 credits back', async () => (await balance(cleo, 'notes.localhost', keys.notes)).balance === 50);
  });

  it('the builder connects its existing Stripe account again through Connect OAuth: a single-use state, the callback redirects, checkouts sell again', async () => {
    expect((await api('POST', '/api/billing/connect/oauth', {}, null)).status).toBe(401);
    const started = await api('POST', '/api/billing/connect/oauth', { returnUrl: 'http://127.0.0.1/dashboard/connect?connected=1' }, keys.builder);
    expect(started.status).toBe(200);
    expect(started.body.domains).toEqual(['notes.localhost', 'slides.localhost']);
    const authorize = new URL(started.body.authorizeUrl);
    expect(authorize.origin).toBe(system.urls.standin);
    const redirectUri = authorize.searchParams.get('redirect_uri')!;
    expect(redirectUri).toBe(`${system.urls.gateway}/connect/oauth/callback`);
    expect(authorize.searchParams.get('client_id')).toMatch(/^ca_/);
    const state = authorize.searchParams.get('state')!;
    expect((await fetch(started.body.authorizeUrl)).status).toBe(200); // Stripe's page, as the builder sees it
    // The builder accepts with its existing (deauthorized) account; Stripe redirects the browser to the callback.
    const accepted = await standin('/test/oauth/authorize', { redirect_uri: redirectUri, state, account: acme });
    const callback = await fetch(accepted.redirect, { redirect: 'manual' });
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('http://127.0.0.1/dashboard/connect?connected=1');
    const connected = await api('GET', '/api/billing/connect', undefined, keys.builder);
    expect(connected.body.domains.map((d: { domain: string; status: string; accountId: string }) => [d.domain, d.status, d.accountId])).toEqual([
      ['notes.localhost', 'ready', acme], ['slides.localhost', 'ready', acme],
    ]);
    // Single use: the same redirect again is a clear 400, and a forged state too.
    const again = await fetch(accepted.redirect, { redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(((await again.json()) as { code: string; field?: string })).toMatchObject({ code: 'validation_failed' });
    const forged = new URL(accepted.redirect);
    forged.searchParams.set('state', `${state.slice(0, -3)}abc`);
    expect((await fetch(forged, { redirect: 'manual' })).status).toBe(400);
    // The state and the code never reach a log line (the request lines drop the query string).
    const gatewayLog = readFileSync(join(system.logDir, 'gateway.log'), 'utf8');
    const billingLog = readFileSync(join(system.logDir, 'billing.log'), 'utf8');
    for (const secret of [state, accepted.code as string]) {
      expect(gatewayLog.includes(secret)).toBe(false);
      expect(billingLog.includes(secret)).toBe(false);
    }
    // The builder's domains sell on its account again.
    const opened = await checkout('slides.localhost', 'slides_20', ada, keys.slides);
    expect(opened.status).toBe(200);
    expect((await stripe.checkout.sessions.retrieve(opened.body.sessionId, {}, { stripeAccount: acme })).id).toBe(opened.body.sessionId);
  });
});
