/**
 * Alerts and outgoing webhooks end to end, on the real services started as processes (compiled by
 * `npm test`'s build step) with their own databases and NATS namespace, and a real HTTP receiver
 * on 127.0.0.1 that verifies every request with the `standardwebhooks` library:
 * register endpoints through the gateway → checkout and consumptions through the gateway → ledger
 * events on JetStream → feedback-analytics writes deliveries → its worker sends, retries, logs.
 * Short retry delays come from the environment every service gets (`startSystem({ env })`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { CreditHubClient } from '@credit-hub/sdk';
import { createDomainKey, eventually, gatewayRequest, hubClient, lastStatus, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2ewh${suffix}`;
const prefix = `test_e2ewh_${suffix}`;
let system: System;
let demoKey: string;
let notesKey: string;
let demo: CreditHubClient;
let notes: CreditHubClient;

/** One request the receiver got, with the status it answered. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  status: number;
}

/** The builder's server: `/flaky` answers 500 to the first two attempts of each webhook-id, then 200; others 200. */
const received: Received[] = [];
let receiver: Server;
let receiverUrl: string;

function startReceiver(): Promise<void> {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '';
      const earlier = received.filter((r) => r.headers['webhook-id'] === request.headers['webhook-id']).length;
      const status = path === '/flaky' && earlier < 2 ? 500 : 200;
      received.push({ path, headers: request.headers, raw, body: JSON.parse(raw), status });
      response.writeHead(status).end();
    });
  });
  return new Promise((resolve) =>
    receiver.listen(0, '127.0.0.1', () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

async function buy(email: string, offeringId: string): Promise<void> {
  const checkout = await demo.createCheckout({
    domain: 'demo.localhost', offeringId, email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel',
  });
  expect(lastStatus(demo)).toBe(200);
  const completed = await stripeStandin(system).completeCheckout(checkout.sessionId);
  expect(completed.status).toBe(200);
}

async function consume(email: string, credits: number, referenceId: string): Promise<number> {
  const reply = await demo.consumeCredits({ email, domain: 'demo.localhost', deltaCredits: -credits, actionType: 'ai_generation', referenceId });
  expect(lastStatus(demo)).toBe(200);
  return reply.balance;
}

async function balance(email: string): Promise<number> {
  return (await demo.getBalance({ email, domain: 'demo.localhost' })).balance;
}

beforeAll(async () => {
  await startReceiver();
  system = await startSystem({
    ports: 'random',
    namespace,
    databasePrefix: prefix,
    env: { WEBHOOK_RETRY_DELAYS_MS: '200,400,800', WEBHOOK_RETRY_HORIZON_MS: '20000', WEBHOOK_WORKER_POLL_MS: '100' },
  });
  demoKey = await createDomainKey(system, 'demo.localhost');
  notesKey = await createDomainKey(system, 'notes.localhost');
  demo = hubClient(system, demoKey);
  notes = hubClient(system, notesKey);
}, 120_000);

afterAll(async () => {
  await system?.stop(); // before the receiver closes, so no delivery is left failing
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('alerts and outgoing webhooks, end to end over HTTP', () => {
  const email = `ada+${suffix}@example.com`;
  let endpoint: { id: string; url: string; secret: string };
  let notesEndpointId: string;

  it('registers an endpoint per domain, showing its secret once', async () => {
    const created = await demo.createWebhookEndpoint({
      url: `${receiverUrl}/flaky`, eventTypes: ['credits.low_balance', 'credits.purchased'], description: 'alerts',
    });
    expect(lastStatus(demo)).toBe(201);
    expect(created).toMatchObject({ url: `${receiverUrl}/flaky`, eventTypes: ['credits.low_balance', 'credits.purchased'], description: 'alerts' });
    expect(created.secret).toMatch(/^whsec_/);
    endpoint = created;
    const notesEndpoint = await notes.createWebhookEndpoint({ url: `${receiverUrl}/notes`, eventTypes: ['credits.low_balance', 'credits.purchased'] });
    expect(lastStatus(notes)).toBe(201);
    notesEndpointId = notesEndpoint.id;

    const listed = await demo.listWebhookEndpoints();
    expect(lastStatus(demo)).toBe(200);
    expect(listed).toMatchObject({ items: [{ id: endpoint.id, url: endpoint.url }] });
    expect(listed.items).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });

  it('refuses bad endpoints with a named field, and requests without a key', async () => {
    // The content type of the refusal is part of the check: sent by hand.
    const ftp = await gatewayRequest(system, 'POST', '/api/webhooks/endpoints', { apiKey: demoKey, body: { url: 'ftp://example.com/hook', eventTypes: ['credits.purchased'] } });
    expect(ftp).toMatchObject({ status: 400, body: { code: 'validation_failed', field: 'url' } });
    expect(ftp.type).toContain('application/problem+json');
    await expect(demo.createWebhookEndpoint({ url: `${receiverUrl}/x`, eventTypes: ['credits.stolen' as never] })).rejects.toMatchObject({ status: 400, code: 'validation_failed', field: 'eventTypes' });
    // No key at all: the SDK always sends one, so this one goes by hand.
    expect(await gatewayRequest(system, 'GET', '/api/webhooks/endpoints', { apiKey: null })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    await expect(demo.listWebhookEndpoints({ domain: 'notes.localhost' })).rejects.toMatchObject({ status: 403, code: 'forbidden_domain' });
  });

  it('alerts once per crossing of the low-balance threshold (10 on demo.localhost) and sends the purchases', async () => {
    await buy(email, 'pro_100');
    await eventually('the purchase credited', async () => (await balance(email)) === 100);
    expect(await consume(email, 85, `wh-${suffix}-1`)).toBe(15);
    expect(await consume(email, 6, `wh-${suffix}-2`)).toBe(9); // 15 → 9: crossing 1
    expect(await consume(email, 2, `wh-${suffix}-3`)).toBe(7); // 9 → 7: still below, no alert
    await buy(email, 'pro_100'); // top-up to 107: re-armed
    await eventually('the top-up credited', async () => (await balance(email)) === 107);
    expect(await consume(email, 100, `wh-${suffix}-4`)).toBe(7); // 107 → 7: crossing 2

    const deliveries = await eventually('four deliveries succeeded', async () => {
      const page = await demo.listWebhookDeliveries({ id: endpoint.id, limit: 50 });
      return page.items.length === 4 && page.items.every((d) => d.status === 'succeeded') ? page.items : undefined;
    }, 30_000);
    const types = deliveries.map((d) => d.eventType).sort();
    expect(types).toEqual(['credits.low_balance', 'credits.low_balance', 'credits.purchased', 'credits.purchased']);
    const alerts = received.filter((r) => r.body.type === 'credits.low_balance' && r.status === 200).map((r) => r.body.data);
    expect(alerts).toEqual([
      expect.objectContaining({ email, domain: 'demo.localhost', threshold: 10, balanceBefore: 15, balanceAfter: 9, cause: 'CreditsConsumed' }),
      expect.objectContaining({ email, domain: 'demo.localhost', threshold: 10, balanceBefore: 107, balanceAfter: 7, cause: 'CreditsConsumed' }),
    ]);
    // Another domain's endpoint heard nothing of demo.localhost's customers.
    expect(received.filter((r) => r.path === '/notes')).toHaveLength(0);
  }, 60_000);

  it('retried each delivery with the same webhook-id and a valid signature, and logged every attempt', async () => {
    const page = await demo.listWebhookDeliveries({ id: endpoint.id });
    for (const delivery of page.items) {
      const requests = received.filter((r) => r.headers['webhook-id'] === delivery.id);
      expect(requests.map((r) => r.status)).toEqual([500, 500, 200]);
      for (const request of requests) {
        expect(new Webhook(endpoint.secret).verify(request.raw, request.headers as Record<string, string>)).toEqual(request.body);
      }
      expect(delivery.attempts.map((a) => [a.responseStatus, a.outcome])).toEqual([
        [500, 'failed'],
        [500, 'failed'],
        [200, 'succeeded'],
      ]);
      expect(delivery.attempts[0]).toMatchObject({ attempt: 1, trigger: 'scheduled', error: 'HTTP 500' });
      expect(Date.parse(delivery.attempts[0].nextRetryAt!) - Date.parse(delivery.attempts[0].startedAt)).toBeGreaterThanOrEqual(200);
      expect(Date.parse(delivery.attempts[1].nextRetryAt!) - Date.parse(delivery.attempts[1].startedAt)).toBeGreaterThanOrEqual(400);
      expect(delivery.attempts[2]).toMatchObject({ error: null, nextRetryAt: null });
      expect(typeof delivery.attempts[2].durationMs).toBe('number');
    }
    const sample = received.find((r) => r.status === 200)!;
    const headers = sample.headers as Record<string, string>;
    const wrongSecret = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(wrongSecret).verify(sample.raw, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(endpoint.secret).verify(sample.raw.replace('"domain":"demo.localhost"', '"domain":"evil.localhost"'), headers)).toThrow(WebhookVerificationError);
  });

  it("keeps a domain's endpoints and deliveries from another domain's key (404, as if absent)", async () => {
    const page = await demo.listWebhookDeliveries({ id: endpoint.id });
    const deliveryId = page.items[0].id;
    expect(await notes.listWebhookEndpoints()).toMatchObject({ items: [{ id: notesEndpointId }] });
    expect(lastStatus(notes)).toBe(200);
    await expect(notes.listWebhookDeliveries({ id: endpoint.id })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(notes.replayWebhookDelivery({ id: deliveryId })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(notes.deleteWebhookEndpoint({ id: endpoint.id })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await demo.listWebhookDeliveries({ id: endpoint.id });
    expect(lastStatus(demo)).toBe(200);
  });

  it('replays a delivery by hand: sent again with the same webhook-id, logged as a replay', async () => {
    const page = await demo.listWebhookDeliveries({ id: endpoint.id });
    const delivery = page.items.find((d) => d.eventType === 'credits.low_balance')!;
    const before = received.filter((r) => r.headers['webhook-id'] === delivery.id).length;
    const replayed = await demo.replayWebhookDelivery({ id: delivery.id });
    expect(lastStatus(demo)).toBe(202);
    expect(replayed).toMatchObject({ id: delivery.id, status: 'pending' });
    const done = await eventually('the replay sent', async () => {
      const again = await demo.listWebhookDeliveries({ id: endpoint.id });
      const found = again.items.find((d) => d.id === delivery.id)!;
      return found.status === 'succeeded' && found.attempts.length === 4 ? found : undefined;
    });
    expect(done.attempts[3]).toMatchObject({ attempt: 4, trigger: 'replay', outcome: 'succeeded', responseStatus: 200 });
    const requests = received.filter((r) => r.headers['webhook-id'] === delivery.id);
    expect(requests).toHaveLength(before + 1);
    expect(new Webhook(endpoint.secret).verify(requests.at(-1)!.raw, requests.at(-1)!.headers as Record<string, string>)).toEqual(requests[0].body);
  });

  it('deletes an endpoint: gone from the list, sent nothing more', async () => {
    expect(await demo.deleteWebhookEndpoint({ id: endpoint.id })).toMatchObject({ id: endpoint.id, cancelledDeliveries: 0 });
    expect(lastStatus(demo)).toBe(200);
    expect(await demo.listWebhookEndpoints()).toMatchObject({ items: [] });
    expect(lastStatus(demo)).toBe(200);
    const before = received.length;
    await buy(email, 'starter_3');
    await eventually('the purchase credited', async () => (await balance(email)) === 10);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(received.length).toBe(before);
  });

  it('sends refund.requested and refund.completed when a customer takes a credit refund in the portal', async () => {
    const created = await demo.createWebhookEndpoint({ url: `${receiverUrl}/refunds`, eventTypes: ['refund.requested', 'refund.completed'] });
    expect(lastStatus(demo)).toBe(201);
    const cleo = `cleo+${suffix}@example.com`;
    await buy(cleo, 'starter_3');
    await eventually('the purchase credited', async () => (await balance(cleo)) === 3);
    await consume(cleo, 2, `wh-${suffix}-cleo`);
    const session = await demo.createPortalSession({ email: cleo, domain: 'demo.localhost', returnUrl: 'https://demo.localhost/account' });
    expect(lastStatus(demo)).toBe(200);
    const portal: string = session.url;
    await eventually('the consumption reached the refunds service', async () => (await (await fetch(portal)).text()).includes('id="refundable-credits">2 credits'));
    const form = new URLSearchParams({
      requestKey: `wh-${suffix}`, kind: 'credits', lotId: '', tried: 'Summaries', didNotWork: 'Missed numbers', wouldBringBack: 'Tables', category: 'quality', rating: '3',
    });
    const refund = await fetch(`${portal}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(refund.status).toBe(200);

    const items = await eventually('both refund deliveries succeeded', async () => {
      const page = await demo.listWebhookDeliveries({ id: created.id });
      return page.items.length === 2 && page.items.every((d) => d.status === 'succeeded') ? page.items : undefined;
    }, 30_000);
    expect(items.map((d) => d.eventType).sort()).toEqual(['refund.completed', 'refund.requested']);
    const completed = received.find((r) => r.path === '/refunds' && r.body.type === 'refund.completed')!;
    expect(new Webhook(created.secret).verify(completed.raw, completed.headers as Record<string, string>)).toEqual(completed.body);
    expect(completed.body.data['refund']).toMatchObject({ email: cleo, domain: 'demo.localhost', kind: 'credits', status: 'completed', creditsRefunded: 2 });
  }, 60_000);
});
