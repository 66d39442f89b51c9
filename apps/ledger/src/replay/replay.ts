import { CreditsConsumedV1, CreditsPurchasedV1 } from '@credit-hub/contracts';
import { CreditAccount, evolve, initialState, invariantViolations, RecordedEvent } from '@credit-hub/ledger-domain';
import { Client, PoolClient } from 'pg';
import { insertLots } from '../credit-accounts/projection';

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

const projectionTables = ['ledger_accounts', 'ledger_lots', 'ledger_consumptions', 'ledger_purchases'] as const;

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
      await client.query(`CREATE TEMP TABLE rebuilt_${table.replace('ledger_', '')} (LIKE ${table}) ON COMMIT DROP`);
    }
    const total = Number((await client.query('SELECT count(*) FROM ledger_events')).rows[0].count);
    const accounts = new Map<string, CreditAccount>();
    const violations: ReplayReport['violations'] = [];
    let done = 0;
    await client.query('DECLARE replay_events NO SCROLL CURSOR FOR SELECT event_id, stream_id, version, type, data FROM ledger_events ORDER BY position');
    for (;;) {
      const { rows } = await client.query(`FETCH ${batchSize} FROM replay_events`);
      if (rows.length === 0) break;
      const consumptions: unknown[][] = [];
      const purchases: unknown[][] = [];
      for (const row of rows) {
        const state = accounts.get(row.stream_id) ?? initialState();
        accounts.set(row.stream_id, state);
        const event = { type: row.type, data: row.data, eventId: row.event_id, version: row.version } as RecordedEvent;
        evolve(state, event);
        state.consumptions.clear(); // written out below; not needed in memory (keeps the fold flat)
        if (state.balance < 0) violations.push({ streamId: row.stream_id, detail: `balance ${state.balance} after version ${row.version}` });
        collectKeys(row.stream_id, event, consumptions, purchases);
      }
      await insertKeys(client, consumptions, purchases);
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

function collectKeys(streamId: string, event: RecordedEvent, consumptions: unknown[][], purchases: unknown[][]): void {
  if (event.type === 'CreditsConsumed') {
    const d = event.data as CreditsConsumedV1;
    consumptions.push([d.domain, d.referenceId, streamId, d.email, d.credits, d.actionType, event.eventId, d.balanceAfter]);
  } else if (event.type === 'CreditsPurchased') {
    const d = event.data as CreditsPurchasedV1;
    purchases.push([d.checkoutSessionId, streamId, d.stripeEventId, d.lotId, event.eventId]);
  }
}

async function insertKeys(client: Client | PoolClient, consumptions: unknown[][], purchases: unknown[][]): Promise<void> {
  const columns = (rows: unknown[][], i: number) => rows.map((r) => r[i]);
  if (consumptions.length > 0) {
    await client.query(
      `INSERT INTO rebuilt_consumptions SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::uuid[], $8::bigint[])`,
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => columns(consumptions, i)),
    );
  }
  if (purchases.length > 0) {
    await client.query(
      `INSERT INTO rebuilt_purchases SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[])`,
      [0, 1, 2, 3, 4].map((i) => columns(purchases, i)),
    );
  }
}

async function writeRebuiltAccounts(client: Client | PoolClient, accounts: Map<string, CreditAccount>, violations: ReplayReport['violations']): Promise<void> {
  const streamIds = [...accounts.keys()];
  for (let start = 0; start < streamIds.length; start += 5000) {
    const chunk = streamIds.slice(start, start + 5000);
    const states = chunk.map((id) => accounts.get(id)!);
    for (const [i, state] of states.entries()) {
      for (const detail of invariantViolations(state)) violations.push({ streamId: chunk[i], detail });
    }
    await client.query(
      `INSERT INTO rebuilt_accounts (stream_id, email, version, balance, updated_at)
       SELECT s, e, v, b, now() FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[]) AS t(s, e, v, b)`,
      [chunk, states.map((s) => s.email), states.map((s) => s.version), states.map((s) => s.balance)],
    );
    const lots = states.flatMap((state, i) => state.lots.map((lot) => ({ streamId: chunk[i], lot })));
    for (let from = 0; from < lots.length; from += 5000) await insertLots(client, lots.slice(from, from + 5000), 'rebuilt_lots');
  }
}

async function compare(client: Client | PoolClient): Promise<ReplayReport['differences']> {
  const checks: { table: string; key: string; columns: string }[] = [
    { table: 'accounts', key: 'stream_id', columns: 'stream_id, email, version, balance' },
    { table: 'lots', key: 'stream_id', columns: '*' },
    { table: 'consumptions', key: 'stream_id', columns: '*' },
    { table: 'purchases', key: 'stream_id', columns: '*' },
  ];
  const differences: ReplayReport['differences'] = [];
  for (const check of checks) {
    const { rows } = await client.query(
      `SELECT DISTINCT ${check.key} AS stream_id, side FROM (
         (SELECT ${check.columns}, 'only in live projection' AS side FROM ledger_${check.table}
          EXCEPT SELECT ${check.columns}, 'only in live projection' FROM rebuilt_${check.table})
         UNION ALL
         (SELECT ${check.columns}, 'only in rebuilt projection' FROM rebuilt_${check.table}
          EXCEPT SELECT ${check.columns}, 'only in rebuilt projection' FROM ledger_${check.table})
       ) AS d ORDER BY 1 LIMIT 10000`,
    );
    for (const row of rows) differences.push({ streamId: row.stream_id, table: `ledger_${check.table}`, detail: row.side });
  }
  return differences;
}
