import { accountStreamId, normalizeDomain } from '@credit-hub/contracts';
import { Client } from 'pg';
import { AccountCheck, checkAccount, checkSnapshot, Difference, EventRow, ProjectionRows, SnapshotRow } from './compare';

/** Which accounts to verify. Every filter given narrows the choice (they combine with AND). */
export interface AccountSelection {
  /** Customers by email. */
  customers?: string[];
  /** Accounts with at least one event on this domain. */
  domain?: string;
  /** Accounts with at least one event at or after this global position. */
  fromPosition?: number;
  /** Accounts with at least one event that occurred at or after this time. */
  fromTime?: Date;
  /** A random sample of this many of the chosen accounts. */
  sample?: number;
}

export interface VerifyReport {
  accounts: number;
  events: number;
  /** Emails asked for with --customer that have neither events nor an account row. */
  notFound: string[];
  differences: Difference[];
  violations: { streamId: string; detail: string }[];
  elapsedMs: number;
  /** The selection, as given. */
  selection: Record<string, unknown>;
  /**
   * With `checkSnapshots`: the latest snapshot of each chosen account that has one, and whether
   * snapshot + tail folded equal the full fold (its differences are in `differences`, table
   * ledger_snapshots).
   */
  snapshots?: { streamId: string; version: number; sound: boolean }[];
}

/** Accounts are folded and compared this many at a time (one query per table per chunk). */
const chunkSize = 500;

/**
 * Verifies the chosen accounts read-only, in one REPEATABLE READ READ ONLY transaction (events and
 * projections are written in the same transactions, so one snapshot sees them consistent, and the
 * ledger keeps serving meanwhile): each account's full stream is folded with the ledger's `fold`
 * and compared with its projection rows; the fold's invariants are checked.
 */
export async function verifyAccounts(
  client: Client,
  selection: AccountSelection,
  onProgress?: (done: number, total: number) => void,
  options: { checkSnapshots?: boolean } = {},
): Promise<VerifyReport> {
  const started = Date.now();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const { streamIds, notFound } = await chooseAccounts(client, selection);
    const report: VerifyReport = {
      accounts: streamIds.length, events: 0, notFound, differences: [], violations: [], elapsedMs: 0, selection: describe(selection),
    };
    const snapshots = options.checkSnapshots && (await client.query(`SELECT to_regclass('ledger_snapshots') IS NOT NULL AS present`)).rows[0].present;
    if (options.checkSnapshots) report.snapshots = [];
    for (let offset = 0; offset < streamIds.length; offset += chunkSize) {
      const chunk = streamIds.slice(offset, offset + chunkSize);
      for (const check of await checkChunk(client, chunk, Boolean(snapshots))) {
        report.events += check.events;
        report.differences.push(...check.differences);
        for (const detail of check.violations) report.violations.push({ streamId: check.streamId, detail });
        if (check.snapshot) {
          report.differences.push(...check.snapshot.differences);
          report.snapshots!.push({ streamId: check.streamId, version: check.snapshot.version, sound: check.snapshot.differences.length === 0 });
        }
      }
      onProgress?.(Math.min(offset + chunkSize, streamIds.length), streamIds.length);
    }
    report.elapsedMs = Date.now() - started;
    return report;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

async function chooseAccountsBy(client: Client, selection: AccountSelection): Promise<{ streamIds: string[]; notFound: string[] }> {
  const where: string[] = [];
  const parameters: unknown[] = [];
  const wanted = selection.customers?.map((email) => accountStreamId(email));
  if (wanted) where.push(`stream_id = ANY($${parameters.push(wanted)}::text[])`);
  if (selection.domain !== undefined) where.push(`data->>'domain' = $${parameters.push(normalizeDomain(selection.domain))}`);
  if (selection.fromPosition !== undefined) where.push(`position >= $${parameters.push(selection.fromPosition)}`);
  if (selection.fromTime !== undefined) where.push(`occurred_at >= $${parameters.push(selection.fromTime.toISOString())}`);
  const eventFilter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  // Accounts with events matching the filters; with no event filter also account rows without events.
  const onlyEventFilters = selection.domain !== undefined || selection.fromPosition !== undefined || selection.fromTime !== undefined;
  const accountFilter = wanted ? `WHERE stream_id = ANY($1::text[])` : '';
  const sql = onlyEventFilters
    ? `SELECT DISTINCT stream_id FROM ledger_events ${eventFilter}`
    : `SELECT stream_id FROM ledger_events ${eventFilter} UNION SELECT stream_id FROM ledger_accounts ${accountFilter}`;
  const sampled = selection.sample !== undefined ? `SELECT stream_id FROM (${sql}) s ORDER BY random() LIMIT ${selection.sample}` : `${sql} ORDER BY 1`;
  const { rows } = await client.query<{ stream_id: string }>(sampled, parameters);
  const streamIds = rows.map((r) => r.stream_id);
  const found = new Set(streamIds);
  const notFound = onlyEventFilters ? [] : (selection.customers ?? []).filter((email) => !found.has(accountStreamId(email)));
  return { streamIds, notFound };
}

/** Chooses the accounts a selection names (sorted by stream id): also `ops snapshot take`'s choice. */
export async function chooseAccounts(client: Client, selection: AccountSelection): Promise<{ streamIds: string[]; notFound: string[] }> {
  return chooseAccountsBy(client, selection);
}

type ChunkCheck = AccountCheck & { snapshot?: { version: number; differences: Difference[] } };

async function checkChunk(client: Client, streamIds: string[], withSnapshots: boolean): Promise<ChunkCheck[]> {
  const byStream = <T extends { stream_id: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) {
      const list = map.get(row.stream_id) ?? [];
      list.push(row);
      map.set(row.stream_id, list);
    }
    return map;
  };
  const ids = [streamIds];
  const events = byStream((await client.query<EventRow>(
    'SELECT event_id, stream_id, version, type, data FROM ledger_events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version', ids)).rows);
  const accounts = byStream((await client.query(
    'SELECT stream_id, email, version, balance, owed_credits FROM ledger_accounts WHERE stream_id = ANY($1::text[])', ids)).rows);
  const lots = byStream((await client.query(
    `SELECT stream_id, lot_id, credits_initial, credits_remaining, credits_held, credits_expired, credits_refunded_as_money
       FROM ledger_lots WHERE stream_id = ANY($1::text[])`, ids)).rows);
  const consumptions = byStream((await client.query(
    `SELECT stream_id, domain, reference_id, credits, credits_refunded, balance_after, event_id::text AS event_id
       FROM ledger_consumptions WHERE stream_id = ANY($1::text[])`, ids)).rows);
  const reservations = byStream((await client.query(
    'SELECT stream_id, reservation_id, status, credits, credits_captured FROM ledger_reservations WHERE stream_id = ANY($1::text[])', ids)).rows);
  const snapshots = new Map<string, SnapshotRow>();
  if (withSnapshots) {
    const found = await client.query(
      'SELECT DISTINCT ON (stream_id) stream_id, version, state FROM ledger_snapshots WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version DESC', ids);
    for (const row of found.rows) snapshots.set(row.stream_id, { version: row.version, state: row.state });
  }
  return streamIds.map((streamId): ChunkCheck => {
    const rows: ProjectionRows = {
      account: (accounts.get(streamId)?.[0] as ProjectionRows['account']) ?? null,
      lots: (lots.get(streamId) ?? []) as ProjectionRows['lots'],
      consumptions: (consumptions.get(streamId) ?? []) as ProjectionRows['consumptions'],
      reservations: (reservations.get(streamId) ?? []) as ProjectionRows['reservations'],
    };
    const check: ChunkCheck = checkAccount(streamId, events.get(streamId) ?? [], rows);
    const snapshot = snapshots.get(streamId);
    if (snapshot) check.snapshot = { version: snapshot.version, differences: checkSnapshot(streamId, snapshot, events.get(streamId) ?? [], check.state) };
    return check;
  });
}

function describe(selection: AccountSelection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (selection.customers) out['customers'] = selection.customers;
  if (selection.domain !== undefined) out['domain'] = selection.domain;
  if (selection.fromPosition !== undefined) out['fromPosition'] = selection.fromPosition;
  if (selection.fromTime !== undefined) out['fromTime'] = selection.fromTime.toISOString();
  if (selection.sample !== undefined) out['sample'] = selection.sample;
  return out;
}

/** The human report of a verification. */
export function renderVerifyReport(report: VerifyReport, what: string): string[] {
  const lines = [`${what}: ${report.accounts} accounts, ${report.events} events folded in ${report.elapsedMs} ms`];
  for (const email of report.notFound) lines.push(`NOT FOUND ${email}: no events and no account row`);
  for (const d of report.differences.slice(0, 1000)) {
    lines.push(`DIFFERS ${d.streamId} ${d.table} ${d.key} ${d.field}: events say ${d.events ?? '(no row)'}, projection says ${d.projection ?? '(no row)'}`);
  }
  if (report.differences.length > 1000) lines.push(`… and ${report.differences.length - 1000} more differences (use --json for all)`);
  for (const v of report.violations) lines.push(`INVARIANT ${v.streamId}: ${v.detail}`);
  if (report.differences.length === 0 && report.violations.length === 0 && report.notFound.length === 0) {
    lines.push('verified: every projection row equals the fold of its events; invariants hold');
  } else {
    lines.push(`${report.differences.length} differences, ${report.violations.length} invariant violations, ${report.notFound.length} not found`);
  }
  return lines;
}
