import { StreamDefinition } from '@credit-hub/contracts';
import { compareTable, renderDifference, repairTable, RowDifference, tableColumns, TablePair } from '@credit-hub/service-kit';
import { DeliverPolicy, JetStreamManager, NatsConnection } from 'nats';
import { Client } from 'pg';
import { ReadModelRegistration, readModelRegistry, registeredSources, registeredTables } from './read-model.registry';

/**
 * `npm run ops -- replay analytics`: rebuilds every registered read model (read-model.registry.ts)
 * from the streams they read (LEDGER, BILLING, REFUNDS),
 * from each stream's first sequence to its last sequence at start, into the shadow schema
 * `analytics_rebuild`; snapshots the live tables into `analytics_snapshot` once the live durables
 * have acknowledged those same last sequences; compares the two row by row (key, column, live and
 * rebuilt value); and with `replace` repairs the live tables: only the differing rows are written
 * (libs/service-kit table-diff.ts), in one transaction under a table lock, and only if no new
 * message arrived meanwhile. The live inbox is left alone: the live durables go on from where
 * they are, and every event up to the rebuild's end is already in the rebuilt rows.
 */

export const rebuildSchema = 'analytics_rebuild';
export const snapshotSchema = 'analytics_snapshot';

export interface RebuildOptions {
  /** Compare (and replace) only this domain's rows. */
  domain?: string;
  /** Rebuild only from messages stored at or before this time (ISO-8601): a point-in-time view; no compare, no replace. */
  until?: string;
  /** Repair the live rows that differ from the rebuilt ones (only those rows are written). Without it: compare only. */
  replace?: boolean;
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
  /** Per registered table: rows compared (either side), differing, repaired. */
  tables: { table: string; readModel: string; compared: number; differing: number; repaired: number }[];
  /** Up to 1,000 differing rows per table: key, column, live and rebuilt value, and the same as a line. */
  differences: (RowDifference & { detail: string })[];
  /** True when the differing rows were repaired (`replace`, and no new message arrived meanwhile). */
  replaced: boolean;
  /** Why a repair asked for did not happen (new messages arrived during the rebuild). */
  notReplacedBecause?: string;
}

/** Differences listed per table (the counts are exact beyond). */
const differencesListedMax = 1000;

/** The streams the registered read models read, each once. */
function sourceStreams(): StreamDefinition[] {
  const streams = new Map<string, StreamDefinition>();
  for (const source of registeredSources()) streams.set(source.stream.name, source.stream);
  return [...streams.values()];
}

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
  for (const { table } of registeredTables()) await db.query(`CREATE TABLE ${rebuildSchema}.${table.name} (LIKE public.${table.name} INCLUDING ALL)`);
  const messages: Record<string, number> = {};
  let skippedMalformed = 0;
  try {
    for (const stream of sourceStreams()) {
      const last = lastSeqs.get(stream.name) ?? 0;
      messages[stream.name] = 0;
      if (last === 0) continue;
      const readers = readModelRegistry.filter((registration) => registration.sources.some((source) => source.stream.name === stream.name));
      const seen = new Map<ReadModelRegistration, Set<string>>(readers.map((registration) => [registration, new Set<string>()]));
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
          const messageId = message.headers?.get('Nats-Msg-Id') || `${message.info.stream}:${message.info.streamSequence}`;
          for (const registration of readers) {
            await db.query('SAVEPOINT message');
            try {
              const eventId = registration.eventId(stream, message.subject, body, messageId);
              const ids = seen.get(registration)!;
              if (!ids.has(eventId)) {
                ids.add(eventId);
                await registration.project(db, stream, message.subject, body);
              }
              await db.query('RELEASE SAVEPOINT message');
            } catch {
              await db.query('ROLLBACK TO SAVEPOINT message'); // the live consumer gives up on it too (poison)
              skippedMalformed++;
            }
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
    tables: [],
    differences: [],
    replaced: false,
  };
  if (pointInTime) return report;

  // 3. Compare the rebuild with the live snapshot, row by row.
  const pairs = await tablePairs(db, options.domain);
  for (const { pair, readModel } of pairs) {
    const comparison = await compareTable(db, { ...pair, live: `${snapshotSchema}.${pair.table}` }, differencesListedMax);
    report.tables.push({ table: pair.table, readModel, compared: comparison.compared, differing: comparison.differing, repaired: 0 });
    for (const difference of comparison.differences) report.differences.push({ ...difference, detail: renderDifference(difference) });
  }

  // 4. Repair the live rows that differ, and only those.
  if (options.replace && report.tables.some((t) => t.differing > 0)) {
    await db.query('BEGIN');
    try {
      for (const { pair } of pairs) await db.query(`LOCK TABLE ${pair.live} IN EXCLUSIVE MODE`);
      if (!sameSequences(await lastSequences(jsm), lastSeqs)) {
        await db.query('ROLLBACK');
        report.notReplacedBecause = 'new messages arrived during the rebuild: the live tables are ahead of it; run it again when traffic is quiet';
        return report;
      }
      for (const [index, { pair }] of pairs.entries()) {
        if (report.tables[index]!.differing === 0) continue;
        const repair = await repairTable(db, pair);
        report.tables[index]!.repaired = repair.updated + repair.inserted + repair.deleted;
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

/** Each registered table as a live/rebuilt pair: key from the registry, every other column compared. */
async function tablePairs(db: Client, domain: string | undefined): Promise<{ pair: TablePair; readModel: string }[]> {
  const pairs: { pair: TablePair; readModel: string }[] = [];
  for (const { registration, table } of registeredTables()) {
    const columns = (await tableColumns(db, `public.${table.name}`)).filter((column) => !table.key.includes(column));
    pairs.push({
      readModel: registration.name,
      pair: {
        table: table.name,
        live: `public.${table.name}`,
        rebuilt: `${rebuildSchema}.${table.name}`,
        key: table.key,
        columns,
        ...(domain === undefined ? {} : { filter: { column: 'domain', value: domain } }),
      },
    });
  }
  return pairs;
}

async function lastSequences(jsm: JetStreamManager): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const stream of sourceStreams()) {
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
  for (const { stream, durable } of registeredSources()) {
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
    for (const { table } of registeredTables()) await db.query(`CREATE TABLE ${to}.${table.name} AS SELECT * FROM ${from}.${table.name}`);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}
