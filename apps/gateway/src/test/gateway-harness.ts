import { INestApplication, Logger } from '@nestjs/common';
import { bootService, dropDatabase } from '@credit-hub/service-kit';
import { testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { connect, JSONCodec, Msg, NatsConnection, Subscription } from 'nats';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { openGatewayDatabase } from '../api-keys/api-key-database';
import { createApiKey, SqlRunner, typeOrmSqlRunner } from '../api-keys/api-keys';
import { gatewayHttpBoot } from '../gateway.http';
import { GatewayModule } from '../gateway.module';

/** A gateway started in-process on a free port with its own database. */
export interface RunningGateway {
  app: INestApplication;
  baseUrl: string;
  databaseUrl: string;
  /** Creates a live key for `domain` and returns it in clear. */
  createKey(domain: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

/**
 * Starts the real gateway app (same module and HTTP set-up as main.ts). The environment is set
 * before the module is created, because GatewayConfig is read from process.env at boot.
 */
export async function startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const databaseUrl = uniqueDatabaseUrl('gateway');
  Object.assign(process.env, {
    NATS_URL: testNatsUrl,
    GATEWAY_DATABASE_URL: databaseUrl,
    HTTP_HOST: '127.0.0.1',
    GATEWAY_HTTP_PORT: '0',
    ...env,
  });
  Logger.overrideLogger(['error', 'fatal']);
  const app = await bootService({
    name: 'gateway',
    module: GatewayModule,
    httpHost: '127.0.0.1',
    httpPort: 0,
    ...gatewayHttpBoot,
  });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const sql = typeOrmSqlRunner(app.get(DataSource));
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    databaseUrl,
    async createKey(domain) {
      const created = await createApiKey(sql, { domain, label: 'test' });
      return { id: created.record.id, key: created.key };
    },
    async close() {
      await app.close();
      await dropDatabase(databaseUrl);
    },
  };
}

const codec = JSONCodec();

/** One request a fake service received: the payload Nest's ClientProxy sent as `data`. */
export interface ReceivedRequest {
  subject: string;
  data: unknown;
}

/**
 * A stand-in for a service behind NATS, on the plain `nats` client, speaking Nest's NATS wire
 * format: requests are JSON `{pattern, data, id}`, the reply is `{id, response, isDisposed: true}`
 * (see @nestjs/microservices server-nats.js `getPublisher` and server.js `send`).
 * `answer` returns the reply (a `Reply<T>`), or `undefined` to never answer (a hung service).
 */
export class FakeService {
  readonly received: ReceivedRequest[] = [];
  private subscriptions: Subscription[] = [];

  private constructor(private readonly nc: NatsConnection) {}

  static async connect(): Promise<FakeService> {
    return new FakeService(await connect({ servers: testNatsUrl, name: 'gateway-test-responder' }));
  }

  /** Serves `subject` until `stop`. */
  async serve(subject: string, answer: (data: unknown) => unknown): Promise<void> {
    await this.subscribe(subject, (message) => this.reply(subject, message, answer));
  }

  /** Serves `subject` with Nest's error packet `{id, err, isDisposed}` (a handler that threw). */
  async serveError(subject: string, err: unknown): Promise<void> {
    await this.subscribe(subject, (message) => {
      const packet = codec.decode(message.data) as { data: unknown; id: string };
      this.received.push({ subject, data: packet.data });
      message.respond(codec.encode({ id: packet.id, err, isDisposed: true }));
    });
  }

  private async subscribe(subject: string, handle: (message: Msg) => void): Promise<void> {
    const subscription = this.nc.subscribe(subject, {
      callback: (error, message) => {
        if (!error) handle(message);
      },
    });
    this.subscriptions.push(subscription);
    await this.nc.flush(); // the subscription is known to the server before any request
  }

  private reply(subject: string, message: Msg, answer: (data: unknown) => unknown): void {
    const packet = codec.decode(message.data) as { pattern: string; data: unknown; id: string };
    this.received.push({ subject, data: packet.data });
    const response = answer(packet.data);
    if (response !== undefined) message.respond(codec.encode({ id: packet.id, response, isDisposed: true }));
  }

  /** Stops serving every subject (the subjects then have no responders). */
  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    await this.nc.flush();
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** A started gateway, a FakeService standing in for the services behind NATS, and one live key per domain. */
export interface GatewayEdge {
  gateway: RunningGateway;
  services: FakeService;
  /** The keys in clear, in the order of the domains given to `useGatewayEdge`. */
  keys: string[];
}

/**
 * Registers the spec's hooks for an edge test: before all, a FakeService and a gateway started
 * with `env` (see startGateway) and a key per domain; after each test, the FakeService stops
 * answering and forgets what it received; after all, both are closed and the database dropped.
 * The fields are set in `beforeAll`; read them inside tests and hooks only.
 */
export function useGatewayEdge(env: Record<string, string>, domains: string[]): GatewayEdge {
  const edge = { keys: [] as string[] } as GatewayEdge;
  beforeAll(async () => {
    edge.services = await FakeService.connect();
    edge.gateway = await startGateway(env);
    for (const domain of domains) edge.keys.push((await edge.gateway.createKey(domain)).key);
  });
  afterAll(async () => {
    await edge.gateway?.close();
    await edge.services?.close();
  });
  afterEach(async () => {
    await edge.services.stop();
    edge.services.received.length = 0;
  });
  return edge;
}

/** The gateway's database opened (migrations run) for a spec, with its SQL runner. */
export interface GatewayKeyDatabase {
  readonly databaseUrl: string;
  database: DataSource;
  sql: SqlRunner;
}

/**
 * Registers the spec's hooks: before all, a fresh gateway database (prefix `databasePrefix`)
 * opened and migrated; after all, closed and dropped. Fields are set in `beforeAll`.
 */
export function useGatewayDatabase(databasePrefix: string): GatewayKeyDatabase {
  const handle = { databaseUrl: uniqueDatabaseUrl(databasePrefix) } as GatewayKeyDatabase;
  beforeAll(async () => {
    handle.database = await openGatewayDatabase(handle.databaseUrl);
    handle.sql = typeOrmSqlRunner(handle.database);
  });
  afterAll(async () => {
    await handle.database?.destroy();
    await dropDatabase(handle.databaseUrl);
  });
  return handle;
}
