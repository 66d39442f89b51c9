import { LedgerEventEnvelope, LotDraw, LotView } from '@credit-hub/contracts';
import { consumptionKey, ConsumptionRecord, CreditAccount, holdsAccountScopedLots, initialState, LoadNeeds, Lot, Reservation } from '@credit-hub/ledger-domain';
import { PoolClient } from 'pg';

/**
 * The command side's state loader and writer. The ledger's projections are the account state written as rows, in the same transaction as each
 * append. The loader reads exactly what a command needs (the account row, its lots with credits
 * left, and the records the command names); the writer upserts the rows the new events touched;
 * replay writes the same rows from a full fold and compares. One mapping in each direction, here.
 */

type Db = Pick<PoolClient, 'query'>;

/** What a command needs loaded: declared beside the decisions (libs/ledger-domain, `needs`). */
export type { LoadNeeds } from '@credit-hub/ledger-domain';

// ---------------------------------------------------------------------------------------------
// rows ↔ state

const lotColumns = [
  'lot_id', 'stream_id', 'kind', 'domain', 'offering_id', 'credits_initial', 'credits_remaining', 'amount_minor', 'currency', 'priority',
  'scope_domain', 'expires_at', 'acquired_at', 'acquired_version', 'credits_held', 'subscription_id', 'checkout_session_id',
  'payment_intent_id', 'credits_refunded_as_money', 'credits_expired', 'scope_account',
] as const;
const lotTypes = ['text', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'text', 'int', 'text', 'timestamptz', 'timestamptz', 'int', 'bigint', 'text', 'text', 'text', 'bigint', 'bigint', 'text'];

function lotValues(streamId: string, l: Lot): unknown[] {
  return [l.lotId, streamId, l.kind, l.domain, l.offeringId, l.creditsInitial, l.creditsRemaining, l.amountMinor, l.currency, l.priority,
    l.scopeDomain, l.expiresAt, l.acquiredAt, l.acquiredVersion, l.creditsHeld, l.subscriptionId, l.checkoutSessionId,
    l.paymentIntentId, l.creditsRefundedAsMoney, l.creditsExpired, l.scopeAccount];
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** Maps a `ledger_lots` row to a domain Lot (bigint columns arrive as strings; credits fit 2^53). */
export function rowToLot(r: Record<string, any>): Lot {
  return {
    lotId: r.lot_id, kind: r.kind, domain: r.domain, offeringId: r.offering_id, creditsInitial: Number(r.credits_initial),
    creditsRemaining: Number(r.credits_remaining), creditsHeld: Number(r.credits_held), amountMinor: Number(r.amount_minor), currency: r.currency,
    priority: r.priority, scopeDomain: r.scope_domain, expiresAt: iso(r.expires_at), acquiredAt: iso(r.acquired_at)!, acquiredVersion: r.acquired_version,
    subscriptionId: r.subscription_id, checkoutSessionId: r.checkout_session_id, paymentIntentId: r.payment_intent_id,
    creditsRefundedAsMoney: Number(r.credits_refunded_as_money), creditsExpired: Number(r.credits_expired), scopeAccount: r.scope_account ?? null,
  };
}

function rowToConsumption(r: Record<string, any>): ConsumptionRecord {
  return {
    email: r.email, domain: r.domain, referenceId: r.reference_id, credits: Number(r.credits), actionType: r.action_type, eventId: r.event_id,
    balanceAfter: Number(r.balance_after), draws: r.draws as LotDraw[], creditsRefunded: Number(r.credits_refunded), consumedAt: iso(r.consumed_at) ?? '',
  };
}

function rowToReservation(r: Record<string, any>): Reservation {
  return {
    reservationId: r.reservation_id, domain: r.domain, referenceId: r.reference_id, credits: Number(r.credits), draws: r.draws as LotDraw[],
    expiresAt: iso(r.expires_at)!, status: r.status, creditsCaptured: Number(r.credits_captured),
  };
}

/** A Lot as the public LotView. */
export function lotToView(lot: Lot): LotView {
  return {
    lotId: lot.lotId, kind: lot.kind, domain: lot.domain, offeringId: lot.offeringId, creditsInitial: lot.creditsInitial,
    creditsRemaining: lot.creditsRemaining, amountMinor: lot.amountMinor, currency: lot.currency, scopeDomain: lot.scopeDomain,
    expiresAt: lot.expiresAt, acquiredAt: lot.acquiredAt,
  };
}

// ---------------------------------------------------------------------------------------------
// load

/**
 * Loads the account state a command needs from the projections. With `lock` (commands) the account
 * row is locked `FOR UPDATE`, so commands on one account are serialised by the database; queries
 * read without locking. An account with no row yet loads as the initial state.
 */
export async function loadAccount(db: Db, streamId: string, needs: LoadNeeds, lock = true): Promise<CreditAccount> {
  const state = initialState();
  const account = await db.query(`SELECT * FROM ledger_accounts WHERE stream_id = $1${lock ? ' FOR UPDATE' : ''}`, [streamId]);
  const row = account.rows[0];
  await loadRecords(db, streamId, needs, state);
  if (!row) return state;
  state.email = row.email;
  state.version = row.version;
  state.balance = Number(row.balance);
  state.owedCredits = Number(row.owed_credits);
  state.openDisputes = new Set(row.open_disputes);
  state.clawedBackDisputes = new Set(row.clawed_back_disputes);
  state.suspendedSubscriptions = new Set(row.suspended_subscriptions);
  // Lots with credits left, plus every lot the loaded records point at (credits may return to an empty lot).
  const lots = await db.query(
    `SELECT * FROM ledger_lots WHERE stream_id = $1 AND (credits_remaining > 0 OR lot_id = ANY($2::text[]) OR payment_intent_id = $3) ORDER BY acquired_version`,
    [streamId, referencedLots(state, needs), needs.paymentIntentId ?? null],
  );
  state.lots = lots.rows.map(rowToLot);
  if (needs.spendDomains?.length && holdsAccountScopedLots(state)) state.domainAccounts = await loadDomainAccounts(db, needs.spendDomains);
  return state;
}

/**
 * Every connected Stripe account each of `domains` has ever been connected to, for the domains
 * that have one (`ledger_connected_domain_accounts`, kept from billing's connected-account-updated
 * events: a disconnected domain keeps its account, a reconnected one has the old and the new).
 * Accounts of a domain in order of first connection.
 */
export async function loadDomainAccounts(db: Db, domains: string[]): Promise<Map<string, string[]>> {
  const found = await db.query(
    'SELECT domain, account_id FROM ledger_connected_domain_accounts WHERE domain = ANY($1::text[]) ORDER BY domain, first_connected_at, account_id',
    [[...new Set(domains)]],
  );
  const accounts = new Map<string, string[]>();
  for (const r of found.rows) {
    const list = accounts.get(r.domain as string);
    if (list) list.push(r.account_id as string);
    else accounts.set(r.domain as string, [r.account_id as string]);
  }
  return accounts;
}

function referencedLots(state: CreditAccount, needs: LoadNeeds): string[] {
  const ids = new Set(needs.lotIds ?? []);
  for (const c of state.consumptions.values()) for (const d of c.draws) ids.add(d.lotId);
  for (const r of state.reservations.values()) for (const d of r.draws) ids.add(d.lotId);
  for (const m of state.moneyRefunds.values()) ids.add(m.lotId);
  return [...ids];
}

/** Consumptions a window's credit refund loads at most (RefundableLimits.consumptionsMax). */
const refundableConsumptionsLoadMax = 2000;

async function loadRecords(db: Db, streamId: string, needs: LoadNeeds, state: CreditAccount): Promise<void> {
  if (needs.consumptions?.length) {
    const found = await db.query(
      `SELECT c.* FROM ledger_consumptions c JOIN unnest($1::text[], $2::text[]) AS k(domain, reference_id) USING (domain, reference_id)`,
      [needs.consumptions.map((c) => c.domain), needs.consumptions.map((c) => c.referenceId)],
    );
    for (const r of found.rows) state.consumptions.set(consumptionKey(r.domain, r.reference_id), rowToConsumption(r));
  }
  if (needs.consumptionsSince) {
    const found = await db.query(
      `SELECT * FROM ledger_consumptions WHERE stream_id = $1 AND domain = $2 AND consumed_at >= $3 AND credits_refunded < credits
        ORDER BY consumed_at DESC, event_id LIMIT ${refundableConsumptionsLoadMax}`,
      [streamId, needs.consumptionsSince.domain, needs.consumptionsSince.since],
    );
    for (const r of found.rows) state.consumptions.set(consumptionKey(r.domain, r.reference_id), rowToConsumption(r));
  }
  const reservationWhere: string[] = [];
  const parameters: unknown[] = [];
  // By id: only this account's holds (another customer's reservation id is simply not found).
  if (needs.reservationIds?.length) {
    reservationWhere.push(`(reservation_id = ANY($${parameters.push(needs.reservationIds)}::text[]) AND stream_id = $${parameters.push(streamId)})`);
  }
  if (needs.reservationReference) {
    reservationWhere.push(`(domain = $${parameters.push(needs.reservationReference.domain)} AND reference_id = $${parameters.push(needs.reservationReference.referenceId)})`);
  }
  if (needs.allActiveReservations) reservationWhere.push(`(stream_id = $${parameters.push(streamId)} AND status = 'active')`);
  if (reservationWhere.length > 0) {
    // A reservation reference is global per domain: found on another account it is still taken.
    const found = await db.query(`SELECT * FROM ledger_reservations WHERE ${reservationWhere.join(' OR ')}`, parameters);
    for (const r of found.rows) state.reservations.set(r.reservation_id, rowToReservation(r));
  }
  if (needs.moneyRefundId) {
    const found = await db.query('SELECT * FROM ledger_money_refunds WHERE refund_request_id = $1 AND stream_id = $2', [needs.moneyRefundId, streamId]);
    for (const r of found.rows) {
      state.moneyRefunds.set(r.refund_request_id, { refundRequestId: r.refund_request_id, lotId: r.lot_id, credits: Number(r.credits), amountMinor: Number(r.amount_minor), reverted: r.reverted });
    }
  }
  if (needs.refundRequestId) {
    const found = await db.query('SELECT 1 FROM ledger_refund_requests WHERE stream_id = $1 AND refund_request_id = $2', [streamId, needs.refundRequestId]);
    if (found.rowCount) state.refundRequestIds.add(needs.refundRequestId);
  }
  if (needs.grantId) {
    const found = await db.query('SELECT lot_id FROM ledger_grants WHERE stream_id = $1 AND grant_id = $2', [streamId, needs.grantId]);
    if (found.rows[0]) state.grantIds.set(needs.grantId, found.rows[0].lot_id);
  }
  if (needs.checkoutSessionId) {
    const found = await db.query('SELECT 1 FROM ledger_purchases WHERE checkout_session_id = $1', [needs.checkoutSessionId]);
    if (found.rowCount) state.purchasedCheckoutSessions.add(needs.checkoutSessionId);
  }
}

/**
 * Loads several accounts at once for a batch of commands (the ledger pipeline): every account row
 * locked `FOR UPDATE` in stream id order (so two batches never deadlock on locks), then what each
 * command needs (`LoadNeeds`, the same as `loadAccount` reads for one command): the consumption
 * and reservation records the references name, the per-account records (reservations by id,
 * money refunds, refund requests, grants, checkout sessions), and the account's lots with credits
 * left plus every lot a loaded record points at. Every state shares one consumptions map and one
 * reservations map: references are global per domain, so a decision must see records made by
 * earlier commands of the batch on any account. An account with no row loads as the initial state.
 */
export async function loadAccountsForBatch(db: Db, entries: { streamId: string; needs: LoadNeeds }[]): Promise<Map<string, CreditAccount>> {
  // Lock first, read after: records read after the locks are granted include everything the
  // previous holder of a lock committed (READ COMMITTED reads per statement).
  const sorted = [...new Set(entries.map((e) => e.streamId))].sort();
  const accountRows = await db.query('SELECT * FROM ledger_accounts WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE', [sorted]);
  const consumptions = new Map<string, ConsumptionRecord>();
  const reservations = new Map<string, Reservation>();
  const accounts = new Map<string, CreditAccount>();
  for (const streamId of sorted) {
    const state = initialState();
    state.consumptions = consumptions;
    state.reservations = reservations;
    accounts.set(streamId, state);
  }
  const refs = entries.flatMap((e) => e.needs.consumptions ?? []);
  if (refs.length > 0) await loadRecords(db, '', { consumptions: refs }, accounts.get(sorted[0])!);
  const reservationRefs = entries.flatMap((e) => (e.needs.reservationReference ? [e.needs.reservationReference] : []));
  if (reservationRefs.length > 0) {
    // A reservation reference is global per domain: found on another account it is still taken.
    const byRef = await db.query(
      `SELECT r.* FROM ledger_reservations r JOIN unnest($1::text[], $2::text[]) AS k(domain, reference_id) USING (domain, reference_id)`,
      [reservationRefs.map((r) => r.domain), reservationRefs.map((r) => r.referenceId)],
    );
    for (const r of byRef.rows) reservations.set(r.reservation_id, rowToReservation(r));
  }
  // The rarer needs of the other command kinds, one account at a time.
  for (const { streamId, needs } of entries) {
    const { consumptions: _c, reservationReference: _r, lotIds: _l, paymentIntentId: _p, spendDomains: _s, ...rest } = needs;
    if (Object.values(rest).some((v) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))) await loadRecords(db, streamId, rest, accounts.get(streamId)!);
  }
  const lotIds = new Set<string>();
  for (const e of entries) for (const id of e.needs.lotIds ?? []) lotIds.add(id);
  for (const state of accounts.values()) for (const id of referencedLots(state, {})) lotIds.add(id);
  const paymentIntents = entries.flatMap((e) => (e.needs.paymentIntentId ? [e.needs.paymentIntentId] : []));
  const lots = await db.query(
    `SELECT * FROM ledger_lots WHERE stream_id = ANY($1::text[]) AND (credits_remaining > 0 OR lot_id = ANY($2::text[]) OR payment_intent_id = ANY($3::text[])) ORDER BY acquired_version`,
    [sorted, [...lotIds], paymentIntents],
  );
  for (const row of accountRows.rows) {
    const state = accounts.get(row.stream_id)!;
    state.email = row.email;
    state.version = row.version;
    state.balance = Number(row.balance);
    state.owedCredits = Number(row.owed_credits);
    state.openDisputes = new Set(row.open_disputes);
    state.clawedBackDisputes = new Set(row.clawed_back_disputes);
    state.suspendedSubscriptions = new Set(row.suspended_subscriptions);
  }
  const withRow = new Set(accountRows.rows.map((r) => r.stream_id as string));
  for (const row of lots.rows) if (withRow.has(row.stream_id)) accounts.get(row.stream_id)?.lots.push(rowToLot(row));
  // Stripe Connect: the domains' accounts, read only when some account of the batch holds a lot scoped to one.
  const spendDomains = entries.flatMap((e) => e.needs.spendDomains ?? []);
  if (spendDomains.length > 0 && [...accounts.values()].some(holdsAccountScopedLots)) {
    const domainAccounts = await loadDomainAccounts(db, spendDomains);
    for (const state of accounts.values()) state.domainAccounts = domainAccounts;
  }
  return accounts;
}

/**
 * Creates the account rows that are missing (a first purchase or grant), in stream id order, so the
 * batch load can lock them. Returns the stream ids of the rows it created.
 */
export async function createMissingAccounts(db: Db, accounts: { streamId: string; email: string }[]): Promise<string[]> {
  if (accounts.length === 0) return [];
  const sorted = [...new Map(accounts.map((a) => [a.streamId, a.email])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const result = await db.query(
    'INSERT INTO ledger_accounts (stream_id, email, version, balance) SELECT s, e, 0, 0 FROM unnest($1::text[], $2::text[]) AS t(s, e) ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id',
    [sorted.map(([s]) => s), sorted.map(([, e]) => e)],
  );
  return result.rows.map((r) => r.stream_id as string);
}

/** Creates the account row if missing (a first purchase or grant), so `loadAccount` can lock it. */
export async function lockOrCreateAccount(db: Db, streamId: string, email: string): Promise<void> {
  await db.query(
    'INSERT INTO ledger_accounts (stream_id, email, version, balance) VALUES ($1, $2, 0, 0) ON CONFLICT (stream_id) DO NOTHING',
    [streamId, email],
  );
}

// ---------------------------------------------------------------------------------------------
// write

/** Target tables: the live projections, or replay's rebuilt copies. */
export type ProjectionTarget = 'ledger' | 'rebuilt';

/** Everything a set of rows to upsert can hold. */
export interface ProjectionRows {
  accounts: { streamId: string; state: CreditAccount }[];
  lots: { streamId: string; lot: Lot }[];
  /** `isNew`: made by this append (plain INSERT, so a racing duplicate reference fails); else changed (upsert). */
  consumptions: { streamId: string; record: ConsumptionRecord; isNew?: boolean }[];
  reservations: { streamId: string; reservation: Reservation }[];
  moneyRefunds: { streamId: string; refundRequestId: string; lotId: string; credits: number; amountMinor: number; reverted: boolean }[];
  refundRequests: { streamId: string; refundRequestId: string }[];
  grants: { streamId: string; grantId: string; lotId: string }[];
  purchases: { streamId: string; checkoutSessionId: string; stripeEventId: string; lotId: string; eventId: string }[];
  history: { eventId: string; streamId: string; version: number; domain: string | null; creditsDelta: number; balanceAfter: number }[];
}

/** Empty rows. */
export function emptyRows(): ProjectionRows {
  return { accounts: [], lots: [], consumptions: [], reservations: [], moneyRefunds: [], refundRequests: [], grants: [], purchases: [], history: [] };
}

/** The signed change of the balance an event makes, and the domain it happened on. */
export function historyOf(envelope: Pick<LedgerEventEnvelope, 'type' | 'data'>): { creditsDelta: number; domain: string | null } {
  const d = envelope.data as Record<string, any>;
  const domain = typeof d.domain === 'string' ? d.domain : null;
  switch (envelope.type) {
    case 'CreditsPurchased': case 'CreditsGranted': case 'ConsumptionRefunded': case 'PurchaseRefundReverted':
      return { creditsDelta: d.credits, domain };
    case 'CreditsConsumed': case 'CreditsExpired': case 'PurchaseRefunded': case 'ReservationCaptured':
      return { creditsDelta: -d.credits, domain };
    case 'CreditsClawedBack':
      return { creditsDelta: -(d.credits + d.owedCredits), domain };
    default:
      return { creditsDelta: 0, domain };
  }
}

/**
 * The rows the appended `envelopes` changed, read from `after` (the state after evolving them):
 * the account, every lot, consumption, reservation and refund record an event names, and one
 * history row per event.
 */
export function rowsTouchedBy(envelopes: LedgerEventEnvelope[], after: CreditAccount): ProjectionRows {
  const rows = emptyRows();
  if (envelopes.length === 0) return rows;
  const streamId = envelopes[0].streamId;
  rows.accounts.push({ streamId, state: after });
  const lotIds = new Set<string>();
  let balance = after.balance;
  const historyRows: ProjectionRows['history'] = [];
  for (let i = envelopes.length - 1; i >= 0; i--) {
    const e = envelopes[i];
    const { creditsDelta, domain } = historyOf(e);
    historyRows.unshift({ eventId: e.eventId, streamId, version: e.version, domain, creditsDelta, balanceAfter: balance });
    balance -= creditsDelta;
    collectTouched(e, after, rows, lotIds);
  }
  rows.history = historyRows;
  for (const lot of after.lots) if (lotIds.has(lot.lotId)) rows.lots.push({ streamId, lot });
  return rows;
}

function collectTouched(e: LedgerEventEnvelope, after: CreditAccount, rows: ProjectionRows, lotIds: Set<string>): void {
  const streamId = e.streamId;
  const d = e.data as Record<string, any>;
  if (typeof d.lotId === 'string') lotIds.add(d.lotId);
  for (const draw of (d.draws ?? []) as LotDraw[]) lotIds.add(draw.lotId);
  for (const lotId of (d.lotIds ?? []) as string[]) lotIds.add(lotId);
  if (typeof d.reservationId === 'string') {
    const reservation = after.reservations.get(d.reservationId);
    if (reservation) {
      rows.reservations.push({ streamId, reservation });
      for (const draw of reservation.draws) lotIds.add(draw.lotId);
    }
  }
  if (e.type === 'CreditsConsumed' || e.type === 'ReservationCaptured' || e.type === 'ConsumptionRefunded') {
    const record = after.consumptions.get(consumptionKey(d.domain, d.referenceId));
    if (record) rows.consumptions.push({ streamId, record, isNew: e.type !== 'ConsumptionRefunded' });
  }
  if (e.type === 'ConsumptionRefunded' || e.type === 'PurchaseRefunded') rows.refundRequests.push({ streamId, refundRequestId: d.refundRequestId });
  if (e.type === 'PurchaseRefunded' || e.type === 'PurchaseRefundReverted') {
    const refund = after.moneyRefunds.get(d.refundRequestId);
    if (refund) rows.moneyRefunds.push({ streamId, ...refund });
  }
  if (e.type === 'CreditsGranted') rows.grants.push({ streamId, grantId: d.grantId, lotId: d.lotId });
  if (e.type === 'CreditsPurchased') {
    rows.purchases.push({ streamId, checkoutSessionId: d.checkoutSessionId, stripeEventId: d.stripeEventId, lotId: d.lotId, eventId: e.eventId });
  }
}

/** Every row of a fully folded account (replay). */
export function allRowsOf(streamId: string, state: CreditAccount, rows: ProjectionRows): void {
  rows.accounts.push({ streamId, state });
  for (const lot of state.lots) rows.lots.push({ streamId, lot });
  for (const record of state.consumptions.values()) rows.consumptions.push({ streamId, record, isNew: true });
  for (const reservation of state.reservations.values()) rows.reservations.push({ streamId, reservation });
  for (const refund of state.moneyRefunds.values()) rows.moneyRefunds.push({ streamId, ...refund });
  for (const refundRequestId of state.refundRequestIds) rows.refundRequests.push({ streamId, refundRequestId });
  for (const [grantId, lotId] of state.grantIds) rows.grants.push({ streamId, grantId, lotId });
}

/**
 * One projection table's rows as column values, in the column order given: what `writeRows`
 * upserts and what replay copies. `key` null = plain INSERT (a duplicate fails); `special` marks
 * text[] columns given as JSON array text.
 */
export interface TableValues {
  name: string;
  columns: string[];
  types: string[];
  key: string[] | null;
  values: unknown[][];
  special?: Record<string, 'jsonarray'>;
}

const consumptionColumns = ['domain', 'reference_id', 'stream_id', 'email', 'credits', 'action_type', 'event_id', 'balance_after', 'draws', 'credits_refunded', 'consumed_at'];
const consumptionTypes = ['text', 'text', 'text', 'text', 'bigint', 'text', 'uuid', 'bigint', 'jsonb', 'bigint', 'timestamptz'];
const consumptionValues = (list: ProjectionRows['consumptions']) =>
  list.map(({ streamId, record: c }) => [c.domain, c.referenceId, streamId, c.email, c.credits, c.actionType, c.eventId, c.balanceAfter, JSON.stringify(c.draws), c.creditsRefunded, c.consumedAt || null]);

/**
 * `rows` as per-table values (table names without prefix: `accounts`, `lots`, …), in the order
 * they are written. Consumption records appear twice: the new ones (key null: a duplicate
 * reference must fail) and the changed ones (upsert on (domain, reference_id)). New records made and
 * refunded in one append are deduped (last state wins) unless `dedupe: false` (replay: one fold of
 * each account yields each record once).
 */
export function tableValues(rows: ProjectionRows, options: { dedupe?: boolean } = {}): TableValues[] {
  const created = rows.consumptions.filter((c) => c.isNew);
  const changed = rows.consumptions.filter((c) => !c.isNew && !created.some((n) => n.record === c.record));
  return [
    { name: 'accounts', columns: ['stream_id', 'email', 'version', 'balance', 'owed_credits', 'open_disputes', 'clawed_back_disputes', 'suspended_subscriptions'],
      types: ['text', 'text', 'int', 'bigint', 'bigint', 'text', 'text', 'text'], key: ['stream_id'],
      values: rows.accounts.map(({ streamId, state: s }) => [streamId, s.email, s.version, s.balance, s.owedCredits,
        JSON.stringify([...s.openDisputes]), JSON.stringify([...s.clawedBackDisputes]), JSON.stringify([...s.suspendedSubscriptions])]),
      special: { open_disputes: 'jsonarray', clawed_back_disputes: 'jsonarray', suspended_subscriptions: 'jsonarray' } },
    { name: 'lots', columns: [...lotColumns], types: lotTypes, key: ['lot_id'], values: rows.lots.map(({ streamId, lot }) => lotValues(streamId, lot)) },
    // A consumption record is the idempotency key of (domain, referenceId): a new one is inserted
    // and must FAIL on a duplicate (two accounts racing on one reference: the loser retries and
    // then sees the winner's record); only a refund's change to an existing record is an upsert.
    { name: 'consumptions', columns: consumptionColumns, types: consumptionTypes, key: null, values: consumptionValues(options.dedupe === false ? created : dedupeLast(created)) },
    { name: 'consumptions', columns: consumptionColumns, types: consumptionTypes, key: ['domain', 'reference_id'], values: consumptionValues(changed) },
    { name: 'reservations', columns: ['reservation_id', 'stream_id', 'domain', 'reference_id', 'credits', 'draws', 'expires_at', 'status', 'credits_captured'],
      types: ['text', 'text', 'text', 'text', 'bigint', 'jsonb', 'timestamptz', 'text', 'bigint'], key: ['reservation_id'],
      values: rows.reservations.map(({ streamId, reservation: r }) => [r.reservationId, streamId, r.domain, r.referenceId, r.credits, JSON.stringify(r.draws), r.expiresAt, r.status, r.creditsCaptured]) },
    { name: 'money_refunds', columns: ['refund_request_id', 'stream_id', 'lot_id', 'credits', 'amount_minor', 'reverted'], types: ['text', 'text', 'text', 'bigint', 'bigint', 'boolean'],
      key: ['refund_request_id'], values: rows.moneyRefunds.map((m) => [m.refundRequestId, m.streamId, m.lotId, m.credits, m.amountMinor, m.reverted]) },
    { name: 'refund_requests', columns: ['refund_request_id', 'stream_id'], types: ['text', 'text'], key: ['stream_id', 'refund_request_id'],
      values: rows.refundRequests.map((r) => [r.refundRequestId, r.streamId]) },
    { name: 'grants', columns: ['grant_id', 'stream_id', 'lot_id'], types: ['text', 'text', 'text'], key: ['stream_id', 'grant_id'], values: rows.grants.map((g) => [g.grantId, g.streamId, g.lotId]) },
    { name: 'purchases', columns: ['checkout_session_id', 'stream_id', 'stripe_event_id', 'lot_id', 'event_id'], types: ['text', 'text', 'text', 'text', 'uuid'], key: ['checkout_session_id'],
      values: rows.purchases.map((p) => [p.checkoutSessionId, p.streamId, p.stripeEventId, p.lotId, p.eventId]) },
    { name: 'history', columns: ['event_id', 'stream_id', 'version', 'domain', 'credits_delta', 'balance_after'], types: ['uuid', 'text', 'int', 'text', 'bigint', 'bigint'], key: ['event_id'],
      values: rows.history.map((h) => [h.eventId, h.streamId, h.version, h.domain, h.creditsDelta, h.balanceAfter]) },
  ];
}

/** Upserts rows into the target tables, one multi-row statement per table. Dedupes within a batch (last wins). */
export async function writeRows(db: Db, rows: ProjectionRows, target: ProjectionTarget = 'ledger'): Promise<void> {
  for (const table of tableValues(rows)) {
    await upsert(db, `${target}_${table.name}`, table.columns, table.types, table.key, table.values, table.special);
  }
}

/** The same record made and refunded in one append: keep one row (the last state). */
function dedupeLast(list: ProjectionRows['consumptions']): ProjectionRows['consumptions'] {
  return [...new Map(list.map((c) => [consumptionKey(c.record.domain, c.record.referenceId), c])).values()];
}

/**
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT (key) DO UPDATE` for many rows in one statement.
 * Columns marked `jsonarray` arrive as JSON text arrays and are stored as text[].
 */
async function upsert(
  db: Db, table: string, columns: string[], types: string[], key: string[] | null, values: unknown[][], special: Record<string, 'jsonarray'> = {},
): Promise<void> {
  if (values.length === 0) return;
  let rows = values;
  if (key) {
    const unique = new Map<string, unknown[]>();
    for (const row of values) unique.set(JSON.stringify(key.map((k) => row[columns.indexOf(k)])), row);
    rows = [...unique.values()];
  }
  const params = columns.map((_, i) => rows.map((row) => row[i]));
  const selects = columns.map((c, i) => (special[c] === 'jsonarray' ? `ARRAY(SELECT jsonb_array_elements_text(u.c${i}::jsonb))` : `u.c${i}`));
  const unnest = columns.map((_, i) => `$${i + 1}::${types[i] === 'jsonb' ? 'text' : types[i]}[]`).join(', ');
  const casts = columns.map((_, i) => (types[i] === 'jsonb' ? `u.c${i}::jsonb` : selects[i]));
  const updates = key ? columns.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`) : [];
  const conflict = key ? `ON CONFLICT (${key.join(', ')}) ${updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}` : '';
  await db.query(
    `INSERT INTO ${table} (${columns.join(', ')})
     SELECT ${casts.join(', ')} FROM unnest(${unnest}) AS u(${columns.map((_, i) => `c${i}`).join(', ')})
     ${conflict}`,
    params,
  );
}
