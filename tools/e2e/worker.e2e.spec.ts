/**
 * The `riskfreetrial` Worker in real workerd (through Miniflare) against the real system started
 * as processes: a builder's Worker bound to it as the seed says
 * (`"services": [{ "binding": "PORTFOLIO_BILLING_SERVICE", "service": "riskfreetrial" }]`) runs the
 * seed's two snippets verbatim, and the checkout URL and the consumption come back from the hub.
 * A second copy of the Worker points at a scripted gateway to show its retries.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { connect } from 'nats';
import { Client } from 'pg';
import { createDomainKey, eventually, repoRoot as root, startSystem, StartedSystem, stopAndCleanUp } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2eworker${suffix}`;
const prefix = `test_e2e_worker_${suffix}`;
const wrangler = JSON.parse(readFileSync(join(root, 'apps', 'riskfreetrial', 'wrangler.json'), 'utf8'));
let system: System;
let mf: Miniflare;
let flaky: Server;
let flakyRequests: { url: string; body: string }[] = [];
let flakyScript: number[] = [];

/**
 * The builder's Worker. The two `await env.PORTFOLIO_BILLING_SERVICE…` statements are the seed's
 * snippets verbatim (domain "yourproduct.com", offering "starter_3"); the routes around them are
 * the builder's product. Errors are answered with what crossed the RPC boundary.
 */
const builderWorker = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const user = { email: url.searchParams.get('email') };
    try {
      if (url.pathname === '/buy') {
        const checkout = await env.PORTFOLIO_BILLING_SERVICE.createCheckout({
domain: "yourproduct.com",
offeringId: "starter_3",
email: user.email,
successUrl: "https://yourproduct.com/success",
cancelUrl: "https://yourproduct.com/pricing"
})
        return Response.json(checkout);
      }
      if (url.pathname === '/generate') {
        const result = await env.PORTFOLIO_BILLING_SERVICE.consumeCredits({
email: user.email,
domain: "yourproduct.com",
deltaCredits: -1,
actionType: "ai_generation",
referenceId: "gen_abc123"
})
        return Response.json(result);
      }
      if (url.pathname === '/spend') {
        const referenceId = url.searchParams.get('ref');
        return Response.json(await env.PORTFOLIO_BILLING_SERVICE.consumeCredits({ email: user.email, domain: 'yourproduct.com', deltaCredits: -1, actionType: 'ai_generation', referenceId }));
      }
      if (url.pathname === '/balance') return Response.json(await env.PORTFOLIO_BILLING_SERVICE.getBalance({ email: user.email, domain: 'yourproduct.com' }));
      if (url.pathname === '/history') return Response.json(await env.PORTFOLIO_BILLING_SERVICE.getHistory({ email: user.email, limit: 1 }));
      if (url.pathname === '/entitlements') return Response.json(await env.PORTFOLIO_BILLING_SERVICE.getEntitlements({ email: user.email }));
      if (url.pathname === '/can') return Response.json(await env.PORTFOLIO_BILLING_SERVICE.checkEntitlement({ email: user.email, domain: 'yourproduct.com', feature: url.searchParams.get('feature') }));
      if (url.pathname === '/flaky') {
        return Response.json(await env.FLAKY.consumeCredits({ email: 'flaky@example.com', domain: 'yourproduct.com', deltaCredits: -1, actionType: 'ai_generation', referenceId: 'gen_flaky' }));
      }
      return new Response('not found', { status: 404 });
    } catch (error) {
      const crossed = { name: error.name, message: error.message, code: error.code, status: error.status, detail: error.detail, field: error.field, retryable: error.retryable, correlationId: error.correlationId };
      return Response.json({ error: crossed }, { status: 599 });
    }
  },
};
`;

async function builder(path: string): Promise<{ status: number; body: any }> {
  const response = await mf.dispatchFetch(`http://builder.example${path}`);
  return { status: response.status, body: await response.json() };
}

/** What the binding needs from the hub: the seed's domain in the catalog (an operator adds it), and its key. */
async function addSeedDomain(): Promise<string> {
  const db = new Client({ connectionString: system.databases.billing });
  await db.connect();
  try {
    await db.query(`INSERT INTO domains (domain, display_name, support_email, checkout_message) VALUES ('yourproduct.com', 'Your Product', 'support@yourproduct.com', 'Refunds in exchange for feedback.')`);
    await db.query(`INSERT INTO offerings (domain, offering_id, kind, credits, amount_minor, currency, scope_domain, active) VALUES ('yourproduct.com', 'starter_3', 'pack', 3, 500, 'usd', NULL, true)`);
  } finally {
    await db.end();
  }
  return createDomainKey(system, 'yourproduct.com');
}

/** A gateway stand-in answering `flakyScript` statuses in turn (then 200), recording every request. */
async function startFlakyGateway(): Promise<string> {
  flaky = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      flakyRequests.push({ url: request.url ?? '', body });
      const status = flakyScript.shift() ?? 200;
      const answer = status === 200 ? { balance: 9, eventId: 'e-flaky', repeated: false } : { code: status === 503 ? 'service_unavailable' : 'reservation_closed', detail: 'scripted', status };
      response.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json', ...(status === 503 ? { 'retry-after': '0' } : {}) });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
}

/** The Worker as its build target makes it (`nx build riskfreetrial`): its ES module and the SDK's, which it wraps. */
function buildWorker(): { path: string; contents: string }[] {
  const { buildWorker: build } = require(join(root, 'apps', 'riskfreetrial', 'bundle.cjs'));
  return build();
}

function riskfreetrial(name: string, modules: { path: string; contents: string }[], gatewayUrl: string, apiKey: string) {
  return {
    name,
    modules: modules.map((module) => ({ type: 'ESModule' as const, path: module.path, contents: module.contents })),
    compatibilityDate: wrangler.compatibility_date,
    compatibilityFlags: wrangler.compatibility_flags ?? [],
    bindings: { GATEWAY_URL: gatewayUrl, PORTFOLIO_BILLING_API_KEY: apiKey },
  };
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  const key = await addSeedDomain();
  const flakyUrl = await startFlakyGateway();
  const modules = buildWorker();
  expect(modules[0].path).toBe('index.js');
  expect(modules[0].contents).toMatch(/^import \{ WorkerEntrypoint \} from 'cloudflare:workers';$/m);
  // The Worker wraps the SDK (its client, retries and errors) instead of re-implementing them.
  expect(modules[0].contents).toMatch(/^import \{ CreditHubClient, CreditHubError \} from '\.\/sdk\/index\.js';$/m);
  expect(modules[0].contents).not.toMatch(/\bfetch\(url/);
  expect(modules.map((module) => module.path)).toEqual(expect.arrayContaining(['sdk/index.js', 'sdk/client.js', 'sdk/errors.js', 'sdk/retry.js']));
  mf = new Miniflare({
    workers: [
      {
        name: 'builder',
        modules: true,
        script: builderWorker,
        compatibilityDate: wrangler.compatibility_date,
        serviceBindings: { PORTFOLIO_BILLING_SERVICE: { name: 'riskfreetrial' }, FLAKY: { name: 'riskfreetrial-flaky' } },
      },
      riskfreetrial('riskfreetrial', modules, system.urls.gateway, key),
      riskfreetrial('riskfreetrial-flaky', modules, flakyUrl, 'chk_dom_flaky'),
    ],
  });
  await mf.ready;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  if (flaky) {
    flaky.closeAllConnections();
    await new Promise((resolve) => flaky.close(resolve));
  }
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('the seed integration through the riskfreetrial service binding', () => {
  const email = `ada+${suffix}@example.com`;

  it('createCheckout answers the hosted checkout URL of the hub', async () => {
    const checkout = await builder(`/buy?email=${encodeURIComponent(email)}`);
    expect(checkout.status).toBe(200);
    expect(checkout.body.checkoutUrl).toBe(`${system.urls.standin}/checkout/${checkout.body.sessionId}`);
    expect(checkout.body.sessionId).toMatch(/^cs_test_/);

    const paid = await fetch(`${system.urls.standin}/test/checkout/sessions/${checkout.body.sessionId}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(paid.status).toBe(200);
    await eventually('the 3 credits on the balance', async () => (await builder(`/balance?email=${encodeURIComponent(email)}`)).body.balance === 3, 20_000);
  });

  it('consumeCredits spends one credit; the same call again is repeated, not spent twice', async () => {
    const first = await builder(`/generate?email=${encodeURIComponent(email)}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ balance: 2, repeated: false, eventId: expect.any(String) });
    const again = await builder(`/generate?email=${encodeURIComponent(email)}`);
    expect(again.body).toEqual({ ...first.body, repeated: true });
    const history = await builder(`/history?email=${encodeURIComponent(email)}`);
    expect(history.body.items[0]).toMatchObject({ type: 'CreditsConsumed', referenceId: 'gen_abc123', creditsDelta: -1, balanceAfter: 2 });
  });

  it('getEntitlements and checkEntitlement: the free tier of a domain without caps, with the spendable credits', async () => {
    const now = await builder(`/entitlements?email=${encodeURIComponent(email)}`);
    expect(now.body).toMatchObject({ email, domain: 'yourproduct.com', tier: 'free', status: 'none', caps: {}, changesAt: null, credits: { spendable: 2 } });
    const can = await builder(`/can?email=${encodeURIComponent(email)}&feature=workspaces`);
    expect(can.body).toEqual({ allowed: false, code: 'feature_not_in_plan', limit: null, remaining: null, overLimitBy: 0, tier: 'free', status: 'none', offeringId: null });
    const bad = await builder(`/can?email=${encodeURIComponent(email)}&feature=Not%20A%20Cap`);
    expect(bad).toMatchObject({ status: 599, body: { error: { name: 'ValidationError', code: 'validation_failed', field: 'feature' } } });
  });

  it("a refusal crosses the binding with the SDK's error name and the API code", async () => {
    const nobody = encodeURIComponent(`nobody+${suffix}@example.com`);
    const broke = await builder(`/spend?email=${nobody}&ref=gen_nobody_1`);
    expect(broke.status).toBe(599);
    expect(broke.body.error).toMatchObject({ name: 'InsufficientCreditsError', code: 'insufficient_credits', status: 402, retryable: false });
    expect(broke.body.error.message).toMatch(/^insufficient_credits \(402\): /);
    // The SDK's error crosses with the request's correlation id (the gateway's X-Correlation-Id).
    expect(broke.body.error.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    // The seed's snippet has a constant referenceId: for another customer it is already taken on the domain.
    const taken = await builder(`/generate?email=${nobody}`);
    expect(taken.body.error).toMatchObject({ name: 'ReferenceConflictError', code: 'reference_conflict', status: 409 });
    const invalid = await builder('/generate?email=not-an-email');
    expect(invalid.body.error).toMatchObject({ name: 'ValidationError', code: 'validation_failed', status: 400, field: 'email' });
  });

  it('retries a gateway answering 503 twice with the very same request, then answers', async () => {
    flakyScript = [503, 503];
    flakyRequests = [];
    const result = await builder('/flaky');
    expect(result.body).toEqual({ balance: 9, eventId: 'e-flaky', repeated: false });
    expect(flakyRequests).toHaveLength(3);
    expect(new Set(flakyRequests.map((r) => `${r.url} ${r.body}`)).size).toBe(1);
    expect(flakyRequests[0].url).toBe('/api/portfolio/credits/consume');
  });

  it('never retries a 4xx', async () => {
    flakyScript = [409];
    flakyRequests = [];
    const result = await builder('/flaky');
    expect(result.body.error).toMatchObject({ name: 'ConflictError', code: 'reservation_closed', status: 409 });
    expect(flakyRequests).toHaveLength(1);
  });
});
