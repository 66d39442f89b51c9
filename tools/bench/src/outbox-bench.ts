import { outboxTableSql } from '@credit-hub/messaging';
import { NatsConnection, RetentionPolicy, StorageType, Subscription } from 'nats';
import { Pool } from 'pg';
import { runChild, startChild } from './children';
import { benchPool, count, createBenchDatabase, databaseName, dropBenchDatabases, nsSubject, progress, sleep } from './harness';
import { ConsumeBody, LoadResult } from './load-types';
import { consumedEnvelope } from './samples';
import { LatencySummary, summarize, wallClockMs } from './stats';

/**
 * The outbox: how long a committed event waits before JetStream has it (lag), and how fast the
 * relay empties a full outbox (maximum rate).
 */

export interface LagResult {
  targetPerSec: number;
  /** Rows whose lag was measured (seen by the subscriber and found in the outbox). */
  measured: number;
  /** Outbox row's created_at (its INSERT, the transaction's last statement before COMMIT) → a core NATS subscriber on the subject receives the JetStream-published message. */
  toSubscriber: LatencySummary;
  /** created_at → published_at (set by the relay after JetStream acknowledged the batch). */
  toPublishedAt: LatencySummary;
}

export interface SystemLagResult extends LagResult {
  /** The consumes driven at the target rate (open loop, NATS straight to the ledger). */
  load: LoadResult;
  achievedPerSec: number;
}

/** Records when each message (by Nats-Msg-Id) reaches a core subscriber of `subject`. */
function watch(nc: NatsConnection, subject: string): { seen: Map<string, number>; subscription: Subscription } {
  const seen = new Map<string, number>();
  const subscription = nc.subscribe(subject, {
    callback: (_error, message) => {
      const id = message.headers?.get('Nats-Msg-Id');
      if (id) seen.set(id, wallClockMs());
    },
  });
  return { seen, subscription };
}

async function lagsOf(pool: Pool, seen: Map<string, number>): Promise<{ measured: number; toSubscriber: LatencySummary; toPublishedAt: LatencySummary }> {
  const ids = [...seen.keys()];
  const toSubscriber: number[] = [];
  const toPublishedAt: number[] = [];
  for (let from = 0; from < ids.length; from += 10_000) {
    const { rows } = await pool.query<{ message_id: string; created_ms: number; published_ms: number | null }>(
      `SELECT message_id, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, (extract(epoch FROM published_at) * 1000)::float8 AS published_ms
         FROM outbox WHERE message_id = ANY($1::text[])`,
      [ids.slice(from, from + 10_000)],
    );
    for (const row of rows) {
      toSubscriber.push(seen.get(row.message_id)! - row.created_ms);
      if (row.published_ms !== null) toPublishedAt.push(row.published_ms - row.created_ms);
    }
  }
  return { measured: toSubscriber.length, toSubscriber: summarize(toSubscriber), toPublishedAt: summarize(toPublishedAt) };
}

/** Waits until the outbox of `pool` has no unpublished row (at most `maxMs`), then a little more for the last deliveries. */
async function drained(pool: Pool, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline && (await count(pool, 'SELECT count(*) FROM outbox WHERE published_at IS NULL')) > 0) await sleep(50);
  await sleep(300);
}

/**
 * Lag through the whole system: consumes sent to the ledger at `rate` per second (open loop over
 * NATS), each committing an event and its outbox row; the ledger's relay publishes them.
 */
export async function systemOutboxLag(nc: NatsConnection, ledger: Pool, natsUrl: string, namespace: string, rate: number, durationSec: number, body: ConsumeBody): Promise<SystemLagResult> {
  const { seen, subscription } = watch(nc, nsSubject(namespace, 'ledger.events.credits-consumed.v1'));
  await nc.flush();
  try {
    const load = await runChild<LoadResult>({
      mode: 'nats',
      natsUrl,
      subject: nsSubject(namespace, 'ledger.commands.consume-credits.v1'),
      durationSec,
      concurrency: 0,
      ratePerSec: rate,
      maxInFlight: 512,
      body,
    });
    await drained(ledger, 10_000);
    subscription.unsubscribe();
    const lags = await lagsOf(ledger, seen);
    return { targetPerSec: rate, achievedPerSec: load.okPerSec, load, ...lags };
  } finally {
    if (!subscription.isClosed()) subscription.unsubscribe();
  }
}

export interface RelayBenchResult {
  /** Lag of the relay alone: single-row commits into a scratch outbox at the target rate, no ledger work. */
  lag: LagResult & { achievedPerSec: number };
  max: { rows: number; insertMs: number; drainMs: number; perSec: number; publishedByRelay: number; streamMessages: number };
}

/**
 * The relay alone, on a scratch database with the outbox DDL of libs/messaging and its own
 * stream: a standalone `OutboxRelay` in its own process. First the lag at `rate` commits per
 * second (one row per transaction), then `rows` rows inserted in one statement and the time until
 * the last is marked published.
 */
export async function relayBench(nc: NatsConnection, postgresUrl: string, natsUrl: string, runId: string, rate: number, durationSec: number, rows: number): Promise<RelayBenchResult> {
  const database = `bench_${runId.slice(5)}_outbox`;
  const url = await createBenchDatabase(postgresUrl, database);
  const channel = 'bench_outbox';
  const lockKey = 7_340_999;
  const stream = `BENCHOUTBOX_${runId.toUpperCase()}`;
  const subjectPrefix = `${runId}.outbox`;
  const jsm = await nc.jetstreamManager();
  const pool = benchPool(url, 4, 'bench-outbox-writer');
  let relay: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    for (const statement of outboxTableSql(channel)) await pool.query(statement);
    await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: 2 * 60 * 1e9 });
    relay = await startChild({ mode: 'relay', databaseUrl: url, natsUrl, channel, lockKey });
    const lockDeadline = Date.now() + 10_000;
    while ((await count(pool, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, [lockKey])) === 0) {
      if (Date.now() > lockDeadline) throw new Error('the bench relay did not take its advisory lock');
      await sleep(50);
    }

    // Lag at `rate` commits per second.
    const { seen, subscription } = watch(nc, `${subjectPrefix}.lag`);
    await nc.flush();
    const payload = JSON.stringify(consumedEnvelope(0, runId));
    let scheduled = 0;
    let committed = 0;
    const pending = new Set<Promise<void>>();
    const startedAt = performance.now();
    const endAt = startedAt + durationSec * 1000;
    while (performance.now() < endAt) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * rate);
      while (scheduled < due) {
        const id = `${runId}-lag-${scheduled++}`;
        const insert = pool
          .query(`INSERT INTO outbox (message_id, subject, payload) VALUES ($1, $2, $3::jsonb)`, [id, `${subjectPrefix}.lag`, payload])
          .then(() => void committed++)
          .finally(() => pending.delete(insert));
        pending.add(insert);
      }
      await sleep(1);
    }
    const sendingSec = (performance.now() - startedAt) / 1000;
    await Promise.all(pending);
    await drained(pool, 10_000);
    subscription.unsubscribe();
    const lags = await lagsOf(pool, seen);
    const lag = { targetPerSec: rate, achievedPerSec: committed / sendingSec, ...lags };
    progress(`relay alone at ${rate}/s: lag p50 ${lag.toSubscriber.p50} ms, p99 ${lag.toSubscriber.p99} ms`);

    // Maximum rate: `rows` rows in one statement, then the time until the relay has published them all.
    const insertStarted = wallClockMs();
    await pool.query(
      `INSERT INTO outbox (message_id, subject, payload)
       SELECT $1 || g, $2, jsonb_set($3::jsonb, '{eventId}', to_jsonb($1 || g)) FROM generate_series(1, $4) g`,
      [`${runId}-max-`, `${subjectPrefix}.max`, payload, rows],
    );
    const committedAt = wallClockMs();
    const deadline = Date.now() + 300_000;
    while ((await count(pool, 'SELECT count(*) FROM outbox WHERE published_at IS NULL')) > 0) {
      if (Date.now() > deadline) throw new Error('the relay did not publish the outbox within 300 s');
      await sleep(50);
    }
    const last = await pool.query<{ last_ms: number }>(`SELECT (extract(epoch FROM max(published_at)) * 1000)::float8 AS last_ms FROM outbox WHERE subject = $1`, [`${subjectPrefix}.max`]);
    const drainMs = last.rows[0].last_ms - committedAt;
    const stopped = await relay.stop();
    relay = undefined;
    const info = await jsm.streams.info(stream);
    return {
      lag,
      max: {
        rows,
        insertMs: Math.round(committedAt - insertStarted),
        drainMs: Math.round(drainMs),
        perSec: Math.round((rows * 1000) / drainMs),
        publishedByRelay: Number(stopped['published'] ?? Number.NaN),
        streamMessages: info.state.messages,
      },
    };
  } finally {
    await relay?.stop().catch(() => undefined);
    await pool.end();
    await sleep(200); // pool.end() resolves before its connections have closed
    await jsm.streams.delete(stream).catch(() => false);
    await dropBenchDatabases(postgresUrl, [databaseName(url)]);
  }
}
