import { INestApplication } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { Reply, Streams } from '@credit-hub/contracts';
import { bootService, dropDatabase } from '@credit-hub/service-kit';
import { testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { firstValueFrom } from 'rxjs';
import { LedgerModule } from '../ledger.module';
import { replayLedger } from '../replay/replay';

/** What a ledger integration spec asks for: the service's name in logs, its database's prefix, extra environment. */
export interface LedgerHarnessOptions {
  /** The service name bootService logs under. */
  name: string;
  /** Prefix of the spec's own database (uniqueDatabaseUrl). */
  databasePrefix: string;
  /** Environment set before boot (LedgerConfig reads process.env) and removed after teardown. */
  env?: Record<string, string>;
}

/**
 * A ledger started in-process on real PostgreSQL and NATS, with a NATS request client, a plain
 * NATS connection (JetStream publishes) and a PostgreSQL client on the ledger's database.
 * The fields are set in `beforeAll`; read them inside tests and hooks only.
 */
export interface LedgerHarness {
  readonly databaseUrl: string;
  app: INestApplication;
  client: ClientProxy;
  nc: NatsConnection;
  db: Client;
  /** A request over NATS as the gateway sends it; the ledger's `Reply<T>`. */
  send<T = any>(subject: string, payload: unknown): Promise<Reply<T>>;
  /** `send`, and the value of an accepted reply; throws with the refusal's code and detail otherwise. */
  ok<T = any>(subject: string, payload: unknown): Promise<T>;
  /** Publishes `body` as JSON to JetStream under `msgID` (JetStream's de-duplication id). */
  publish(subject: string, body: unknown, msgID: string): Promise<void>;
  /** A dry-run replay; fails the test unless every projection row equals the fold of the events. */
  expectReplayClean(): Promise<void>;
}

const streams = [Streams.ledger.name, Streams.billing.name];

async function deleteStreams(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
}

/**
 * Registers the spec's `beforeAll`/`afterAll`: a fresh database, the ledger and billing streams
 * deleted before boot and after teardown, the ledger booted with `bootService` (queue `ledger`,
 * HTTP on a free port), and the clients. Teardown closes all and drops the database.
 */
export function useLedgerHarness(options: LedgerHarnessOptions): LedgerHarness {
  const databaseUrl = uniqueDatabaseUrl(options.databasePrefix);
  const env: Record<string, string> = { LEDGER_DATABASE_URL: databaseUrl, LEDGER_HTTP_PORT: '0', NATS_URL: testNatsUrl, ...options.env };
  const harness = {
    databaseUrl,
    async send<T>(subject: string, payload: unknown): Promise<Reply<T>> {
      return firstValueFrom(harness.client.send<Reply<T>>(subject, payload));
    },
    async ok<T>(subject: string, payload: unknown): Promise<T> {
      const reply = await harness.send<T>(subject, payload);
      if (!reply.ok) throw new Error(`${subject} refused: ${reply.refusal.code} ${reply.refusal.detail}`);
      return reply.value;
    },
    async publish(subject: string, body: unknown, msgID: string): Promise<void> {
      await harness.nc.jetstream().publish(subject, Buffer.from(JSON.stringify(body)), { msgID });
    },
    async expectReplayClean(): Promise<void> {
      const report = await replayLedger(harness.db, { dryRun: true });
      expect(report.violations).toEqual([]);
      expect(report.differences).toEqual([]);
    },
  } as LedgerHarness;

  beforeAll(async () => {
    Object.assign(process.env, env);
    harness.nc = await connect({ servers: testNatsUrl });
    await deleteStreams(harness.nc);
    harness.app = await bootService({ name: options.name, module: LedgerModule, httpHost: '127.0.0.1', httpPort: 0, nats: { servers: testNatsUrl, queue: 'ledger' } });
    harness.client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [testNatsUrl] } });
    await harness.client.connect();
    harness.db = new Client({ connectionString: databaseUrl });
    await harness.db.connect();
  });

  afterAll(async () => {
    await harness.client?.close();
    await harness.app?.close();
    if (harness.nc) {
      await deleteStreams(harness.nc);
      await harness.nc.close();
    }
    await harness.db?.end();
    await dropDatabase(databaseUrl);
    for (const name of Object.keys(options.env ?? {})) delete process.env[name];
  });

  return harness;
}
