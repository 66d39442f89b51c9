import { evolve, initialState, invariantViolations, RecordedEvent, snapshotToState, SnapshotState } from '@credit-hub/ledger-domain';
import { Client, ClientConfig, PoolClient } from 'pg';
import { compareTable, renderDifference, repairTable, RowDifference, tableColumns, TablePair } from '@credit-hub/service-kit';
import { allRowsOf, emptyRows, historyOf, ProjectionRows, tableValues } from '../credit-accounts/state-rows';
import { copyIn, copyText, copyTextArray } from './copy-in';

/**
 * A row whose live projection differs from the rebuilt one: the table, the row's key, each
 * differing column with its live and rebuilt value, the account it belongs to (when the table has
 * stream_id) and the same as one line (`detail`).
 */
export type ReplayDifference = RowDifference & { streamId: string | null; detail: string };

/** Per projection table: rows compared (either side), rows differing, rows repaired (0 with dryRun). */
export interface ReplayTableReport {
  table: string;
  compared: number;
  differing: number;
  repaired: number;
}

/** What a replay found. `differences` lists up to 1,000 differing rows per table (`tables` has the exact counts). */
export interface ReplayReport {
  events: number;
  accounts: number;
  differences: ReplayDifference[];
  tables: ReplayTableReport[];
  violations: { streamId: string; detail: string }[];
  replaced: boolean;
  eventsPerSecond: number;
  elapsedMs: number;
  /**
   * Where the time went, ms: reading and folding the events while copying the rebuilt rows (`copy`:
   * of it, waiting for a previous batch's COPY to finish); comparing; rewriting the live tables (0 when equal).
   */
  phasesMs: { foldAndCopy: number; copy: number; compare: number; replace: number };
}

/** Differences listed per table in a report (the counts are exact beyond it). */
const differencesListedMax = 1000;

/**
 * Options: `dryRun` compares without replacing; `onProgress(done, total)` (events folded, events
 * to fold) is called every batch; `batchSize` events are fetched at a time; `fromSnapshots` starts
 * each account from its latest verified snapshot (ledger_snapshots) and folds only the tail.
 */
export interface ReplayOptions {
  dryRun?: boolean;
  batchSize?: number;
  fromSnapshots?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The projection tables replay rebuilds, and the columns compared (all but bookkeeping timestamps). */
const projections: Record<string, string> = {
  accounts: 'stream_id, email, version, balance, owed_credits, open_disputes, clawed_back_disputes, suspended_subscriptions',
  lots: '*',
  consumptions: '*',
  reservations: '*',
  money_refunds: '*',
  refund_requests: '*',
  grants: '*',
  purchases: '*',
  history: '*',
};
/** Per-event logs, not account state: a replay from snapshots cannot rebuild them and leaves them alone. */
const eventLogTables = new Set(['purchases', 'history']);

/** Rebuilt rows are copied to the temp tables once this many are pending (bounds replay's memory). */
const flushRows = 20_000;

/**
 * Rebuilds the ledger's projections from `ledger_events`, compares them with the live tables,
 * checks the invariants (no negative balance at any point, lots sum to the balance), and, unless
 * `dryRun` or an invariant broke, makes the live projections equal to the rebuilt ones, all in
 * one REPEATABLE READ transaction that blocks writers (EXCLUSIVE locks on the projection tables)
 * so the comparison is exact. The repair writes only the rows that differ (table-diff.ts): an
 * UPDATE of the differing columns (and updated_at), an INSERT of a missing row, a DELETE of a row
 * the events do not produce; equal rows are not written, so their xmin and updated_at stay.
 *
 * Streamed, memory-flat: the events are read through a cursor in (stream_id, version) order, so
 * one account is folded at a time; its rows (consumption records included) are copied with
 * `COPY … FROM STDIN` into unindexed temp tables every `flushRows` rows. Memory holds one account
 * and one batch, whatever the log's length. The live tables are rewritten only when they differ
 * (rewriting equal rows would change nothing but bookkeeping timestamps).
 *
 * With `fromSnapshots`, each account starts from its latest snapshot marked verified by
 * `ops snapshot verify` (ledger_snapshots.verified_at) and folds only its later events; accounts
 * without one fold from the start. ledger_history and ledger_purchases (per-event logs) are then
 * neither rebuilt, compared nor replaced, and `events` counts the tail events folded.
 *
 * Throws the database's error (the transaction is rolled back, nothing changed).
 */
export async function replayLedger(client: Client | PoolClient, options: ReplayOptions = {}): Promise<ReplayReport> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 10_000;
  const tables = Object.keys(projections).filter((name) => !(options.fromSnapshots && eventLogTables.has(name)));
  let reader: Client | undefined;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    await client.query(`LOCK TABLE ${Object.keys(projections).map((name) => `ledger_${name}`).join(', ')} IN EXCLUSIVE MODE`);
    // Server-side settings of this transaction only: room for the comparison's hash joins; no JIT
    // (compiling costs more than it saves on these plans); local buffers big enough to hold the
    // rebuilt temp tables instead of writing them out 8 MB at a time. temp_buffers can be set only
    // before the session's first temp table: a later replay on the same connection keeps its value.
    await client.query(`SET LOCAL work_mem = '256MB'`);
    await client.query('SET LOCAL jit = off');
    await client.query('SAVEPOINT replay_settings');
    await client.query(`SET LOCAL temp_buffers = '512MB'`).then(
      () => client.query('RELEASE SAVEPOINT replay_settings'),
      () => client.query('ROLLBACK TO SAVEPOINT replay_settings'),
    );
    for (const name of tables) {
      // No indexes: rows are appended by COPY, one account at a time, each row once.
      // and no CHECKs: the live tables check every row when a differing projection is rewritten.
      await client.query(`CREATE TEMP TABLE rebuilt_${name} (LIKE ledger_${name} INCLUDING DEFAULTS) ON COMMIT DROP`);
    }
    const snapshots = options.fromSnapshots
      ? `SELECT DISTINCT ON (stream_id) stream_id, version, state FROM ledger_snapshots WHERE verified_at IS NOT NULL ORDER BY stream_id, version DESC`
      : null;
    const total = Number((await client.query(snapshots
      ? `SELECT count(*) FROM ledger_events e LEFT JOIN (${snapshots}) s USING (stream_id) WHERE e.version > coalesce(s.version, 0)`
      : 'SELECT count(*) FROM ledger_events')).rows[0].count);
    // The events are read on a second connection that imports this transaction's snapshot (taken
    // after the locks), so it sees exactly what this one sees: PostgreSQL reads there while it
    // copies here, and Node folds in between.
    const exported = (await client.query('SELECT pg_export_snapshot() AS id')).rows[0].id as string;
    reader = new Client((client as unknown as { connectionParameters: ClientConfig }).connectionParameters);
    reader.on('error', () => undefined); // a failed query rejects on its own
    await reader.connect();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query(`SET TRANSACTION SNAPSHOT '${exported.replace(/'/g, "''")}'`);
    await reader.query('SET LOCAL jit = off');
    await reader.query(snapshots
      ? `DECLARE replay_events NO SCROLL CURSOR FOR
           SELECT NULL::uuid AS event_id, stream_id, version, '$snapshot' AS type, state AS data FROM (${snapshots}) s
           UNION ALL
           SELECT e.event_id, e.stream_id, e.version, e.type, e.data FROM ledger_events e LEFT JOIN (${snapshots}) s USING (stream_id)
            WHERE e.version > coalesce(s.version, 0)
           ORDER BY stream_id, version`
      : 'DECLARE replay_events NO SCROLL CURSOR FOR SELECT event_id, stream_id, version, type, data FROM ledger_events ORDER BY stream_id, version');
    const violations: ReplayReport['violations'] = [];
    const phasesMs = { foldAndCopy: 0, copy: 0, compare: 0, replace: 0 };
    let phaseStarted = Date.now();
    // Pipelined: the next FETCH (reader) is queued before this batch is folded, and a batch's COPY
    // (this connection) is not awaited until the next one is due, so two PostgreSQL backends read
    // and copy while Node folds. Memory stays bounded: one fetch in hand, one queued, at most one
    // batch of rows being copied and one being filled.
    let copying: Promise<void> = Promise.resolve();
    const copy = async (batch: ProjectionRows) => {
      const waitStarted = Date.now();
      await copying;
      phasesMs.copy += Date.now() - waitStarted;
      copying = copyRows(client, batch, tables);
      copying.catch(() => undefined); // awaited (and thrown) at the next copy or at the end
    };
    let accounts = 0;
    let done = 0;
    let streamId: string | null = null;
    let state = initialState();
    let rows = emptyRows();
    let pending = 0;
    const finishAccount = () => {
      if (streamId === null) return;
      for (const detail of invariantViolations(state)) violations.push({ streamId, detail });
      allRowsOf(streamId, state, rows);
      pending += 1 + state.lots.length + state.consumptions.size + state.reservations.size;
    };
    // Rows as arrays [event_id, stream_id, version, type, data]: no object with keys per row.
    const fetch = () => reader!.query<[string, string, number, string, unknown]>({ text: `FETCH ${batchSize} FROM replay_events`, rowMode: 'array' });
    let fetching = fetch();
    for (;;) {
      const fetched = await fetching;
      if (fetched.rows.length === 0) break;
      fetching = fetch();
      fetching.catch(() => undefined); // awaited at the top of the loop
      for (const [eventId, rowStreamId, version, type, data] of fetched.rows) {
        if (rowStreamId !== streamId) {
          finishAccount();
          streamId = rowStreamId;
          state = initialState();
          accounts++;
        }
        if (type === '$snapshot') {
          state = snapshotToState(data as SnapshotState);
          continue;
        }
        const event = { type, data, eventId, version } as RecordedEvent;
        evolve(state, event);
        done++;
        if (!options.fromSnapshots) {
          const { creditsDelta, domain } = historyOf(event);
          rows.history.push({ eventId, streamId: rowStreamId, version, domain, creditsDelta, balanceAfter: state.balance });
          if (event.type === 'CreditsPurchased') {
            const d = event.data;
            rows.purchases.push({ streamId: rowStreamId, checkoutSessionId: d.checkoutSessionId, stripeEventId: d.stripeEventId, lotId: d.lotId, eventId });
          }
          pending++;
        }
        if (state.balance < 0 && state.owedCredits === 0) violations.push({ streamId: rowStreamId, detail: `balance ${state.balance} after version ${version}` });
      }
      if (pending >= flushRows) {
        await copy(rows);
        rows = emptyRows();
        pending = 0;
      }
      options.onProgress?.(done, total);
    }
    finishAccount();
    await copy(rows);
    await copying;
    await reader.query('COMMIT');
    await reader.end();
    reader = undefined;
    phasesMs.foldAndCopy = Date.now() - phaseStarted;
    phaseStarted = Date.now();
    const pairs = await tablePairs(client, tables);
    const differences: ReplayDifference[] = [];
    const tableReports: ReplayTableReport[] = [];
    for (const pair of pairs) {
      const comparison = await compareTable(client, pair, differencesListedMax);
      tableReports.push({ table: pair.table, compared: comparison.compared, differing: comparison.differing, repaired: 0 });
      for (const difference of comparison.differences) {
        differences.push({ ...difference, streamId: typeof difference.owner === 'string' ? difference.owner : null, detail: renderDifference(difference) });
      }
    }
    phasesMs.compare = Date.now() - phaseStarted;
    phaseStarted = Date.now();
    const replaced = !options.dryRun && violations.length === 0;
    if (replaced) {
      for (const [index, pair] of pairs.entries()) {
        if (tableReports[index]!.differing === 0) continue;
        const repair = await repairTable(client, pair);
        tableReports[index]!.repaired = repair.updated + repair.inserted + repair.deleted;
      }
    }
    phasesMs.replace = Date.now() - phaseStarted;
    await client.query(replaced ? 'COMMIT' : 'ROLLBACK');
    const elapsedMs = Date.now() - started;
    return { events: done, accounts, differences, tables: tableReports, violations, replaced, elapsedMs, phasesMs, eventsPerSecond: Math.round((done * 1000) / Math.max(elapsedMs, 1)) };
  } catch (error) {
    await reader?.end().catch(() => undefined);
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Copies rebuilt rows into the `rebuilt_*` temp tables named in `tables` (one COPY per table). */
async function copyRows(client: Client | PoolClient, rows: ProjectionRows, tables: string[]): Promise<void> {
  for (const table of tableValues(rows, { dedupe: false })) {
    if (table.values.length === 0 || !tables.includes(table.name)) continue;
    const formats = table.columns.map((column) => (table.special?.[column] === 'jsonarray' ? copyTextArray : copyText));
    const lines = table.values.map((values) => `${values.map((value, i) => formats[i](value as string)).join('\t')}\n`);
    await copyIn(client, `COPY rebuilt_${table.name} (${table.columns.join(', ')}) FROM STDIN`, lines);
  }
}

/** The key of each projection table: compared rows are matched on it. */
const keys: Record<string, string[]> = {
  accounts: ['stream_id'], lots: ['lot_id'], consumptions: ['domain', 'reference_id'], reservations: ['reservation_id'], money_refunds: ['refund_request_id'],
  refund_requests: ['stream_id', 'refund_request_id'], grants: ['stream_id', 'grant_id'], purchases: ['checkout_session_id'], history: ['event_id'],
};

/** Bookkeeping columns: not derived from events, neither compared nor copied (set on repair). */
const bookkeeping = new Set(['updated_at', 'created_at']);

/** The live/rebuilt pairs of the tables replayed, with their keys and compared columns. */
async function tablePairs(client: Client | PoolClient, tables: string[]): Promise<TablePair[]> {
  const pairs: TablePair[] = [];
  for (const name of tables) {
    const key = keys[name]!;
    const all = await tableColumns(client, `ledger_${name}`);
    const compared = projections[name] === '*' ? all.filter((c) => !bookkeeping.has(c)) : projections[name]!.split(', ');
    pairs.push({
      table: `ledger_${name}`,
      live: `ledger_${name}`,
      rebuilt: `rebuilt_${name}`,
      key,
      columns: compared.filter((c) => !key.includes(c)),
      ownerColumn: 'stream_id',
      ...(all.includes('updated_at') ? { touch: { updated_at: 'now()' } } : {}),
    });
  }
  return pairs;
}

