import { randomUUID } from 'node:crypto';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import {
  CreditsConsumedV1,
  CreditsPurchasedV1,
  LedgerEventEnvelope,
  LedgerEventSchemaVersions,
  LedgerEventSubjects,
  accountStreamId,
} from '@credit-hub/contracts';
import { JetStreamClient } from 'nats';

/**
 * Test helpers: ledger event envelopes as the ledger publishes them, and a service started the way
 * `bootService` does (HTTP plus the NATS request/reply server) but without process signal hooks.
 */

let position = 0;

/** A `CreditsConsumed` envelope; `data` fields default to a 1-credit `chat` consumption. */
export function consumedEnvelope(data: Partial<CreditsConsumedV1> = {}): LedgerEventEnvelope {
  const full: CreditsConsumedV1 = {
    email: 'ada@example.com',
    domain: 'app.example.com',
    credits: 1,
    actionType: 'chat',
    referenceId: randomUUID(),
    draws: [{ lotId: randomUUID(), credits: data.credits ?? 1 }],
    balanceAfter: 100,
    consumedAt: '2025-03-01T12:00:00.000Z',
    ...data,
  };
  return envelope('CreditsConsumed', full, full.email, full.consumedAt);
}

/** A `CreditsPurchased` envelope; defaults to 100 credits for 1000 minor units of usd. */
export function purchasedEnvelope(data: Partial<CreditsPurchasedV1> = {}): LedgerEventEnvelope {
  const full: CreditsPurchasedV1 = {
    lotId: randomUUID(),
    email: 'ada@example.com',
    domain: 'app.example.com',
    offeringId: 'starter_100',
    credits: 100,
    amountMinor: 1000,
    currency: 'usd',
    stripeEventId: `evt_${randomUUID()}`,
    checkoutSessionId: `cs_${randomUUID()}`,
    paymentIntentId: null,
    scopeDomain: null,
    expiresAt: null,
    purchasedAt: '2025-03-01T12:00:00.000Z',
    ...data,
  };
  return envelope('CreditsPurchased', full, full.email, full.purchasedAt);
}

function envelope(type: 'CreditsConsumed' | 'CreditsPurchased', data: object, email: string, at: string): LedgerEventEnvelope {
  position += 1;
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: LedgerEventSchemaVersions[type],
    streamId: accountStreamId(email),
    version: position,
    position,
    occurredAt: at,
    data,
    metadata: {},
  } as LedgerEventEnvelope;
}

/** Publishes an envelope on its subject; `msgID` defaults to the event id, as the ledger's relay does. */
export async function publishEnvelope(js: JetStreamClient, event: LedgerEventEnvelope, msgID = event.eventId): Promise<void> {
  const subject = event.type === 'CreditsConsumed' ? LedgerEventSubjects.creditsConsumed : LedgerEventSubjects.creditsPurchased;
  await js.publish(subject, Buffer.from(JSON.stringify(event)), { msgID });
}

/** Publishes a raw body (an event of another type, or garbage) on a LEDGER subject. */
export async function publishRaw(js: JetStreamClient, subject: string, body: unknown, msgID: string): Promise<void> {
  await js.publish(subject, Buffer.from(JSON.stringify(body)), { msgID });
}

/** Starts a service module with HTTP on a free port and the NATS request/reply server in `queue`. */
export async function startService(module: Type<unknown>, natsUrl: string, queue: string): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: ['error', 'warn'] });
  app.connectMicroservice<MicroserviceOptions>({ transport: Transport.NATS, options: { servers: [natsUrl], queue } });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return app;
}
