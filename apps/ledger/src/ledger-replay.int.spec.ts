/**
 * Replay's comparison and repair of every projection table, and account snapshots, on real
 * PostgreSQL and NATS. Snapshots: the ledger takes one in the append transaction
 * every LEDGER_SNAPSHOT_EVERY events (single commands and group-committed batches), a snapshot plus
 * its tail folds to the full fold, and replay --from-snapshots starts from verified snapshots only.
 */
import { accountStreamId, ConsumeCreditsCommand, GrantCreditsCommand } from '@credit-hub/contracts';
import { fold, RecordedEvent, stateToSnapshot } from '@credit-hub/ledger-domain';
import { Client } from 'pg';
import { CreditAccountStore } from './credit-accounts/credit-account.store';
import { loadFromSnapshot } from './credit-accounts/snapshot';
import { replayLedger } from './replay/replay';
import { useLedgerHarness } from './test/ledger-harness';

const every = 5;
const ledger = useLedgerHarness({ name: 'ledger-snapshots-test', databasePrefix: 'ledgersnap', env: { LEDGER_SNAPSHOT_EVERY: String(every) } });
let store: CreditAccountStore;

const consumeCommand = (email: string, referenceId: string, credits = 1): ConsumeCreditsCommand =>
  ({ email, domain: 'a.test', credits, actionType: 'gen', referenceId }) as ConsumeCreditsCommand;

async function fullFold(streamId: string, upTo = 2_147_483_647) {
  const { rows } = await ledger.db.query('SELECT event_id, version, type, data FROM ledger_events WHERE stream_id = $1 AND version <= $2 ORDER BY version', [streamId, upTo]);
  return fold(rows.map((r) => ({ type: r.type, data: r.data, eventId: r.event_id, version: r.version }) as RecordedEvent));
}

async function snapshotVersions(streamId: string): Promise<number[]> {
  return (await ledger.db.query('SELECT version FROM ledger_snapshots WHERE stream_id = $1 ORDER BY version', [streamId])).rows.map((r) => r.version);
}

beforeAll(async () => {
  store = ledger.app.get(CreditAccountStore);
});

describe('account snapshots', () => {
  it('are taken in the append transaction every N events, by single commands and by batches, and equal the full fold at their version', async () => {
    const email = 'single@example.com';
    const streamId = accountStreamId(email);
    const grant = await store.grant({ email, domain: 'a.test', credits: 1000, grantId: 'g1', reason: 'test' } as GrantCreditsCommand);
    expect(grant.ok).toBe(true);
    for (let i = 0; i < 11; i++) expect((await store.consume(consumeCommand(email, `s${i}`))).ok).toBe(true);
    // versions 1..12: snapshots when the version reaches 5 and 10
    expect(await snapshotVersions(streamId)).toEqual([5, 10]);

    const batch = await store.consumeBatch(Array.from({ length: 7 }, (_, i) => consumeCommand(email, `b${i}`)));
    expect(batch.every((r) => r.ok)).toBe(true);
    // a batch took the stream from 12 to 19 across 15: one snapshot, at the batch's last version
    expect(await snapshotVersions(streamId)).toEqual([5, 10, 19]);

    for (const version of [5, 10, 19]) {
      const { rows } = await ledger.db.query('SELECT state FROM ledger_snapshots WHERE stream_id = $1 AND version = $2', [streamId, version]);
      expect(rows[0].state).toEqual(stateToSnapshot(await fullFold(streamId, version)));
    }
  });

  it('load from the latest snapshot plus the tail, equal to the full fold', async () => {
    const streamId = accountStreamId('single@example.com');
    expect((await store.consume(consumeCommand('single@example.com', 'tail1'))).ok).toBe(true); // version 20: a snapshot
    expect((await store.consume(consumeCommand('single@example.com', 'tail2'))).ok).toBe(true);
    const loaded = await loadFromSnapshot(ledger.db, streamId);
    expect(loaded).toMatchObject({ snapshotVersion: 20, tailEvents: 1 });
    expect(await loadFromSnapshot(ledger.db, streamId, { version: 18 })).toMatchObject({ snapshotVersion: 10, tailEvents: 8 });
    expect(stateToSnapshot(loaded.state)).toEqual(stateToSnapshot(await fullFold(streamId)));
  });

  it('a refused or repeated command takes no snapshot', async () => {
    const streamId = accountStreamId('single@example.com');
    const before = await snapshotVersions(streamId);
    expect((await store.consume(consumeCommand('single@example.com', 's0'))).ok).toBe(true); // repeated
    const refused = await store.consume(consumeCommand('single@example.com', 'huge', 100_000));
    expect(refused.ok).toBe(false);
    expect(await snapshotVersions(streamId)).toEqual(before);
  });

  it('a snapshot that cannot be taken never fails the append: the consume commits without it', async () => {
    const email = 'broken@example.com';
    const streamId = accountStreamId(email);
    expect((await store.grant({ email, domain: 'a.test', credits: 100, grantId: 'g-broken', reason: 'test' } as GrantCreditsCommand)).ok).toBe(true);
    for (let i = 0; i < 3; i++) expect((await store.consume(consumeCommand(email, `k${i}`))).ok).toBe(true); // version 4
    // An earlier snapshot the fold cannot read (a state of another shape): the next one builds on it and fails.
    await ledger.db.query(`INSERT INTO ledger_snapshots (stream_id, version, state) VALUES ($1, 2, '{}'::jsonb)`, [streamId]);
    const single = await store.consume(consumeCommand(email, 'k3')); // version 5: a snapshot is due
    expect(single.ok).toBe(true);
    const batch = await store.consumeBatch(Array.from({ length: 5 }, (_, i) => consumeCommand(email, `kb${i}`))); // 6..10: due again
    expect(batch.every((r) => r.ok)).toBe(true);
    expect(await snapshotVersions(streamId)).toEqual([2]);
    const { rows } = await ledger.db.query('SELECT version, balance FROM ledger_accounts WHERE stream_id = $1', [streamId]);
    expect(rows[0]).toMatchObject({ version: 10, balance: '91' });
    await ledger.db.query('DELETE FROM ledger_snapshots WHERE stream_id = $1', [streamId]);
  });

  it('replay --from-snapshots starts from verified snapshots only and folds just the tail', async () => {
    const streamId = accountStreamId('single@example.com');
    const total = Number((await ledger.db.query('SELECT count(*) FROM ledger_events')).rows[0].count);
    const unverified = await replayLedger(ledger.db, { dryRun: true, fromSnapshots: true });
    expect(unverified).toMatchObject({ events: total, differences: [], violations: [] });

    await ledger.db.query('UPDATE ledger_snapshots SET verified_at = now() WHERE stream_id = $1 AND version = 19', [streamId]);
    const fromSnapshot = await replayLedger(ledger.db, { dryRun: true, fromSnapshots: true });
    expect(fromSnapshot).toMatchObject({ events: total - 19, differences: [], violations: [] });

    // It really starts from the snapshot: a wrong verified snapshot makes the rebuilt account differ.
    await ledger.db.query(`UPDATE ledger_snapshots SET state = jsonb_set(state, '{balance}', to_jsonb((state->>'balance')::int + 7)) WHERE stream_id = $1 AND version = 19`, [streamId]);
    const wrong = await replayLedger(ledger.db, { dryRun: true, fromSnapshots: true });
    expect(wrong.differences).toEqual(expect.arrayContaining([
      expect.objectContaining({ streamId, table: 'ledger_accounts', kind: 'differs', columns: [expect.objectContaining({ column: 'balance' })] }),
    ]));
    // A full replay does not use snapshots at all.
    expect((await replayLedger(ledger.db, { dryRun: true })).differences).toEqual([]);
    await ledger.db.query('DELETE FROM ledger_snapshots WHERE stream_id = $1 AND version = 19', [streamId]);
  });

  it('a replay that repairs from snapshots leaves ledger_history and ledger_purchases as they are', async () => {
    await ledger.db.query(`UPDATE ledger_snapshots SET verified_at = now()`);
    const history = Number((await ledger.db.query('SELECT count(*) FROM ledger_history')).rows[0].count);
    await ledger.db.query(`UPDATE ledger_accounts SET balance = balance + 1 WHERE stream_id = $1`, [accountStreamId('single@example.com')]);
    const repair = await replayLedger(ledger.db, { fromSnapshots: true });
    expect(repair.differences.length).toBeGreaterThan(0);
    expect(repair.replaced).toBe(true);
    expect(Number((await ledger.db.query('SELECT count(*) FROM ledger_history')).rows[0].count)).toBe(history);
    expect((await replayLedger(ledger.db, { dryRun: true })).differences).toEqual([]);
  });
});

describe('replay (streamed, compared per column)', () => {
  it('names each differing row by key, column, live and rebuilt value, and repairs those rows only (every other row keeps its xmin)', async () => {
    const streamId = accountStreamId('single@example.com');
    expect((await replayLedger(ledger.db, { dryRun: true })).differences).toEqual([]);
    const history = (await ledger.db.query(`SELECT balance_after::int AS b FROM ledger_history WHERE stream_id = $1 AND version = 3`, [streamId])).rows[0].b as number;
    await ledger.db.query(`UPDATE ledger_history SET balance_after = balance_after + 1 WHERE stream_id = $1 AND version = 3`, [streamId]);
    await ledger.db.query(`UPDATE ledger_consumptions SET draws = '[]'::jsonb WHERE reference_id = 's1'`);
    await ledger.db.query(`DELETE FROM ledger_consumptions WHERE reference_id = 's2'`);
    await ledger.db.query(`INSERT INTO ledger_grants (grant_id, stream_id, lot_id) VALUES ('ghost', 'account-ghost@example.com', 'lot-ghost')`);
    const dirty = await replayLedger(ledger.db, { dryRun: true });
    expect(dirty.differences).toEqual(expect.arrayContaining([
      expect.objectContaining({ streamId, table: 'ledger_history', kind: 'differs', columns: [{ column: 'balance_after', live: history + 1, rebuilt: history }] }),
      expect.objectContaining({ streamId, table: 'ledger_consumptions', kind: 'differs', key: { domain: 'a.test', reference_id: 's1' }, columns: [expect.objectContaining({ column: 'draws', live: [] })] }),
      expect.objectContaining({ streamId, table: 'ledger_consumptions', kind: 'only_rebuilt', key: { domain: 'a.test', reference_id: 's2' } }),
      expect.objectContaining({ streamId: 'account-ghost@example.com', table: 'ledger_grants', kind: 'only_live', key: { stream_id: 'account-ghost@example.com', grant_id: 'ghost' } }),
    ]));
    expect(dirty.differences).toHaveLength(4);
    expect(dirty.differences.find((d) => d.table === 'ledger_history')?.detail).toBe(`ledger_history event_id=${dirty.differences.find((d) => d.table === 'ledger_history')?.key['event_id']}: balance_after live ${history + 1}, rebuilt ${history}`);
    const counts = Object.fromEntries(dirty.tables.map((t) => [t.table, [t.differing, t.repaired]]));
    expect(counts).toMatchObject({ ledger_history: [1, 0], ledger_consumptions: [2, 0], ledger_grants: [1, 0], ledger_accounts: [0, 0], ledger_lots: [0, 0] });
    expect(dirty.tables.find((t) => t.table === 'ledger_history')?.compared).toBe(Number((await ledger.db.query('SELECT count(*) FROM ledger_events')).rows[0].count));

    // Every row's xmin (the transaction that last wrote it) before the repair.
    const tables = dirty.tables.map((t) => t.table);
    const versions = async () => {
      const all = new Map<string, string>();
      for (const table of tables) {
        for (const row of (await ledger.db.query(`SELECT xmin::text AS x, to_jsonb(t) - 'updated_at' AS r, ${table === 'ledger_accounts' ? 'updated_at::text' : 'NULL'} AS u FROM ${table} t`)).rows) {
          all.set(`${table} ${JSON.stringify(row.r)}`, `${row.x} ${row.u}`);
        }
      }
      return all;
    };
    const before = await versions();
    const repair = await replayLedger(ledger.db);
    expect(repair.replaced).toBe(true);
    expect(Object.fromEntries(repair.tables.map((t) => [t.table, t.repaired]))).toMatchObject({ ledger_history: 1, ledger_consumptions: 2, ledger_grants: 1, ledger_accounts: 0, ledger_lots: 0 });
    const after = await versions();
    const written = [...after].filter(([row, version]) => before.get(row) !== version).map(([row]) => row.split(' ')[0]).sort();
    expect(written).toEqual(['ledger_consumptions', 'ledger_consumptions', 'ledger_history']); // the ghost grant is gone; nothing else written
    expect((await replayLedger(ledger.db, { dryRun: true })).differences).toEqual([]);
    expect(Number((await ledger.db.query(`SELECT count(*) FROM ledger_grants WHERE grant_id = 'ghost'`)).rows[0].count)).toBe(0);
  });

  it('rebuilds the same projections whatever the fetch size (accounts split across fetches)', async () => {
    for (const batchSize of [1, 3, 1000]) expect(await replayLedger(ledger.db, { dryRun: true, batchSize })).toMatchObject({ differences: [], violations: [] });
  });

  it('sees one consistent snapshot on both of its connections while commands race it', async () => {
    const email = 'racing@example.com';
    expect((await store.grant({ email, domain: 'a.test', credits: 100, grantId: 'g-race', reason: 'test' } as GrantCreditsCommand)).ok).toBe(true);
    const racing = Promise.all(Array.from({ length: 30 }, (_, i) => store.consume(consumeCommand(email, `race-${i}`))));
    const replays = await Promise.all([replayLedger(ledger.db), (async () => { const other = new Client({ connectionString: ledger.databaseUrl }); await other.connect(); try { return await replayLedger(other, { dryRun: true }); } finally { await other.end(); } })()]);
    for (const report of replays) expect(report).toMatchObject({ differences: [], violations: [] });
    expect((await racing).every((r) => r.ok)).toBe(true);
    expect(await replayLedger(ledger.db, { dryRun: true })).toMatchObject({ differences: [], violations: [] });
  });
});
