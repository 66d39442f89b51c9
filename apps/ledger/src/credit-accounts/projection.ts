import { LedgerEventEnvelope, LotView } from '@credit-hub/contracts';
import { ConsumptionRecord, CreditAccount, initialState, Lot } from '@credit-hub/ledger-domain';
import { PoolClient } from 'pg';

/**
 * The balance and lot projections, read and written in the same transaction as each append.
 * They are derived data: `npm run replay` drops nothing but rebuilds them from ledger_events and
 * compares.
 */

interface LotRow {
  lot_id: string;
  kind: 'purchased' | 'granted';
  domain: string;
  offering_id: string | null;
  credits_initial: string;
  credits_remaining: string;
  amount_minor: string;
  currency: string | null;
  priority: number;
  scope_domain: string | null;
  expires_at: Date | null;
  acquired_at: Date;
  acquired_version: number;
}

/** Maps a `ledger_lots` row to a domain Lot (bigint columns arrive as strings; credits fit 2^53). */
export function rowToLot(row: LotRow): Lot {
  return {
    lotId: row.lot_id,
    kind: row.kind,
    domain: row.domain,
    offeringId: row.offering_id,
    creditsInitial: Number(row.credits_initial),
    creditsRemaining: Number(row.credits_remaining),
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    priority: row.priority,
    scopeDomain: row.scope_domain,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    acquiredAt: row.acquired_at.toISOString(),
    acquiredVersion: row.acquired_version,
  };
}

/** A Lot as the public LotView. */
export function lotToView(lot: Lot): LotView {
  return {
    lotId: lot.lotId,
    kind: lot.kind,
    domain: lot.domain,
    offeringId: lot.offeringId,
    creditsInitial: lot.creditsInitial,
    creditsRemaining: lot.creditsRemaining,
    amountMinor: lot.amountMinor,
    currency: lot.currency,
    scopeDomain: lot.scopeDomain,
    expiresAt: lot.expiresAt,
    acquiredAt: lot.acquiredAt,
  };
}

/** What a command needs loaded besides the account and its open lots. */
export interface LoadNeeds {
  consumption?: { domain: string; referenceId: string };
  checkoutSessionId?: string;
}

/**
 * Loads the account state from the projections, locking the account row (`FOR UPDATE`) so
 * commands on one account are serialised by the database. An account with no row yet loads as
 * the initial state (nothing to lock: only a purchase creates the row, see `lockOrCreateAccount`).
 * With `lock` false (queries) it reads without locking.
 */
export async function loadAccount(client: PoolClient, streamId: string, needs: LoadNeeds, lock = true): Promise<CreditAccount> {
  const state = initialState();
  const account = await client.query<{ email: string; version: number; balance: string }>(
    `SELECT email, version, balance FROM ledger_accounts WHERE stream_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [streamId],
  );
  if (account.rowCount) {
    state.email = account.rows[0].email;
    state.version = account.rows[0].version;
    state.balance = Number(account.rows[0].balance);
    const lots = await client.query<LotRow>(
      'SELECT * FROM ledger_lots WHERE stream_id = $1 AND credits_remaining > 0 ORDER BY acquired_version',
      [streamId],
    );
    state.lots = lots.rows.map(rowToLot);
  }
  if (needs.consumption) {
    const found = await client.query<{ email: string; credits: string; action_type: string; event_id: string; balance_after: string }>(
      'SELECT email, credits, action_type, event_id, balance_after FROM ledger_consumptions WHERE domain = $1 AND reference_id = $2',
      [needs.consumption.domain, needs.consumption.referenceId],
    );
    const row = found.rows[0];
    if (row) {
      const record: ConsumptionRecord = {
        email: row.email,
        domain: needs.consumption.domain,
        referenceId: needs.consumption.referenceId,
        credits: Number(row.credits),
        actionType: row.action_type,
        eventId: row.event_id,
        balanceAfter: Number(row.balance_after),
      };
      state.consumptions.set(`${record.domain}\u001f${record.referenceId}`, record);
    }
  }
  if (needs.checkoutSessionId) {
    const found = await client.query('SELECT 1 FROM ledger_purchases WHERE checkout_session_id = $1', [needs.checkoutSessionId]);
    if (found.rowCount) state.purchasedCheckoutSessions.add(needs.checkoutSessionId);
  }
  return state;
}

/** Creates the account row if missing (a first purchase), so `loadAccount` can lock it. */
export async function lockOrCreateAccount(client: PoolClient, streamId: string, email: string): Promise<void> {
  await client.query(
    'INSERT INTO ledger_accounts (stream_id, email, version, balance) VALUES ($1, $2, 0, 0) ON CONFLICT (stream_id) DO NOTHING',
    [streamId, email],
  );
}

/**
 * Writes what the appended events change in the projections: the account row (version, balance),
 * new lots, drawn lots, and the idempotency records. `after` is the state after evolving.
 */
export async function writeProjection(client: PoolClient, envelopes: LedgerEventEnvelope[], after: CreditAccount): Promise<void> {
  if (envelopes.length === 0) return;
  const streamId = envelopes[0].streamId;
  await client.query(
    `INSERT INTO ledger_accounts (stream_id, email, version, balance, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, balance = EXCLUDED.balance, email = EXCLUDED.email, updated_at = now()`,
    [streamId, after.email, after.version, after.balance],
  );
  for (const envelope of envelopes) await writeEventProjection(client, envelope, after);
}

async function writeEventProjection(client: PoolClient, envelope: LedgerEventEnvelope, after: CreditAccount): Promise<void> {
  switch (envelope.type) {
    case 'CreditsPurchased': {
      const data = envelope.data as import('@credit-hub/contracts').CreditsPurchasedV1;
      const lot = after.lots.find((l) => l.lotId === data.lotId);
      await insertLots(client, lot ? [{ streamId: envelope.streamId, lot }] : []);
      await client.query(
        'INSERT INTO ledger_purchases (checkout_session_id, stream_id, stripe_event_id, lot_id, event_id) VALUES ($1, $2, $3, $4, $5)',
        [data.checkoutSessionId, envelope.streamId, data.stripeEventId, data.lotId, envelope.eventId],
      );
      return;
    }
    case 'CreditsConsumed': {
      const data = envelope.data as import('@credit-hub/contracts').CreditsConsumedV1;
      await client.query(
        `UPDATE ledger_lots l SET credits_remaining = l.credits_remaining - d.credits
           FROM unnest($1::text[], $2::bigint[]) AS d(lot_id, credits) WHERE l.lot_id = d.lot_id`,
        [data.draws.map((d) => d.lotId), data.draws.map((d) => d.credits)],
      );
      await client.query(
        `INSERT INTO ledger_consumptions (domain, reference_id, stream_id, email, credits, action_type, event_id, balance_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [data.domain, data.referenceId, envelope.streamId, data.email, data.credits, data.actionType, envelope.eventId, data.balanceAfter],
      );
      return;
    }
    default: {
      const unreachable: never = envelope.type;
      throw new Error(`no projection for ${String(unreachable)}`);
    }
  }
}

/** Inserts lot rows in one statement (a purchase, or a replay rebuilding `table`). */
export async function insertLots(
  client: Pick<PoolClient, 'query'>,
  rows: { streamId: string; lot: Lot }[],
  table: 'ledger_lots' | 'rebuilt_lots' = 'ledger_lots',
): Promise<void> {
  if (rows.length === 0) return;
  const lots = rows.map((r) => r.lot);
  await client.query(
    `INSERT INTO ${table} (lot_id, stream_id, kind, domain, offering_id, credits_initial, credits_remaining, amount_minor,
        currency, priority, scope_domain, expires_at, acquired_at, acquired_version)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
        $9::text[], $10::int[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::int[])`,
    [
      lots.map((l) => l.lotId),
      rows.map((r) => r.streamId),
      lots.map((l) => l.kind),
      lots.map((l) => l.domain),
      lots.map((l) => l.offeringId),
      lots.map((l) => l.creditsInitial),
      lots.map((l) => l.creditsRemaining),
      lots.map((l) => l.amountMinor),
      lots.map((l) => l.currency),
      lots.map((l) => l.priority),
      lots.map((l) => l.scopeDomain),
      lots.map((l) => l.expiresAt),
      lots.map((l) => l.acquiredAt),
      lots.map((l) => l.acquiredVersion),
    ],
  );
}
