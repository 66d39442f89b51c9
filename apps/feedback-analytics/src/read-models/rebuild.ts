import { StreamDefinition, Streams } from '@credit-hub/contracts';
import { DeliverPolicy, JetStreamManager, NatsConnection } from 'nats';
import { Client } from 'pg';
import { readModelDurables } from './read-model.consumers';
import { billingEventId, ledgerEventId, projectBilling, projectLedger, projectRefund, refundEventId } from './read-model.projection';
import { readModelTables, readModelTablesSql } from './read-model-tables';

/**
 * `npm run replay:analytics`: rebuilds the read models from streams LEDGER, BILLING and REFUNDS,
 * from each stream's first sequence to its last sequence at start, into the shadow schema
 * `analytics_rebuild`; snapshots the live tables into `analytics_snapshot` once the live durables
 * have acknowledged those same last sequences; compares the two; and, when equal (or with
 * `replace`), replaces the live tables with the rebuilt rows (under a table lock, only if no new
 * message arrived meanwhile). The live inbox is left alone: the live durables go on from where
 * they are, and every event up to the rebuild's end is already in the rebuilt rows.
 */

export const rebuildSchema = 'analytics_rebuild';
export const snapshotSchema = 'analytics_snapshot';

export interface RebuildOptions {
  /** Compare (and replace) only this domain's rows. */
  domain?: string;
  /** Rebuild only from messages stored at or before this time (ISO-8601): a point-in-time view; no compare, no replace. */
  until?: string;
  /** Replace the live rows with the rebuilt ones even when they differ. */
  replace?: boolean;
  /** Rebuild and compare only. */
  dryRun?: boolean;
  /** Longest wait for the live durables to catch up, ms. */
  catchUpTimeoutMs?: number;
  onProgress?: (stream: string, done: number, total: number) => void;
}

export interface RebuildReport {
  messages: Record<string, number>;
  skippedMalformed: number;
  elapsedMs: number;
  messagesPerSecond: number;
  compared: boolean;
  differences: { table: string; onlyLive: number; onlyRebuilt: number }[];
  replaced: boolean;
}

const sources: { stream: StreamDefinition; durable: string }[] = [
  { stream: Streams.ledger, durable: readModelDurables.ledger },
  { stream: Streams.billing, durable: readModelDurables.billing },
  { stream: Streams.refunds, durable: readModelDurables.refunds },
];

export async function rebuildReadModels(db: Client, nc: NatsConnection, options: RebuildOptions = {}): Promise<RebuildReport> {
  const started = Date.now();
  const jsm = await nc.jetstreamManager();
  const pointInTime = options.until !== undefined;
  const untilNanos = pointInTime ? BigInt(Date.parse(options.until as string)) * 1_000_000n : null;

  // 1. The last sequences at start, and the live tables once the live durables have reached them.
  let lastSeqs = await lastSequences(jsm);
  if (!pointInTime) {
    for (let attempt = 1; ; attempt++) {
      await waitForLive(jsm, lastSeqs, options.catchUpTimeoutMs ?? 60_000);
      await copyTables(db, 'public', snapshotSchema);
      const after = await lastSequences(jsm);
      if (sameSequences(after, lastSeqs)) break;
      if (attempt === 5) throw new Error('the streams keep moving; run the rebuild when traffic is quiet');
      lastSeqs = after;
    }
  }

  // 2. The rebuild, into the shadow schema.
  await db.query(`DROP SCHEMA IF EXISTS ${rebuildSchema} CASCADE`);
  await db.query(`CREATE SCHEMA ${rebuildSchema}`);
  await db.query(`SET search_path TO ${rebuildSchema}`);
  for (const statement of readModelTablesSql()) await db.query(statement.replace(/CREATE INDEX (\w+)/, `CREATE INDEX rebuild_$1`));
  const messages: Record<string, number> = {};
  let skippedMalformed = 0;
  try {
    for (const { stream } of sources) {
      const last = lastSeqs.get(stream.name) ?? 0;
      messages[stream.name] = 0;
      if (last === 0) continue;
      const seen = new Set<string>();
      const consumer = await nc.jetstream().consumers.get(stream.name, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
      const iterator = await consumer.consume({ max_messages: 500 });
      await db.query('BEGIN');
      let inTransaction = 0;
      for await (const message of iterator) {
        if (untilNanos !== null && BigInt(message.info.timestampNanos) > untilNanos) break;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.from(message.data).toString('utf8'));
        } catch {
          body = undefined; // the live consumer terminates non-JSON messages
        }
        if (body !== undefined) {
          await db.query('SAVEPOINT message');
          try {
            const messageId = message.headers?.get('Nats-Msg-Id') || `${message.info.stream}:${message.info.streamSequence}`;
            const eventId = stream === Streams.ledger ? ledgerEventId(body) : stream === Streams.billing ? billingEventId(body, messageId) : refundEventId(body);
            if (!seen.has(eventId)) {
              seen.add(eventId);
              if (stream === Streams.ledger) await projectLedger(db, body);
              else if (stream === Streams.billing) await projectBilling(db, message.subject, body);
              else await projectRefund(db, body);
            }
            await db.query('RELEASE SAVEPOINT message');
          } catch {
            await db.query('ROLLBACK TO SAVEPOINT message'); // the live consumer gives up on it too (poison)
            skippedMalformed++;
          }
        }
        messages[stream.name]++;
        if (++inTransaction >= 500) {
          await db.query('COMMIT');
          await db.query('BEGIN');
          inTransaction = 0;
        }
        options.onProgress?.(stream.name, message.info.streamSequence, last);
        if (message.info.streamSequence >= last) break;
      }
      await db.query('COMMIT');
      iterator.stop();
    }
  } finally {
    await db.query('SET search_path TO public');
  }
  const elapsedMs = Date.now() - started;
  const total = Object.values(messages).reduce((a, b) => a + b, 0);
  const report: RebuildReport = {
    messages,
    skippedMalformed,
    elapsedMs,
    messagesPerSecond: elapsedMs === 0 ? total : Math.round((total * 1000) / elapsedMs),
    compared: !pointInTime,
    differences: [],
    replaced: false,
  };
  if (pointInTime) return report;

  // 3. Compare the rebuild with the live snapshot.
  report.differences = await compare(db, options.domain);

  // 4. Replace the live rows with the rebuilt ones.
  if (!options.dryRun && (report.differences.length === 0 || options.replace)) {
    await db.query('BEGIN');
    try {
      for (const table of readModelTables) await db.query(`LOCK TABLE public.${table.name} IN EXCLUSIVE MODE`);
      if (!sameSequences(await lastSequences(jsm), lastSeqs)) {
        await db.query('ROLLBACK');
        return report; // new messages arrived: the live tables are ahead of the rebuild; keep them
      }
      for (const table of readModelTables) {
        const where = options.domain === undefined ? '' : ' WHERE domain = $1';
        const parameters = options.domain === undefined ? [] : [options.domain];
        await db.query(`DELETE FROM public.${table.name}${where}`, parameters);
        await db.query(`INSERT INTO public.${table.name} SELECT * FROM ${rebuildSchema}.${table.name}${where}`, parameters);
      }
      await db.query('COMMIT');
      report.replaced = true;
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  }
  return report;
}

async function lastSequences(jsm: JetStreamManager): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const { stream } of sources) {
    try {
      result.set(stream.name, (await jsm.streams.info(stream.name)).state.last_seq);
    } catch {
      result.set(stream.name, 0); // the stream was never created: nothing to replay
    }
  }
  return result;
}

function sameSequences(a: Map<string, number>, b: Map<string, number>): boolean {
  return [...a].every(([name, seq]) => b.get(name) === seq);
}

/** Waits until every live read-model durable has acknowledged its stream up to `lastSeqs`. */
async function waitForLive(jsm: JetStreamManager, lastSeqs: Map<string, number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const { stream, durable } of sources) {
    const last = lastSeqs.get(stream.name) ?? 0;
    if (last === 0) continue;
    for (;;) {
      let floor = 0;
      try {
        const info = await jsm.consumers.info(stream.name, durable);
        floor = info.num_ack_pending === 0 ? Math.max(info.ack_floor.stream_seq, info.delivered.stream_seq) : info.ack_floor.stream_seq;
      } catch {
        throw new Error(`the live consumer ${durable} on ${stream.name} does not exist: start feedback-analytics first`);
      }
      if (floor >= last) break;
      if (Date.now() > deadline) throw new Error(`the live consumer ${durable} on ${stream.name} is at ${floor} of ${last}: start feedback-analytics or wait`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function copyTables(db: Client, from: string, to: string): Promise<void> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    await db.query(`DROP SCHEMA IF EXISTS ${to} CASCADE`);
    await db.query(`CREATE SCHEMA ${to}`);
    for (const table of readModelTables) await db.query(`CREATE TABLE ${to}.${table.name} AS SELECT * FROM ${from}.${table.name}`);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

async function compare(db: Client, domain: string | undefined): Promise<RebuildReport['differences']> {
  const differences: RebuildReport['differences'] = [];
  const where = domain === undefined ? '' : ' WHERE domain = $1';
  const parameters = domain === undefined ? [] : [domain];
  for (const table of readModelTables) {
    const live = `SELECT * FROM ${snapshotSchema}.${table.name}${where}`;
    const rebuilt = `SELECT * FROM ${rebuildSchema}.${table.name}${where}`;
    const result = await db.query<{ only_live: string; only_rebuilt: string }>(
      `SELECT (SELECT count(*) FROM (${live} EXCEPT ALL ${rebuilt}) a)::text AS only_live, (SELECT count(*) FROM (${rebuilt} EXCEPT ALL ${live}) b)::text AS only_rebuilt`,
      parameters,
    );
    const row = result.rows[0];
    if (row.only_live !== '0' || row.only_rebuilt !== '0') differences.push({ table: table.name, onlyLive: Number(row.only_live), onlyRebuilt: Number(row.only_rebuilt) });
  }
  return differences;
}
