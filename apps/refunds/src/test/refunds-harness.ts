import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueGroups, Reply } from '@credit-hub/contracts';
import { testNatsUrl } from '@credit-hub/testing';
import { JSONCodec, NatsConnection } from 'nats';
import { RefundsModule } from '../refunds.module';
import { RefundSagaFaults } from '../saga/refund-saga';

const codec = JSONCodec();

/** Starts the refunds service in-process (HTTP health on a free port, NATS queue `refunds`), with an optional fault plan. */
export async function startRefunds(faults?: RefundSagaFaults): Promise<INestApplication> {
  const app = await NestFactory.create(faults ? RefundsModule.withFaults(faults) : RefundsModule, { logger: ['error'] });
  app.connectMicroservice<MicroserviceOptions>({ transport: Transport.NATS, options: { servers: [testNatsUrl], queue: QueueGroups.refunds } });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return app;
}

/** A request in Nest's NATS wire format; returns the service's `Reply`. */
export async function rpc<T>(nc: NatsConnection, subject: string, data: object, timeoutMs = 15_000): Promise<Reply<T>> {
  const message = await nc.request(subject, codec.encode({ pattern: subject, data, id: randomUUID() }), { timeout: timeoutMs });
  const packet = codec.decode(message.data) as { response?: Reply<T>; err?: unknown };
  if (packet.err !== undefined) throw new Error(`remote error: ${JSON.stringify(packet.err)}`);
  return packet.response as Reply<T>;
}

/** The value of an ok reply; fails the test with the refusal otherwise. */
export function valueOf<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`refused: ${JSON.stringify(reply.refusal)}`);
  return reply.value;
}

/** Writes a catalog file with these domains' refund policies; returns its path. */
export function writeCatalog(domains: { domain: string; refundPolicy?: object }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'refunds-catalog-'));
  const path = join(dir, 'catalog.json');
  const file = {
    domains: domains.map((d) => ({
      domain: d.domain,
      displayName: `${d.domain} AI`,
      supportEmail: `support@${d.domain}`,
      checkoutMessage: 'Refunds in exchange for feedback.',
      offerings: [],
      ...(d.refundPolicy ? { refundPolicy: d.refundPolicy } : {}),
    })),
  };
  writeFileSync(path, JSON.stringify(file));
  return path;
}

/** Structured feedback for a request. */
export function feedback(overrides: Record<string, unknown> = {}) {
  return { tried: 'Generated product photos', didNotWork: 'Blurry backgrounds', wouldBringBack: 'Sharper output', category: 'quality', rating: 2, ...overrides };
}
