/**
 * Observability on the real services, started as processes with their logs captured
 * to one file per service (startSystem's `logDir`) at LOG_LEVEL=debug:
 * - the ledger's consume histogram and outcome counter, and the gateway's HTTP status counter,
 *   move by exactly the consumes sent;
 * - one correlation id, sent as `X-Correlation-Id`, is found in the JSON log lines of the gateway,
 *   the ledger (with customer, domain and referenceId on the same line), and feedback-analytics,
 *   which consumes the ledger's events from JetStream (refunds asks the ledger instead);
 * - a Stripe webhook's own correlation id follows from the gateway through billing into the
 *   ledger's billing-events consumer;
 * - a malformed or oversized correlation id is replaced, never logged nor propagated.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDomainKey, eventually, gatewayRequest, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
type LogLine = Record<string, unknown>;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2eobs${suffix}`;
const prefix = `test_e2eobs_${suffix}`;
const domain = 'demo.localhost';
const logDir = mkdtempSync(join(tmpdir(), `credit-hub-obs-${suffix}-`));
let system: System;
let key: string;

/** A request by hand through the harness: the correlation id header it answers is what is checked here. */
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const answer = await gatewayRequest(system, method, path, { apiKey: key, body, headers });
  return { status: answer.status, correlationId: answer.headers.get('x-correlation-id'), body: answer.body };
}

function standin(path: string) {
  return stripeStandin(system).post(path);
}

/** Buys `team_1000` for `email` through checkout and the stand-in's signed webhook. */
async function buy(email: string): Promise<{ checkoutCorrelationId: string; sessionId: string }> {
  const checkout = await api('POST', '/api/billing/checkout', { domain, offeringId: 'team_1000', email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  expect(checkout.status).toBe(200);
  const completed = await standin(`/test/checkout/sessions/${checkout.body.sessionId}/complete`);
  expect(completed.body.delivery.status).toBe(200);
  await eventually('credits after the webhook', async () => (await api('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${domain}`)).body?.balance === 1000);
  return { checkoutCorrelationId: checkout.correlationId!, sessionId: checkout.body.sessionId };
}

function consume(email: string, referenceId: string, deltaCredits: number, headers: Record<string, string> = {}) {
  return api('POST', '/api/portfolio/credits/consume', { email, domain, deltaCredits, actionType: 'ai_generation', referenceId }, headers);
}

/** Every JSON line of a service's log file (non-JSON lines, e.g. a stack trace, are skipped). */
function logLines(service: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of readFileSync(join(logDir, `${service}.log`), 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // a line cut by the writer; the next read sees it whole
    }
  }
  return lines;
}

/** Waits until `service` has logged a JSON line matching `match`; returns the matching lines. */
async function logged(service: string, what: string, match: (line: LogLine) => boolean): Promise<LogLine[]> {
  return eventually(`${service}: ${what}`, async () => {
    const found = logLines(service).filter(match);
    return found.length > 0 ? found : undefined;
  });
}

/** A Prometheus text exposition, as `name{labels}` → value (labels as exposed, in order). */
async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Sum of the samples of `name` whose labels contain every `label="value"` given. */
function sum(samples: Map<string, number>, name: string, labels: Record<string, string | RegExp> = {}): number {
  let total = 0;
  for (const [series, value] of samples) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    const ok = Object.entries(labels).every(([label, want]) => {
      const got = new RegExp(`[{,]${label}="([^"]*)"`).exec(series)?.[1];
      return got !== undefined && (typeof want === 'string' ? got === want : want.test(got));
    });
    if (ok) total += value;
  }
  return total;
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix, logDir, env: { LOG_LEVEL: 'debug' } });
  key = await createDomainKey(system, domain);
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
  if (!process.env['KEEP_E2E_LOGS']) rmSync(logDir, { recursive: true, force: true });
}, 60_000);

describe('metrics on the real services', () => {
  it('counts a paid checkout\'s webhook under its type, and a redelivery as a duplicate, in billing', async () => {
    const billingUrl = `http://127.0.0.1:${system.ports.billing}`;
    const before = await scrape(billingUrl);
    const email = `webhook+${suffix}@example.com`;
    const checkout = await api('POST', '/api/billing/checkout', { domain, offeringId: 'team_1000', email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
    const completed = await standin(`/test/checkout/sessions/${checkout.body.sessionId}/complete`);
    expect(completed.body.delivery.status).toBe(200);
    expect((await standin(`/test/events/${completed.body.event.id}/deliver`)).body.delivery.status).toBe(200);
    const after = await scrape(billingUrl);
    const moved = (outcome: string) =>
      sum(after, 'billing_webhook_events_total', { type: 'checkout.session.completed', outcome }) - sum(before, 'billing_webhook_events_total', { type: 'checkout.session.completed', outcome });
    expect(moved('processed')).toBe(1);
    expect(moved('duplicate')).toBe(1);
  });

  it('moves the ledger consume histogram and outcome counter, and the gateway status counter, by exactly the consumes sent', async () => {
    const email = `metrics+${suffix}@example.com`;
    await buy(email);
    const ledgerUrl = `http://127.0.0.1:${system.ports.ledger}`;
    const consumeRoute = /\/credits\/consume$/;
    const ledgerBefore = await scrape(ledgerUrl);
    const gatewayBefore = await scrape(system.urls.gateway);

    const accepted = 7;
    const refused = 3;
    for (let i = 0; i < accepted; i++) expect((await consume(email, `metrics-ok-${i}`, -10)).status).toBe(200);
    for (let i = 0; i < refused; i++) {
      const reply = await consume(email, `metrics-no-${i}`, -5000);
      expect(reply.status).toBe(402);
      expect(reply.body.code).toBe('insufficient_credits');
    }

    const ledgerAfter = await scrape(ledgerUrl);
    const gatewayAfter = await scrape(system.urls.gateway);
    const moved = (name: string, labels: Record<string, string | RegExp> = {}) => sum(ledgerAfter, name, labels) - sum(ledgerBefore, name, labels);
    expect(moved('ledger_consume_duration_seconds_count')).toBe(accepted + refused);
    expect(moved('ledger_consume_duration_seconds_count', { outcome: 'accepted' })).toBe(accepted);
    expect(moved('ledger_consume_total', { outcome: 'accepted' })).toBe(accepted);
    expect(moved('ledger_consume_total', { outcome: 'insufficient_credits' })).toBe(refused);
    expect(moved('ledger_consume_duration_seconds_sum')).toBeGreaterThan(0);
    const status = (samples: Map<string, number>, code: string) => sum(samples, 'http_requests_total', { method: 'POST', route: consumeRoute, status: code });
    expect(status(gatewayAfter, '200') - status(gatewayBefore, '200')).toBe(accepted);
    expect(status(gatewayAfter, '402') - status(gatewayBefore, '402')).toBe(refused);
  });
});

describe('one correlation id across the services’ logs', () => {
  const email = `trace+${suffix}@example.com`;
  let purchase: { checkoutCorrelationId: string; sessionId: string };

  beforeAll(async () => {
    purchase = await buy(email);
  }, 60_000);

  it('follows a consume from the gateway to the ledger (with customer, domain, referenceId) and to feedback-analytics through JetStream', async () => {
    const id = randomUUID();
    const referenceId = `trace-${suffix}`;
    const reply = await consume(email, referenceId, -3, { 'x-correlation-id': id });
    expect(reply.status).toBe(200);
    expect(reply.correlationId).toBe(id);

    const gateway = await logged('gateway', `a line with ${id}`, (l) => l['correlationId'] === id);
    expect(gateway.some((l) => (l['req'] as { url?: string } | undefined)?.url === '/api/portfolio/credits/consume')).toBe(true);

    const ledger = await logged('ledger', `the consume's line with ${id}`, (l) => l['correlationId'] === id);
    const outcome = ledger.find((l) => l['msg'] === 'consume done');
    expect(outcome).toMatchObject({ correlationId: id, customer: email, domain, referenceId });
    // every ledger line of this command carries the command's fields
    for (const line of ledger) expect(line).toMatchObject({ customer: email, domain, referenceId });

    // the ledger's event reaches the consumers with the id in its JetStream header
    const analytics = await logged('feedback-analytics', `a consumer line with ${id}`, (l) => l['correlationId'] === id);
    expect(analytics.some((l) => String(l['msg']).startsWith('handled '))).toBe(true);
    // and no other service's line carries it: refunds asks the ledger when it needs consumptions
    // and reads no ledger stream, billing has nothing to do with a consume
    expect(logLines('refunds').filter((l) => l['correlationId'] === id)).toEqual([]);
    expect(logLines('billing').filter((l) => l['correlationId'] === id)).toEqual([]);
  });

  it('gives a checkout its own id, found in the gateway and billing and, through JetStream, in feedback-analytics', async () => {
    const id = purchase.checkoutCorrelationId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await logged('gateway', `the checkout request ${id}`, (l) => l['correlationId'] === id);
    await logged('billing', `the checkout command ${id}`, (l) => l['correlationId'] === id);
    await logged('feedback-analytics', `checkout-created handled under ${id}`, (l) => l['correlationId'] === id && String(l['msg']).startsWith('handled '));
  });

  it('follows a Stripe webhook’s own id from the gateway through billing into the ledger’s billing-events consumer', async () => {
    const webhook = (await logged('gateway', 'the webhook request', (l) => (l['req'] as { url?: string } | undefined)?.url === '/webhooks/stripe' && typeof l['correlationId'] === 'string'));
    const ids = [...new Set(webhook.map((l) => l['correlationId'] as string))];
    // the ledger credited this purchase in the context of one of the gateway's webhook requests
    const credited = await logged('ledger', `crediting ${purchase.sessionId}`, (l) => String(l['msg']).includes(purchase.sessionId) && ids.includes(l['correlationId'] as string));
    const id = credited[0]['correlationId'] as string;
    expect(credited[0]).toMatchObject({ customer: email, domain });
    // the consumer's own line about the message carries the event's customer and domain too
    const inLedger = await logged('ledger', `the billing consumer's line for ${id}`, (l) => l['correlationId'] === id && String(l['msg']).startsWith('handled '));
    for (const line of [...inLedger, ...logLines('ledger').filter((l) => l['correlationId'] === id)]) expect(line).toMatchObject({ customer: email, domain });
    await logged('billing', `the webhook command ${id}`, (l) => l['correlationId'] === id);
    expect(logLines('gateway').some((l) => l['correlationId'] === id && (l['req'] as { url?: string } | undefined)?.url === '/webhooks/stripe')).toBe(true);
  });

  it('follows a refund from the portal form through refunds into the ledger (a service-to-service NATS request) and to feedback-analytics', async () => {
    const customer = `refund+${suffix}@example.com`;
    await buy(customer);
    const referenceId = `refund-trace-${suffix}`;
    expect((await consume(customer, referenceId, -4)).status).toBe(200);
    const session = await api('POST', '/api/portal/sessions', { email: customer, domain, returnUrl: `https://${domain}/account` });
    expect(session.status).toBe(200);
    const url: string = session.body.url;
    await eventually('the portal offers the 4 credits back', async () => (await (await fetch(url)).text()).includes('id="refundable-credits">4 credits<'));

    const id = randomUUID();
    const form = new URLSearchParams({
      requestKey: randomUUID(), kind: 'credits', lotId: '', tried: 'Summaries', didNotWork: 'Missed numbers', wouldBringBack: 'Tables', category: 'quality', rating: '3',
    });
    const response = await fetch(`${url}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-correlation-id': id }, body: form.toString() });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-correlation-id')).toBe(id);

    await logged('gateway', `the form post ${id}`, (l) => l['correlationId'] === id);
    await logged('refunds', `the refund request ${id}`, (l) => l['correlationId'] === id && String(l['msg']).startsWith('answered '));
    const ledger = await logged('ledger', `the refund of consumptions under ${id}`, (l) => l['correlationId'] === id && l['msg'] === 'refund consumptions done');
    expect(ledger[0]).toMatchObject({ customer, domain });
    await logged('feedback-analytics', `the refund's events under ${id}`, (l) => l['correlationId'] === id && String(l['msg']).includes('refunds.events.'));
  });

  it('replaces a malformed or oversized correlation id: never logged, never propagated', async () => {
    for (const [n, bad] of [['long', 'a'.repeat(200)], ['chars', 'evil id;<script>'], ['json', '","level":"fatal']] as const) {
      const reply = await consume(email, `trace-bad-${n}-${suffix}`, -1, { 'x-correlation-id': bad });
      expect(reply.status).toBe(200);
      expect(reply.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const fresh = reply.correlationId!;
      await logged('ledger', `the consume under the fresh id ${fresh}`, (l) => l['correlationId'] === fresh && l['referenceId'] === `trace-bad-${n}-${suffix}`);
      await logged('feedback-analytics', `the event under the fresh id ${fresh}`, (l) => l['correlationId'] === fresh);
      for (const service of ['gateway', 'ledger', 'feedback-analytics', 'refunds', 'billing']) {
        expect(readFileSync(join(logDir, `${service}.log`), 'utf8')).not.toContain(bad);
      }
    }
  });
});
