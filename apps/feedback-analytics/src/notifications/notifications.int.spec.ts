import { INestApplication } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  BillingEventSubjects,
  CreatedWebhookEndpoint,
  DisputeOpenedV1,
  EntitlementEventSubjects,
  EntitlementsChangedV1,
  LedgerEventTypeSubjects,
  QueueGroups,
  RefundEventSubjects,
  Reply,
  Streams,
  WebhookDeliveryPage,
  WebhookDeliveryView,
  WebhookEndpointList,
  WebhookEventType,
  WebhookLimits,
  WebhookSubjects,
} from '@credit-hub/contracts';
import { dropDatabase } from '@credit-hub/service-kit';
import { consumedEnvelope, eventually, publishEnvelope, publishRaw, purchasedEnvelope, startService, testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { connect, JetStreamClient, NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { firstValueFrom } from 'rxjs';
import { Webhook } from 'standardwebhooks';
import { FeedbackAnalyticsModule } from '../feedback-analytics.module';

/** One request the receiver got, and whether its signature verified with the endpoint's secret. */
interface Received {
  path: string;
  webhookId: string;
  body: { type: WebhookEventType; timestamp: string; data: Record<string, unknown> };
  verified: boolean;
  status: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 (random port). Per path: `/ok` answers 200, `/flaky` 500 to
 * the first two attempts of each webhook-id then 200, `/down` 500 until `downAnswers` changes.
 * Every request's signature is verified with the `standardwebhooks` library.
 */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  downAnswers = 500;
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const path = request.url ?? '';
        const webhookId = String(request.headers['webhook-id']);
        let verified = false;
        try {
          new Webhook(this.secrets.get(path) ?? 'whsec_AAAA').verify(text, request.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
        const earlier = this.received.filter((r) => r.webhookId === webhookId).length;
        const status = path === '/flaky' ? (earlier < 2 ? 500 : 200) : path === '/down' ? this.downAnswers : 200;
        this.received.push({ path, webhookId, body: JSON.parse(text), verified, status });
        response.writeHead(status).end(status === 200 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  of(type: WebhookEventType): Received[] {
    return this.received.filter((r) => r.body.type === type);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// Real PostgreSQL, NATS and HTTP: the service reads namespaced LEDGER, REFUNDS and BILLING streams.
describe('feedback-analytics: alerts and outgoing webhooks', () => {
  const databaseUrl = uniqueDatabaseUrl('webhooks');
  const catalogDirectory = mkdtempSync(join(tmpdir(), 'catalog-'));
  const domain = 'alerts.example.com';
  const other = 'other.example.com';
  const receiver = new Receiver();
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: Client;
  let client: ClientProxy;
  let app: INestApplication;

  const request = <T>(subject: string, payload: object) => firstValueFrom(client.send<Reply<T>>(subject, payload));
  const ok = async <T>(subject: string, payload: object): Promise<T> => {
    const reply = await request<T>(subject, payload);
    if (!reply.ok) throw new Error(`${subject} refused: ${JSON.stringify(reply.refusal)}`);
    return reply.value;
  };
  const register = async (path: string, eventTypes: WebhookEventType[], on = domain) => {
    const created = await ok<CreatedWebhookEndpoint>(WebhookSubjects.createEndpoint, { domain: on, url: receiver.baseUrl + path, eventTypes });
    receiver.secrets.set(path, created.secret);
    return created;
  };
  const deliveries = (endpointId: string, on = domain, extra: object = {}) =>
    ok<WebhookDeliveryPage>(WebhookSubjects.listDeliveries, { domain: on, endpointId, ...extra });
  const settled = (endpointId: string, count: number) =>
    eventually(`${count} settled deliveries`, async () => {
      const page = await deliveries(endpointId, domain, { limit: 100 });
      return page.items.length === count && page.items.every((d) => d.status !== 'pending') ? page.items : undefined;
    }, 20_000);
  const publishOn = (subject: string, body: object, messageId: string = randomUUID()) => publishRaw(js, subject, body, messageId);

  beforeAll(async () => {
    const catalog = { domains: [{ domain, lowBalanceThreshold: 10 }, { domain: other }] };
    writeFileSync(join(catalogDirectory, 'catalog.json'), JSON.stringify(catalog));
    Object.assign(process.env, {
      NATS_URL: testNatsUrl,
      ANALYTICS_DATABASE_URL: databaseUrl,
      ANALYTICS_HTTP_PORT: '0',
      CATALOG_FILE: join(catalogDirectory, 'catalog.json'),
      WEBHOOK_RETRY_DELAYS_MS: '100,200,400',
      WEBHOOK_RETRY_HORIZON_MS: '3000',
      WEBHOOK_WORKER_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
    nc = await connect({ servers: testNatsUrl });
    js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    for (const stream of [Streams.ledger, Streams.refunds, Streams.billing, Streams.entitlements]) await jsm.streams.delete(stream.name).catch(() => undefined);
    await receiver.start();
    client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [testNatsUrl] } });
    await client.connect();
    app = await startService(FeedbackAnalyticsModule, testNatsUrl, QueueGroups.analytics);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await app?.close();
    await client?.close();
    await db?.end();
    await receiver.stop();
    const jsm = await nc.jetstreamManager();
    for (const stream of [Streams.ledger, Streams.refunds, Streams.billing, Streams.entitlements]) await jsm.streams.delete(stream.name).catch(() => undefined);
    await nc?.drain();
    await dropDatabase(databaseUrl);
    rmSync(catalogDirectory, { recursive: true, force: true });
    for (const name of ['CATALOG_FILE', 'WEBHOOK_RETRY_DELAYS_MS', 'WEBHOOK_RETRY_HORIZON_MS', 'WEBHOOK_WORKER_POLL_MS', 'WEBHOOK_TIMEOUT_MS']) delete process.env[name];
  });

  const hook = 'https://example.com/hook';
  it.each([
    ['an ftp URL', 'url', { url: 'ftp://example.com/hook', eventTypes: ['credits.purchased'] }],
    ['credentials in the URL', 'url', { url: 'https://user:pw@example.com/hook', eventTypes: ['credits.purchased'] }],
    ['no URL at all', 'url', { url: 'not a url', eventTypes: ['credits.purchased'] }],
    ['no event type', 'eventTypes', { url: hook, eventTypes: [] }],
    ['an unknown event type', 'eventTypes', { url: hook, eventTypes: ['credits.stolen'] }],
    ['a repeated event type', 'eventTypes', { url: hook, eventTypes: ['credits.purchased', 'credits.purchased'] }],
    ['a 501-character description', 'description', { url: hook, eventTypes: ['credits.purchased'], description: 'x'.repeat(501) }],
    ['a secret of its own', 'secret', { url: hook, eventTypes: ['credits.purchased'], secret: 'mine' }],
  ])('refuses an endpoint with %s, naming %s', async (_, field, body) => {
    expect(await request(WebhookSubjects.createEndpoint, { domain, ...body })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field } });
  });

  it('keeps endpoints to their domain: another domain lists, deletes, reads and replays nothing of them', async () => {
    const endpoint = await register('/ok', ['credits.purchased']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const mine = await ok<WebhookEndpointList>(WebhookSubjects.listEndpoints, { domain });
    expect(mine.items).toEqual([{ id: endpoint.id, url: endpoint.url, eventTypes: ['credits.purchased'], description: null, createdAt: endpoint.createdAt }]);
    expect(JSON.stringify(mine)).not.toContain('whsec_');
    expect(await ok<WebhookEndpointList>(WebhookSubjects.listEndpoints, { domain: other })).toEqual({ items: [] });
    const notFound = { ok: false, refusal: { code: 'not_found' } };
    expect(await request(WebhookSubjects.listDeliveries, { domain: other, endpointId: endpoint.id })).toMatchObject(notFound);
    expect(await request(WebhookSubjects.deleteEndpoint, { domain: other, endpointId: endpoint.id })).toMatchObject(notFound);

    await publishEnvelope(js, purchasedEnvelope({ domain, credits: 100 }));
    const [delivery] = await settled(endpoint.id, 1);
    expect(await request(WebhookSubjects.replayDelivery, { domain: other, deliveryId: delivery.id })).toMatchObject(notFound);
    expect(await request(WebhookSubjects.replayDelivery, { domain, deliveryId: randomUUID() })).toMatchObject(notFound);
    expect(await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id })).toEqual({ id: endpoint.id, cancelledDeliveries: 0 });
    expect(await request(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id })).toMatchObject(notFound);
  });

  it('alerts once per crossing of the threshold, retries a failing endpoint with the same webhook-id, and logs every attempt', async () => {
    const endpoint = await register('/flaky', ['credits.low_balance', 'credits.purchased']);
    const email = `ada+${randomUUID()}@example.com`;
    const crossing = consumedEnvelope({ email, domain, credits: 6, balanceAfter: 9 }); // 15 → 9: crossing 1
    await publishEnvelope(js, crossing);
    await publishEnvelope(js, consumedEnvelope({ email, domain, credits: 2, balanceAfter: 7 })); // 9 → 7: already below
    await publishEnvelope(js, crossing, `${crossing.eventId}:again`); // the same event republished: the inbox drops it
    await publishEnvelope(js, purchasedEnvelope({ email, domain, credits: 100 })); // top-up to 107: re-armed
    await publishEnvelope(js, consumedEnvelope({ email, domain, credits: 97, balanceAfter: 10 })); // 107 → 10: not below
    const second = consumedEnvelope({ email, domain, credits: 1, balanceAfter: 9 }); // 10 → 9: crossing 2
    await publishEnvelope(js, second);
    await publishEnvelope(js, consumedEnvelope({ email, domain: other, credits: 50, balanceAfter: 0 })); // no threshold there

    const items = await settled(endpoint.id, 3);
    expect(items.map((d) => [d.eventType, d.status, d.attemptCount])).toEqual([
      ['credits.low_balance', 'succeeded', 3],
      ['credits.purchased', 'succeeded', 3],
      ['credits.low_balance', 'succeeded', 3],
    ]);
    const alerts = receiver.of('credits.low_balance').filter((r) => r.status === 200);
    expect(alerts.map((r) => r.body.data)).toEqual([
      { eventId: crossing.eventId, email, domain, threshold: 10, balanceBefore: 15, balanceAfter: 9, cause: 'CreditsConsumed' },
      { eventId: second.eventId, email, domain, threshold: 10, balanceBefore: 10, balanceAfter: 9, cause: 'CreditsConsumed' },
    ]);
    expect(alerts[0].body.timestamp).toBe('2025-03-01T12:00:00.000Z');
    for (const delivery of items) {
      const requests = receiver.received.filter((r) => r.webhookId === delivery.id);
      expect(requests.map((r) => r.status)).toEqual([500, 500, 200]); // one webhook-id across the retries
      expect(requests.every((r) => r.verified)).toBe(true);
      expect(delivery.attempts.map((a) => [a.attempt, a.trigger, a.outcome, a.responseStatus])).toEqual([
        [1, 'scheduled', 'failed', 500],
        [2, 'scheduled', 'failed', 500],
        [3, 'scheduled', 'succeeded', 200],
      ]);
      const [first, retry, last] = delivery.attempts;
      expect(first.error).toBe('HTTP 500: nope');
      expect(Date.parse(first.nextRetryAt!) - Date.parse(first.startedAt)).toBeGreaterThanOrEqual(100);
      expect(Date.parse(retry.nextRetryAt!) - Date.parse(retry.startedAt)).toBeGreaterThanOrEqual(200);
      expect(last).toMatchObject({ error: null, nextRetryAt: null });
      expect(last.durationMs).toBeGreaterThanOrEqual(0);
    }
    await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
  });

  it('alerts the domain that sold or granted the lot when an expiry, refund or claw-back crosses', async () => {
    const endpoint = await register('/ok', ['credits.low_balance']);
    const lotId = randomUUID();
    const envelope = (type: string, data: object) => ({
      eventId: randomUUID(), type, schemaVersion: 1, streamId: 'account-grace@example.com', version: 1, position: 1,
      occurredAt: '2025-03-02T00:00:00.000Z', data, metadata: {},
    });
    await publishOn(LedgerEventTypeSubjects.CreditsGranted, envelope('CreditsGranted', { lotId, grantId: 'g1', email: 'grace@example.com', domain, credits: 20, reason: 'promo', source: 'manual', priority: 0, scopeDomain: null, expiresAt: '2025-03-02T00:00:00.000Z', subscriptionId: null, grantedAt: '2025-03-01T00:00:00.000Z' }));
    const expired = envelope('CreditsExpired', { lotId, credits: 20, balanceAfter: 5, expiredAt: '2025-03-02T00:00:00.000Z' });
    await publishOn(LedgerEventTypeSubjects.CreditsExpired, expired);
    const clawed = envelope('CreditsClawedBack', { lotId: randomUUID(), disputeId: 'dp_1', credits: 3, owedCredits: 2, balanceAfter: 0, clawedBackAt: '2025-03-02T00:00:00.000Z' });
    await publishOn(LedgerEventTypeSubjects.CreditsClawedBack, clawed); // a lot never seen: no domain, no alert
    const [delivery] = await settled(endpoint.id, 1);
    expect(delivery.eventId).toBe(expired.eventId);
    expect(receiver.received.find((r) => r.webhookId === delivery.id)?.body.data).toMatchObject({
      email: 'grace@example.com', domain, balanceBefore: 25, balanceAfter: 5, cause: 'CreditsExpired',
    });
    await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
  });

  it('sends the refund events and the billing events that arrive on their streams', async () => {
    const endpoint = await register('/ok', ['refund.requested', 'refund.completed', 'dispute.opened', 'payment.failed', 'subscription.trial_will_end']);
    const request = { id: randomUUID(), email: 'ada@example.com', domain, kind: 'credits', status: 'requested' };
    const refundEvent = (type: string) => ({ eventId: `${request.id}:${type}`, type, schemaVersion: 1, occurredAt: '2025-03-03T10:00:00.000Z', request });
    await publishOn(RefundEventSubjects.refundRequested, refundEvent('RefundRequested'));
    await publishOn(RefundEventSubjects.refundHeld, refundEvent('RefundHeld')); // not a webhook
    await publishOn(RefundEventSubjects.refundCompleted, refundEvent('RefundCompleted'));
    const dispute: DisputeOpenedV1 = {
      disputeId: 'dp_1', chargeId: 'ch_1', paymentIntentId: 'pi_1', email: 'ada@example.com', domain,
      amountMinor: 500, currency: 'usd', reason: 'fraudulent', at: '2025-03-04T00:00:00.000Z',
    };
    await publishOn(BillingEventSubjects.disputeOpened, dispute, 'evt_dispute_1'); // billing's msgID: the Stripe event id
    await publishOn(BillingEventSubjects.paymentFailed, { invoiceId: 'in_1', email: 'ada@example.com', domain: other, amountMinor: 900, currency: 'usd', at: '2025-03-04T00:00:00Z' }, 'evt_pf_1'); // another domain's
    await publishOn(BillingEventSubjects.trialWillEnd, { subscriptionId: 'sub_1', email: 'ada@example.com', domain, trialEnd: '2025-03-07T00:00:00Z', at: '2025-03-04T00:00:00Z' }, 'evt_tw_1');
    await publishOn(BillingEventSubjects.disputeClosed, { ...dispute, outcome: 'won' }, 'evt_dc_1'); // not a webhook

    const items = await settled(endpoint.id, 4);
    // Three streams, three consumers: no order between them.
    expect(items.map((d) => `${d.eventType} ${d.eventId}`).sort()).toEqual([
      'dispute.opened evt_dispute_1',
      `refund.completed ${request.id}:RefundCompleted`,
      `refund.requested ${request.id}:RefundRequested`,
      'subscription.trial_will_end evt_tw_1',
    ]);
    const bodies = items.map((d) => receiver.received.find((r) => r.webhookId === d.id)!.body);
    expect(bodies.find((b) => b.type === 'refund.completed')).toEqual({
      type: 'refund.completed', timestamp: '2025-03-03T10:00:00.000Z', data: { eventId: `${request.id}:RefundCompleted`, refund: request },
    });
    expect(bodies.find((b) => b.type === 'dispute.opened')).toEqual({ type: 'dispute.opened', timestamp: '2025-03-04T00:00:00.000Z', data: { eventId: 'evt_dispute_1', ...dispute } });
    expect(bodies.find((b) => b.type === 'subscription.trial_will_end')?.timestamp).toBe('2025-03-04T00:00:00.000Z');
    await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
  });

  it('sends entitlements.changed from stream ENTITLEMENTS to the endpoints of its domain, once per change', async () => {
    const endpoint = await register('/ok', ['entitlements.changed']);
    const changed: EntitlementsChangedV1 = {
      email: 'bob@example.com', domain, version: 2, tier: 'free', status: 'canceled', offeringId: null, paymentPastDue: false,
      previous: { tier: 'plan', status: 'trialing', offeringId: 'builder_monthly', paymentPastDue: false }, caps: { workspaces: 1 },
      subscriptionId: 'sub_ent_1', at: '2025-03-15T00:00:00.000Z',
    };
    const id = `entitlements:${domain}:bob@example.com:2`;
    await publishOn(EntitlementEventSubjects.changed, changed, id);
    await publishOn(EntitlementEventSubjects.changed, { ...changed, domain: other }, `entitlements:${other}:bob@example.com:2`); // another domain's
    const [delivery] = await settled(endpoint.id, 1);
    expect(delivery).toMatchObject({ eventType: 'entitlements.changed', eventId: id });
    expect(receiver.received.find((r) => r.webhookId === delivery.id)?.body).toEqual({ type: 'entitlements.changed', timestamp: '2025-03-15T00:00:00.000Z', data: { eventId: id, ...changed } });
    await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
  });

  it('marks a delivery failed when the horizon passes, and a replay sends it again with the same webhook-id', async () => {
    const endpoint = await register('/down', ['credits.purchased']);
    await publishEnvelope(js, purchasedEnvelope({ domain, credits: 5 }));
    const [failed] = await settled(endpoint.id, 1);
    expect(failed.status).toBe('failed');
    // 0, 0.1, 0.3, 0.7, 1.1, … s: every 400 ms until 3 s after creation
    expect(failed.attemptCount).toBeGreaterThanOrEqual(6);
    expect(failed.attemptCount).toBeLessThanOrEqual(10);
    expect(failed.attempts.every((a) => a.outcome === 'failed' && a.responseStatus === 500)).toBe(true);
    expect(failed.attempts.at(-1)!.nextRetryAt).toBeNull();
    expect(failed.attempts.slice(0, -1).every((a) => a.nextRetryAt !== null)).toBe(true);

    receiver.downAnswers = 200;
    const replayed = await ok<WebhookDeliveryView>(WebhookSubjects.replayDelivery, { domain, deliveryId: failed.id });
    expect(replayed).toMatchObject({ id: failed.id, status: 'pending', completedAt: null });
    const [done] = await settled(endpoint.id, 1);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.at(-1)).toMatchObject({ attempt: failed.attemptCount + 1, trigger: 'replay', outcome: 'succeeded', responseStatus: 200 });
    const sent = receiver.received.filter((r) => r.webhookId === failed.id);
    expect(sent).toHaveLength(failed.attemptCount + 1);
    expect(sent.at(-1)).toMatchObject({ status: 200, verified: true });

    // A succeeded delivery can be replayed too (the builder lost it): one more request, same id.
    await ok(WebhookSubjects.replayDelivery, { domain, deliveryId: failed.id });
    await eventually('the second replay', async () => receiver.received.filter((r) => r.webhookId === failed.id).length === failed.attemptCount + 2);
    receiver.downAnswers = 500;
    await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
  });

  it('cancels pending deliveries of a deleted endpoint and sends it nothing more', async () => {
    const endpoint = await register('/down', ['credits.purchased']);
    await publishEnvelope(js, purchasedEnvelope({ domain, credits: 7 }));
    await eventually('a first attempt', async () => (await deliveries(endpoint.id)).items[0]?.attemptCount >= 1);
    const deleted = await ok<{ cancelledDeliveries: number }>(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
    expect(deleted.cancelledDeliveries).toBe(1);
    const { rows } = await db.query('SELECT status, next_attempt_at FROM webhook_deliveries WHERE endpoint_id = $1', [endpoint.id]);
    expect(rows).toEqual([{ status: 'cancelled', next_attempt_at: null }]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // an attempt in flight at the deletion lands
    const before = receiver.received.length;
    await publishEnvelope(js, purchasedEnvelope({ domain, credits: 8 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.length).toBe(before);
    expect(await request(WebhookSubjects.listDeliveries, { domain, endpointId: endpoint.id })).toMatchObject({ ok: false, refusal: { code: 'not_found' } });
  });

  it('pages deliveries newest first', async () => {
    const endpoint = await register('/ok', ['credits.purchased']);
    for (let i = 0; i < 3; i++) await publishEnvelope(js, purchasedEnvelope({ domain, credits: 10 + i }));
    await settled(endpoint.id, 3);
    const first = await deliveries(endpoint.id, domain, { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toMatch(/^\d+_[0-9a-f-]{36}$/);
    const second = await deliveries(endpoint.id, domain, { limit: 2, cursor: first.nextCursor });
    expect(second).toMatchObject({ nextCursor: null });
    const credits = [...first.items, ...second.items].map((d) => receiver.received.find((r) => r.webhookId === d.id)!.body.data['credits']);
    expect(credits).toEqual([12, 11, 10]);
    expect(await request(WebhookSubjects.listDeliveries, { domain, endpointId: endpoint.id, cursor: 'abc' })).toMatchObject({ ok: false, refusal: { field: 'cursor' } });
    await ok(WebhookSubjects.deleteEndpoint, { domain, endpointId: endpoint.id });
  });

  it(`allows at most ${WebhookLimits.endpointsPerDomainMax} live endpoints per domain`, async () => {
    const created = await Promise.all(
      Array.from({ length: WebhookLimits.endpointsPerDomainMax + 2 }, (_, i) =>
        request<CreatedWebhookEndpoint>(WebhookSubjects.createEndpoint, { domain: 'many.example.com', url: `https://example.com/${i}`, eventTypes: ['payment.failed'] }),
      ),
    );
    expect(created.filter((r) => r.ok)).toHaveLength(WebhookLimits.endpointsPerDomainMax);
    expect(created.filter((r) => !r.ok)).toHaveLength(2);
  });
});
