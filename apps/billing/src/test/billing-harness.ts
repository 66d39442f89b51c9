// Test-only: boots the real billing app (real PostgreSQL, real NATS, the Stripe stand-in in-process)
// and talks to it over NATS request/reply like the gateway does. Not imported by production code.
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientProxyFactory, MicroserviceOptions, Transport } from '@nestjs/microservices';
import { getDataSourceToken } from '@nestjs/typeorm';
import { connect, NatsConnection } from 'nats';
import { resolve } from 'node:path';
import { firstValueFrom } from 'rxjs';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { QueueGroups, Reply, Streams } from '@credit-hub/contracts';
import { dropDatabase } from '@credit-hub/service-kit';
import { testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { startStripeStandin, StripeStandin } from '@credit-hub/stripe-standin';
import { BillingModule } from '../billing.module';

/** The demo catalog, by absolute path (jest's working directory is not guaranteed). */
export const demoCatalogFile = resolve(__dirname, '../../../../deploy/catalog/demo.json');

/** The webhook secret the harness configures and signs with. */
export const testWebhookSecret = 'whsec_billing_test_secret';

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
  close(): Promise<void>;
}

/** Starts the stand-in, then billing with a fresh database, serving NATS request/reply. */
export async function startBillingHarness(): Promise<BillingHarness> {
  const standin = await startStripeStandin({ port: 0, webhookSecret: testWebhookSecret });
  const databaseUrl = uniqueDatabaseUrl('billing');
  const saved = { ...process.env };
  Object.assign(process.env, {
    NATS_URL: testNatsUrl,
    BILLING_DATABASE_URL: databaseUrl,
    STRIPE_API_BASE_URL: standin.url,
    STRIPE_WEBHOOK_SECRET: testWebhookSecret,
    CATALOG_FILE: demoCatalogFile,
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
  const stripe = new Stripe('sk_test_harness', { host: '127.0.0.1', port: standin.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  return {
    app,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    client,
    nc,
    standin,
    stripe,
    databaseUrl,
    request: <T>(subject: string, payload: unknown) => firstValueFrom(client.send<Reply<T>>(subject, payload)),
    async close() {
      await client.close();
      await app.close();
      await deleteStream(nc, Streams.billing.name);
      await nc.close();
      await standin.close();
      await dropDatabase(databaseUrl);
      process.env = saved;
    },
  };
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
