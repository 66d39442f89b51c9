// Test-only: boots the real billing app (real PostgreSQL, real NATS, the Stripe stand-in in-process)
// and talks to it over NATS request/reply like the gateway does. Not imported by production code.
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientProxyFactory, MicroserviceOptions, Transport } from '@nestjs/microservices';
import { getDataSourceToken } from '@nestjs/typeorm';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { firstValueFrom } from 'rxjs';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { BillingConnectSubjects, BillingSubjects, HandleStripeWebhookResult, HistoryItem, HistoryPage, LedgerSubjects, QueueGroups, Reply, Streams } from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { dropDatabase } from '@credit-hub/service-kit';
import { testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { startStripeStandin, StripeStandin } from '@credit-hub/stripe-standin';
import { BillingModule } from '../billing.module';

/** The demo catalog, by absolute path (jest's working directory is not guaranteed). */
export const demoCatalogFile = resolve(__dirname, '../../../../deploy/catalog/demo.json');

/** The webhook secret the harness configures and signs with. */
export const testWebhookSecret = `whsec_${randomBytes(24).toString('hex')}`;

/** The Connect endpoint's secret the harness configures and the stand-in signs Connect events with. */
export const testConnectWebhookSecret = `whsec_${randomBytes(24).toString('hex')}`;

/** A running billing app with its collaborators. */
export interface BillingHarness {
  app: INestApplication;
  dataSource: DataSource;
  /** A NATS client like the gateway's (request/reply). */
  client: ClientProxy;
  /** A plain NATS connection for JetStream assertions. */
  nc: NatsConnection;
  standin: StripeStandin;
  /** An SDK client pointed at the stand-in (test helpers, signing). */
  stripe: Stripe;
  databaseUrl: string;
  /** Sends a request to billing and awaits its reply. */
  request<T>(subject: string, payload: unknown): Promise<Reply<T>>;
  /** Webhook deliveries the stand-in made to the harness' receiver (forwarded to billing like the gateway does). */
  deliveries: { eventId: string; type: string; outcome: string }[];
  /** Connect deliveries the stand-in made (events of connected accounts), forwarded to billing's Connect subject. */
  connectDeliveries: { eventId: string; type: string; account: string | undefined; outcome: string }[];
  /** The fake ledger's history per email (answers `LedgerSubjects.getHistory`, 2 items a page). */
  ledgerHistory: Map<string, HistoryItem[]>;
  close(): Promise<void>;
}

/**
 * Starts the stand-in (its webhooks go to a receiver here that forwards them to billing over NATS,
 * as the gateway does), a fake ledger answering history queries, then billing with a fresh
 * database, serving NATS request/reply. `env` overrides billing's settings.
 */
export async function startBillingHarness(env: Record<string, string> = {}): Promise<BillingHarness> {
  const deliveries: BillingHarness['deliveries'] = [];
  let forward: (raw: Buffer, signature: string) => Promise<{ status: number; body: string }> = async () => ({ status: 503, body: 'starting' });
  const receiver = await startReceiver((raw, signature) => forward(raw, signature));
  const connectDeliveries: BillingHarness['connectDeliveries'] = [];
  let forwardConnect: (raw: Buffer, signature: string) => Promise<{ status: number; body: string }> = async () => ({ status: 503, body: 'starting' });
  const connectReceiver = await startReceiver((raw, signature) => forwardConnect(raw, signature));
  const standin = await startStripeStandin({
    port: 0, webhookSecret: testWebhookSecret, webhookUrl: receiver.url,
    connectWebhookUrl: `${connectReceiver.url}/connect`, connectWebhookSecret: testConnectWebhookSecret,
  });
  const databaseUrl = uniqueDatabaseUrl('billing');
  const saved = { ...process.env };
  Object.assign(process.env, {
    NATS_URL: testNatsUrl,
    BILLING_DATABASE_URL: databaseUrl,
    STRIPE_API_BASE_URL: standin.url,
    STRIPE_WEBHOOK_SECRET: testWebhookSecret,
    STRIPE_CONNECT_WEBHOOK_SECRET: testConnectWebhookSecret,
    CATALOG_FILE: demoCatalogFile,
    BILLING_SCHEDULER_INTERVAL_MS: '200',
    BILLING_RECONCILE_SETTLE_MS: '1000',
    ...env,
  });
  const app = await NestFactory.create(BillingModule, { logger: ['error', 'warn'] });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.NATS,
    options: { servers: [testNatsUrl], queue: QueueGroups.billing, name: 'billing-test-rpc' },
  });
  await app.startAllMicroservices();
  await app.init();
  const client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [testNatsUrl], name: 'billing-test-client' } });
  await client.connect();
  const nc = await connect({ servers: testNatsUrl, name: 'billing-test-assertions' });
  await ensureStreams(nc, [Streams.ledger]);
  const ledgerHistory = new Map<string, HistoryItem[]>();
  const fakeLedger = serveHistory(nc, ledgerHistory);
  const stripe = new Stripe('sk_test_harness', { host: '127.0.0.1', port: standin.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  const request = <T>(subject: string, payload: unknown) => firstValueFrom(client.send<Reply<T>>(subject, payload));
  forward = async (raw, signature) => {
    const reply = await request<HandleStripeWebhookResult>(BillingSubjects.handleStripeWebhook, { payloadBase64: raw.toString('base64'), signature });
    const event = JSON.parse(raw.toString('utf8')) as { id: string; type: string };
    deliveries.push({ eventId: event.id, type: event.type, outcome: reply.ok ? reply.value.outcome : reply.refusal.code });
    return { status: reply.ok ? 200 : reply.refusal.code === 'stripe_unavailable' ? 502 : 400, body: JSON.stringify(reply) };
  };
  forwardConnect = async (raw, signature) => {
    const reply = await request<HandleStripeWebhookResult>(BillingConnectSubjects.handleConnectWebhook, { payloadBase64: raw.toString('base64'), signature });
    const event = JSON.parse(raw.toString('utf8')) as { id: string; type: string; account?: string };
    connectDeliveries.push({ eventId: event.id, type: event.type, account: event.account, outcome: reply.ok ? reply.value.outcome : reply.refusal.code });
    return { status: reply.ok ? 200 : reply.refusal.code === 'stripe_unavailable' ? 502 : 400, body: JSON.stringify(reply) };
  };
  return {
    app,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    client,
    nc,
    standin,
    stripe,
    databaseUrl,
    request,
    deliveries,
    connectDeliveries,
    ledgerHistory,
    async close() {
      // The stand-in rejects here when it produced something outside Stripe's schema: clean up first, then fail.
      const standinClosed = await standin.close().then(() => null, (error: unknown) => error);
      await new Promise((done) => receiver.server.close(done));
      await new Promise((done) => connectReceiver.server.close(done));
      fakeLedger.unsubscribe();
      await client.close();
      await app.close();
      await deleteStream(nc, Streams.billing.name);
      await deleteStream(nc, Streams.ledger.name);
      await nc.close();
      await dropDatabase(databaseUrl);
      process.env = saved;
      if (standinClosed) throw standinClosed;
    },
  };
}

/** An HTTP endpoint for the stand-in's webhooks: raw body and signature go to `handle`. */
async function startReceiver(handle: (raw: Buffer, signature: string) => Promise<{ status: number; body: string }>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      handle(Buffer.concat(chunks), String(request.headers['stripe-signature'] ?? '')).then(
        ({ status, body }) => response.writeHead(status, { 'content-type': 'application/json' }).end(body),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe` };
}

/**
 * A stand-in for the ledger's history query, speaking Nest's NATS request/reply format
 * (`{ pattern, data, id }` in, `{ id, response, isDisposed }` out); pages of 2 so paging is exercised.
 */
function serveHistory(nc: NatsConnection, histories: Map<string, HistoryItem[]>): Subscription {
  const codec = JSONCodec<{ id: string; data: { email: string; cursor?: string } }>();
  const subscription = nc.subscribe(LedgerSubjects.getHistory, { queue: QueueGroups.ledger });
  void (async () => {
    for await (const message of subscription) {
      const { id, data } = codec.decode(message.data);
      const items = histories.get(data.email) ?? [];
      const start = data.cursor ? Number(data.cursor.slice(1)) : 0;
      const page: HistoryPage = { email: data.email, items: items.slice(start, start + 2), nextCursor: start + 2 < items.length ? `v${start + 2}` : null };
      message.respond(JSONCodec().encode({ id, response: { ok: true, value: page }, isDisposed: true }));
    }
  })();
  return subscription;
}

async function deleteStream(nc: NatsConnection, name: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(name).catch(() => false);
}

/** Asks the stand-in to complete a session as if the customer paid; returns the event, undelivered. */
export async function completeInStandin(standin: StripeStandin, sessionId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${standin.url}/test/checkout/sessions/${sessionId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deliver: false }),
  });
  if (response.status !== 200) throw new Error(`stand-in completion answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { event: Record<string, unknown> }).event;
}

/** A `HandleStripeWebhookCommand` for `payload` signed with `secret` at `timestamp` (unix s, default now). */
export function signedWebhook(stripe: Stripe, payload: string, secret = testWebhookSecret, timestamp?: number) {
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
  return { payloadBase64: Buffer.from(payload, 'utf8').toString('base64'), signature };
}
