import { CreditAccount, evolve, initialState, invariantViolations, RecordedEvent } from '@credit-hub/ledger-domain';
import { Client, PoolClient } from 'pg';
import { allRowsOf, emptyRows, historyOf, writeRows } from '../credit-accounts/projection';

/** What a replay found. `differences` lists every account whose live projection differs from the rebuilt one. */
export interface ReplayReport {
  events: number;
  accounts: number;
  differences: { streamId: string; table: string; detail: string }[];
  violations: { streamId: string; detail: string }[];
  replaced: boolean;
  eventsPerSecond: number;
  elapsedMs: number;
}

/** Options: `dryRun` compares without replacing; `onProgress(done, total)` is called every batch. */
export interface ReplayOptions {
  dryRun?: boolean;
  batchSize?: number;
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
const projectionTables = Object.keys(projections).map((name) => `ledger_${name}`);

/**
 * Rebuilds the balance and lot projections from `ledger_events` (streamed in position order
 * through a cursor), compares them with the live tables, checks the invariants (no negative
 * balance at any point, lots sum to the balance), and, unless `dryRun` or an invariant broke,
 * replaces the live projections with the rebuilt ones, all in one transaction that blocks
 * writers (EXCLUSIVE locks on the projection tables) so the comparison is exact.
 */
export async function replayLedger(client: Client | PoolClient, options: ReplayOptions = {}): Promise<ReplayReport> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 10_000;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    await client.query(`LOCK TABLE ${projectionTables.join(', ')} IN EXCLUSIVE MODE`);
    for (const table of projectionTables) {
      await client.query(`CREATE TEMP TABLE rebuilt_${table.replace('ledger_', '')} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES) ON COMMIT DROP`);
    }
    const total = Number((await client.query('SELECT count(*) FROM ledger_events')).rows[0].count);
    const accounts = new Map<string, CreditAccount>();
    const violations: ReplayReport['violations'] = [];
    let done = 0;
    await client.query('DECLARE replay_events NO SCROLL CURSOR FOR SELECT event_id, stream_id, version, type, data FROM ledger_events ORDER BY position');
    for (;;) {
      const { rows } = await client.query(`FETCH ${batchSize} FROM replay_events`);
      if (rows.length === 0) break;
      const history = emptyRows();
      for (const row of rows) {
        const state = accounts.get(row.stream_id) ?? initialState();
        accounts.set(row.stream_id, state);
        const event = { type: row.type, data: row.data, eventId: row.event_id, version: row.version } as RecordedEvent;
        evolve(state, event);
        const { creditsDelta, domain } = historyOf(event);
        history.history.push({ eventId: row.event_id, streamId: row.stream_id, version: row.version, domain, creditsDelta, balanceAfter: state.balance });
        if (event.type === 'CreditsPurchased') {
          const d = event.data;
          history.purchases.push({ streamId: row.stream_id, checkoutSessionId: d.checkoutSessionId, stripeEventId: d.stripeEventId, lotId: d.lotId, eventId: row.event_id });
        }
        if (state.balance < 0 && state.owedCredits === 0) violations.push({ streamId: row.stream_id, detail: `balance ${state.balance} after version ${row.version}` });
      }
      await writeRows(client, history, 'rebuilt');
      done += rows.length;
      options.onProgress?.(done, total);
    }
    await client.query('CLOSE replay_events');
    await writeRebuiltAccounts(client, accounts, violations);
    const differences = await compare(client);
    const replaced = !options.dryRun && violations.length === 0;
    if (replaced) {
      for (const table of projectionTables) {
        await client.query(`DELETE FROM ${table}`);
        await client.query(`INSERT INTO ${table} SELECT * FROM rebuilt_${table.replace('ledger_', '')}`);
      }
    }
    await client.query(replaced ? 'COMMIT' : 'ROLLBACK');
    const elapsedMs = Date.now() - started;
    return { events: done, accounts: accounts.size, differences, violations, replaced, elapsedMs, eventsPerSecond: Math.round((done * 1000) / Math.max(elapsedMs, 1)) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function writeRebuiltAccounts(client: Client | PoolClient, accounts: Map<string, CreditAccount>, violations: ReplayReport['violations']): Promise<void> {
  let rows = emptyRows();
  let pending = 0;
  for (const [streamId, state] of accounts) {
    for (const detail of invariantViolations(state)) violations.push({ streamId, detail });
    allRowsOf(streamId, state, rows);
    pending += 1 + state.lots.length + state.consumptions.size;
    if (pending >= 5000) {
      await writeRows(client as PoolClient, rows, 'rebuilt');
      rows = emptyRows();
      pending = 0;
    }
  }
  await writeRows(client as PoolClient, rows, 'rebuilt');
}

async function compare(client: Client | PoolClient): Promise<ReplayReport['differences']> {
  const differences: ReplayReport['differences'] = [];
  for (const [name, columns] of Object.entries(projections)) {
    const { rows } = await client.query(
      `SELECT DISTINCT stream_id, side FROM (
         (SELECT ${columns}, 'only in live projection' AS side FROM ledger_${name}
          EXCEPT SELECT ${columns}, 'only in live projection' FROM rebuilt_${name})
         UNION ALL
         (SELECT ${columns}, 'only in rebuilt projection' FROM rebuilt_${name}
          EXCEPT SELECT ${columns}, 'only in rebuilt projection' FROM ledger_${name})
       ) AS d ORDER BY 1 LIMIT 10000`,
    );
    for (const row of rows) differences.push({ streamId: row.stream_id, table: `ledger_${name}`, detail: row.side });
  }
  return differences;
}
