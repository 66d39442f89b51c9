import { randomUUID } from 'node:crypto';
import { NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { runChild } from './children';
import { benchPool, createBenchDatabase, databaseName, dropBenchDatabases, progress, sleep } from './harness';
import { LoadResult, NatsLoadConfig } from './load-types';
import { LatencySummary, Samples, summarize } from './stats';

/**
 * The floors: what the machine does with the same work minus our code, measured in the same run
 * so every figure of the system compares to them as a ratio.
 */

export interface PgFloorResult {
  connections: number;
  accounts: number;
  durationSec: number;
  transactions: number;
  txPerSec: number;
  latency: LatencySummary;
}

/**
 * (a) The consume transaction in raw SQL on a bench database with minimal tables:
 * BEGIN; SELECT … FOR UPDATE; INSERT event; UPDATE balance; INSERT outbox; COMMIT — one round trip
 * per statement like the ledger, `connections` connections in a closed loop on random accounts.
 */
export async function pgFloor(postgresUrl: string, database: string, connections: number, accounts: number, durationSec: number): Promise<PgFloorResult> {
  const url = await createBenchDatabase(postgresUrl, database);
  const pool = benchPool(url, connections, 'bench-pg-floor');
  try {
    await pool.query(`CREATE TABLE accounts (account_id text PRIMARY KEY, version integer NOT NULL, balance bigint NOT NULL)`);
    await pool.query(`CREATE TABLE events (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE, account_id text NOT NULL,
      version integer NOT NULL, type text NOT NULL, data jsonb NOT NULL, occurred_at timestamptz NOT NULL, UNIQUE (account_id, version))`);
    await pool.query(`CREATE TABLE outbox (
      id bigserial PRIMARY KEY, message_id text NOT NULL, subject text NOT NULL, payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(), published_at timestamptz)`);
    await pool.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
    await pool.query(`INSERT INTO accounts SELECT 'account-floor' || g || '@bench.localhost', 0, 1000000000 FROM generate_series(1, $1) g`, [accounts]);
    await pool.query('VACUUM ANALYZE accounts');
    const latencies = new Samples();
    let transactions = 0;
    let sequence = 0;
    const startedAt = performance.now();
    const endAt = startedAt + durationSec * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          while (performance.now() < endAt) {
            const account = `account-floor${1 + Math.floor(Math.random() * accounts)}@bench.localhost`;
            const eventId = randomUUID();
            const data = JSON.stringify({ email: account.slice(8), domain: 'demo.localhost', credits: 1, actionType: 'bench', referenceId: `floor-${sequence++}` });
            const began = performance.now();
            await client.query('BEGIN');
            const row = await client.query<{ version: number; balance: string }>('SELECT version, balance FROM accounts WHERE account_id = $1 FOR UPDATE', [account]);
            const version = row.rows[0].version + 1;
            await client.query(
              `INSERT INTO events (event_id, account_id, version, type, data, occurred_at) VALUES ($1, $2, $3, 'CreditsConsumed', $4::jsonb, now())`,
              [eventId, account, version, data],
            );
            await client.query('UPDATE accounts SET version = $2, balance = balance - 1 WHERE account_id = $1', [account, version]);
            await client.query(`INSERT INTO outbox (message_id, subject, payload) VALUES ($1, 'bench.floor', $2::jsonb)`, [eventId, data]);
            await client.query('COMMIT');
            latencies.push(performance.now() - began);
            transactions++;
          }
        } finally {
          client.release();
        }
      }),
    );
    const elapsed = (performance.now() - startedAt) / 1000;
    return { connections, accounts, durationSec: elapsed, transactions, txPerSec: transactions / elapsed, latency: summarize(latencies.values()) };
  } finally {
    await pool.end();
    await sleep(200); // pool.end() resolves before its connections have closed
    await dropBenchDatabases(postgresUrl, [databaseName(url)]);
  }
}

/**
 * (b) NATS request/reply against an empty responder in this process (it answers a constant
 * Nest-shaped reply without reading the request), driven by the same load child and payloads as
 * the ledger's NATS consume.
 */
export async function natsFloor(nc: NatsConnection, config: Omit<NatsLoadConfig, 'mode'>): Promise<LoadResult> {
  const reply = Buffer.from(JSON.stringify({ response: { ok: true, value: {} }, isDisposed: true }));
  const subscription = nc.subscribe(config.subject, { callback: (_error, message) => message.respond(reply) });
  await nc.flush();
  try {
    return await runChild<LoadResult>({ mode: 'nats', ...config });
  } finally {
    subscription.unsubscribe();
  }
}

export interface JetStreamFloorResult {
  inFlight: number;
  messageBytes: number;
  durationSec: number;
  published: number;
  perSec: number;
  latency: LatencySummary;
}

/**
 * (d) JetStream publishes of a ledger-event-sized message with a unique `Nats-Msg-Id` each (the
 * relay's publish), `inFlight` outstanding, to a file-storage bench stream deleted afterwards.
 */
export async function jetstreamFloor(nc: NatsConnection, stream: string, subject: string, inFlight: number, durationSec: number, sample: string): Promise<JetStreamFloorResult> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(stream).catch(() => false);
  await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: 2 * 60 * 1e9 });
  const js = nc.jetstream();
  const body = Buffer.from(sample);
  const latencies = new Samples();
  let published = 0;
  let sequence = 0;
  try {
    const startedAt = performance.now();
    const endAt = startedAt + durationSec * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < endAt) {
          const began = performance.now();
          await js.publish(subject, body, { msgID: `floor-${sequence++}`, timeout: 10_000 });
          latencies.push(performance.now() - began);
          published++;
        }
      }),
    );
    const elapsed = (performance.now() - startedAt) / 1000;
    return { inFlight, messageBytes: body.length, durationSec: elapsed, published, perSec: published / elapsed, latency: summarize(latencies.values()) };
  } finally {
    await jsm.streams.delete(stream).catch((error: Error) => progress(`could not delete stream ${stream}: ${error.message}`));
  }
}
