import { CreditAccount, evolve, fold, RecordedEvent, snapshotJson, snapshotToState, SnapshotState } from '@credit-hub/ledger-domain';
import { PoolClient } from 'pg';

/**
 * Account snapshots (`ledger_snapshots`): the whole folded state of one account at one stream
 * version, as JSON. Written every LEDGER_SNAPSHOT_EVERY events inside the append transaction;
 * `ops snapshot verify` checks snapshot + tail against the full fold; `replay --from-snapshots`
 * starts each account from its latest verified snapshot. Commands do not load from snapshots:
 * the projection rows are an always-current snapshot with no tail (docs/operations.md).
 */

type Db = Pick<PoolClient, 'query'>;

/** One `ledger_events` row as a RecordedEvent for the fold. */
function recorded(row: { event_id: string; version: number; type: string; data: unknown }): RecordedEvent {
  return { type: row.type, data: row.data, eventId: row.event_id, version: row.version } as RecordedEvent;
}

/**
 * The full state of `streamId` at `version` (its latest version when omitted): its latest
 * snapshot at or below that version plus the fold of the tail events after it. With
 * `onlyVerified` only snapshots `ops snapshot verify` marked are used. Returns the state and the
 * version of the snapshot it started from (0: none, the whole stream was folded).
 */
export async function loadFromSnapshot(
  db: Db, streamId: string, options: { version?: number; onlyVerified?: boolean } = {},
): Promise<{ state: CreditAccount; snapshotVersion: number; tailEvents: number }> {
  const upTo = options.version ?? 2_147_483_647;
  const snapshot = await db.query(
    `SELECT version, state FROM ledger_snapshots WHERE stream_id = $1 AND version <= $2${options.onlyVerified ? ' AND verified_at IS NOT NULL' : ''}
      ORDER BY version DESC LIMIT 1`,
    [streamId, upTo],
  );
  const from = snapshot.rows[0] ? Number(snapshot.rows[0].version) : 0;
  const tail = await db.query(
    'SELECT event_id, version, type, data FROM ledger_events WHERE stream_id = $1 AND version > $2 AND version <= $3 ORDER BY version',
    [streamId, from, upTo],
  );
  const events = tail.rows.map(recorded);
  const state = snapshot.rows[0] ? snapshotToState(snapshot.rows[0].state as SnapshotState) : fold([]);
  for (const event of events) evolve(state, event);
  return { state, snapshotVersion: from, tailEvents: events.length };
}

/** Writes (or rewrites) the snapshot of `state` at its version. */
export async function writeSnapshot(db: Db, streamId: string, state: CreditAccount): Promise<void> {
  await insertSnapshot(db, streamId, state.version, snapshotJson(state));
}

async function insertSnapshot(db: Db, streamId: string, version: number, json: string): Promise<void> {
  await db.query(
    `INSERT INTO ledger_snapshots (stream_id, version, state) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (stream_id, version) DO UPDATE SET state = EXCLUDED.state, taken_at = now(), verified_at = NULL`,
    [streamId, version, json],
  );
}

/** Largest snapshot written by the append path (characters of JSON); a larger state is left to the projection and the fold. */
export const snapshotBytesMax = 16 * 1024 * 1024;

/**
 * Inside an append transaction that holds the row locks of the streams: for every stream whose
 * version went from `before` to `after` across a multiple of `every`, takes the snapshot at
 * `after` (latest snapshot + tail fold, read in this transaction so it includes the events just
 * appended). `every` 0 disables snapshots. Returns the number written.
 *
 * Best effort: a snapshot is a checkpoint for replay and verification, never what a command
 * needs, so it must not fail the append. Each one runs under a savepoint; an error (an old
 * snapshot the fold can no longer read, a state past `snapshotBytesMax`) rolls back only that
 * snapshot and is reported through `skipped`, and the append commits without it.
 */
export async function takeDueSnapshots(
  db: Db, every: number, versions: Map<string, { before: number; after: number }>,
  skipped: (streamId: string, why: string) => void = () => undefined,
): Promise<number> {
  if (every <= 0) return 0;
  let written = 0;
  for (const [streamId, { before, after }] of versions) {
    if (Math.floor(after / every) === Math.floor(before / every)) continue;
    await db.query('SAVEPOINT ledger_snapshot');
    try {
      const { state } = await loadFromSnapshot(db, streamId, { version: after });
      const json = snapshotJson(state);
      if (json.length > snapshotBytesMax) {
        await db.query('RELEASE SAVEPOINT ledger_snapshot');
        skipped(streamId, `state of ${json.length} characters of JSON exceeds ${snapshotBytesMax}`);
        continue;
      }
      await insertSnapshot(db, streamId, state.version, json);
      await db.query('RELEASE SAVEPOINT ledger_snapshot');
      written++;
    } catch (error) {
      await db.query('ROLLBACK TO SAVEPOINT ledger_snapshot');
      skipped(streamId, (error as Error).message);
    }
  }
  return written;
}
