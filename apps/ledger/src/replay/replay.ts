import { evolve, initialState, invariantViolations, RecordedEvent, snapshotToState, SnapshotState } from '@credit-hub/ledger-domain';
import { Client, ClientConfig, PoolClient } from 'pg';
import { allRowsOf, emptyRows, historyOf, ProjectionRows, tableValues } from '../credit-accounts/projection';
import { copyIn, copyText, copyTextArray } from './copy-in';

/** What a replay found. `differences` lists every account whose live projection differs from the rebuilt one. */
export interface ReplayReport {
  events: number;
  accounts: number;
  differences: { streamId: string; table: string; detail: string }[];
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
 * so the comparison is exact.
 *
 * Streamed, memory-flat: the events are read through a cursor in (stream_id, version) order, so
 * one account is folded at a time; its rows (consumption records included) are copied with
 * `COPY … FROM STDIN` into unindexed temp tables every `flushRows` rows. Memory holds one account
 * and one batch, whatever the log's length. The live tables are rewritten only when they differ
 * (rewriting equal rows changes nothing but bookkeeping timestamps).
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
    const differences = await compare(client, tables);
    phasesMs.compare = Date.now() - phaseStarted;
    phaseStarted = Date.now();
    const replaced = !options.dryRun && violations.length === 0;
    if (replaced && differences.length > 0) {
      for (const name of tables) {
        await client.query(`DELETE FROM ledger_${name}`);
        await client.query(`INSERT INTO ledger_${name} SELECT * FROM rebuilt_${name}`);
      }
    }
    phasesMs.replace = Date.now() - phaseStarted;
    await client.query(replaced ? 'COMMIT' : 'ROLLBACK');
    const elapsedMs = Date.now() - started;
    return { events: done, accounts, differences, violations, replaced, elapsedMs, phasesMs, eventsPerSecond: Math.round((done * 1000) / Math.max(elapsedMs, 1)) };
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

/**
 * Compares each live table with its rebuilt copy in one pass: a hash FULL JOIN on the table's key
 * and a column-by-column IS DISTINCT FROM on the compared columns (cheaper than whole-row
 * comparison, which builds a composite value per row). A row only on one side is reported for
 * that side; a row that differs, for both. At most 10,000 (stream, side) pairs per table.
 */
async function compare(client: Client | PoolClient, tables: string[]): Promise<ReplayReport['differences']> {
  const differences: ReplayReport['differences'] = [];
  for (const name of tables) {
    const key = keys[name];
    const columns = projections[name] === '*'
      ? (await client.query(`SELECT attname FROM pg_attribute WHERE attrelid = 'ledger_${name}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)).rows.map((r) => r.attname as string)
      : projections[name].split(', ');
    const on = key.map((k) => `l.${k} = r.${k}`).join(' AND ');
    const differs = columns.filter((c) => !key.includes(c)).map((c) => `l.${c} IS DISTINCT FROM r.${c}`).join(' OR ');
    const { rows } = await client.query(
      `SELECT DISTINCT stream_id, side FROM (
         SELECT coalesce(l.stream_id, r.stream_id) AS stream_id, l.stream_id AS live, r.stream_id AS rebuilt
           FROM ledger_${name} l FULL JOIN rebuilt_${name} r ON ${on}
          WHERE l.${key[0]} IS NULL OR r.${key[0]} IS NULL${differs ? ` OR ${differs}` : ''}
       ) AS d, LATERAL (VALUES ('only in live projection', d.live), ('only in rebuilt projection', d.rebuilt)) AS s(side, present)
       WHERE s.present IS NOT NULL
       ORDER BY 1, 2 LIMIT 10000`,
    );
    for (const row of rows) differences.push({ streamId: row.stream_id, table: `ledger_${name}`, detail: row.side });
  }
  return differences;
}
