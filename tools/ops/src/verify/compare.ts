import {
  consumptionKey, CreditAccount, evolve, fold, invariantViolations, RecordedEvent, snapshotToState, SnapshotState, stateToSnapshot,
} from '@credit-hub/ledger-domain';

/**
 * The pure half of `snapshot verify` and of `replay --customer/--domain/--from-*`: fold an
 * account's events with the ledger's own `fold` and compare the result with the projection rows
 * the ledger wrote in each append's transaction (its per-account snapshot). No I/O here.
 */

/** One `ledger_events` row as read by the verifier. */
export interface EventRow {
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  data: unknown;
}

/** The projection rows of one account, as read (bigint columns may arrive as strings). */
export interface ProjectionRows {
  account: { email: string; version: number; balance: string | number; owed_credits: string | number } | null;
  lots: { lot_id: string; credits_initial: string | number; credits_remaining: string | number; credits_held: string | number;
    credits_expired: string | number; credits_refunded_as_money: string | number }[];
  consumptions: { domain: string; reference_id: string; credits: string | number; credits_refunded: string | number;
    balance_after: string | number; event_id: string }[];
  reservations: { reservation_id: string; status: string; credits: string | number; credits_captured: string | number }[];
}

/** A field whose projection value differs from the fold of the events. */
export interface Difference {
  streamId: string;
  table: string;
  key: string;
  field: string;
  /** What the events say (the fold). */
  events: string | number | null;
  /** What the projection row says. */
  projection: string | number | null;
}

export interface AccountCheck {
  streamId: string;
  events: number;
  state: CreditAccount;
  differences: Difference[];
  violations: string[];
}

/** Folds `events` (one stream, version order) and compares with `rows`. */
export function checkAccount(streamId: string, events: EventRow[], rows: ProjectionRows): AccountCheck {
  const state = fold(events.map((row) => ({ type: row.type, data: row.data, eventId: row.event_id, version: row.version }) as RecordedEvent));
  const differences: Difference[] = [];
  const differ = (table: string, key: string, field: string, expected: string | number | null, actual: string | number | null) => {
    if (expected !== actual) differences.push({ streamId, table, key, field, events: expected, projection: actual });
  };
  const num = (value: string | number) => Number(value);

  if (rows.account === null) {
    if (state.version > 0) differences.push({ streamId, table: 'ledger_accounts', key: streamId, field: 'row', events: `version ${state.version}`, projection: null });
  } else {
    const a = rows.account;
    differ('ledger_accounts', streamId, 'version', state.version, a.version);
    differ('ledger_accounts', streamId, 'balance', state.balance, num(a.balance));
    differ('ledger_accounts', streamId, 'owed_credits', state.owedCredits, num(a.owed_credits));
    if (state.version > 0) differ('ledger_accounts', streamId, 'email', state.email, a.email);
  }

  const liveLots = new Map(rows.lots.map((l) => [l.lot_id, l]));
  for (const lot of state.lots) {
    const live = liveLots.get(lot.lotId);
    liveLots.delete(lot.lotId);
    if (!live) {
      differences.push({ streamId, table: 'ledger_lots', key: lot.lotId, field: 'row', events: `${lot.creditsRemaining} remaining`, projection: null });
      continue;
    }
    differ('ledger_lots', lot.lotId, 'credits_initial', lot.creditsInitial, num(live.credits_initial));
    differ('ledger_lots', lot.lotId, 'credits_remaining', lot.creditsRemaining, num(live.credits_remaining));
    differ('ledger_lots', lot.lotId, 'credits_held', lot.creditsHeld, num(live.credits_held));
    differ('ledger_lots', lot.lotId, 'credits_expired', lot.creditsExpired, num(live.credits_expired));
    differ('ledger_lots', lot.lotId, 'credits_refunded_as_money', lot.creditsRefundedAsMoney, num(live.credits_refunded_as_money));
  }
  for (const [lotId, live] of liveLots) {
    differences.push({ streamId, table: 'ledger_lots', key: lotId, field: 'row', events: null, projection: `${num(live.credits_remaining)} remaining` });
  }

  const liveConsumptions = new Map(rows.consumptions.map((c) => [consumptionKey(c.domain, c.reference_id), c]));
  for (const [key, record] of state.consumptions) {
    const label = `${record.domain}/${record.referenceId}`;
    const live = liveConsumptions.get(key);
    liveConsumptions.delete(key);
    if (!live) {
      differences.push({ streamId, table: 'ledger_consumptions', key: label, field: 'row', events: `${record.credits} credits`, projection: null });
      continue;
    }
    differ('ledger_consumptions', label, 'credits', record.credits, num(live.credits));
    differ('ledger_consumptions', label, 'credits_refunded', record.creditsRefunded, num(live.credits_refunded));
    differ('ledger_consumptions', label, 'balance_after', record.balanceAfter, num(live.balance_after));
    differ('ledger_consumptions', label, 'event_id', record.eventId, live.event_id);
  }
  for (const live of liveConsumptions.values()) {
    differences.push({ streamId, table: 'ledger_consumptions', key: `${live.domain}/${live.reference_id}`, field: 'row', events: null, projection: `${num(live.credits)} credits` });
  }

  const liveReservations = new Map(rows.reservations.map((r) => [r.reservation_id, r]));
  for (const [id, reservation] of state.reservations) {
    const live = liveReservations.get(id);
    liveReservations.delete(id);
    if (!live) {
      differences.push({ streamId, table: 'ledger_reservations', key: id, field: 'row', events: reservation.status, projection: null });
      continue;
    }
    differ('ledger_reservations', id, 'status', reservation.status, live.status);
    differ('ledger_reservations', id, 'credits', reservation.credits, num(live.credits));
    differ('ledger_reservations', id, 'credits_captured', reservation.creditsCaptured, num(live.credits_captured));
  }
  for (const [id, live] of liveReservations) {
    differences.push({ streamId, table: 'ledger_reservations', key: id, field: 'row', events: null, projection: live.status });
  }

  return { streamId, events: events.length, state, differences, violations: invariantViolations(state) };
}

/** The latest snapshot of one account, as read from ledger_snapshots. */
export interface SnapshotRow {
  version: number;
  state: SnapshotState;
}

/**
 * Checks a snapshot: its state folded on with the account's events after its version must equal
 * `full` (the fold of the whole stream), value by value of the snapshot JSON (object key order
 * ignored). Returns each differing value by its path, e.g. `balance` or `lots[0].creditsRemaining`
 * (table `ledger_snapshots`, key `<streamId>@<version>`; at most 50); empty when it is sound.
 */
export function checkSnapshot(streamId: string, snapshot: SnapshotRow, events: EventRow[], full: CreditAccount): Difference[] {
  const state = snapshotToState(snapshot.state);
  for (const row of events) {
    if (row.version > snapshot.version) evolve(state, { type: row.type, data: row.data, eventId: row.event_id, version: row.version } as RecordedEvent);
  }
  const fromSnapshot = stateToSnapshot(state) as unknown as Record<string, unknown>;
  const fromEvents = stateToSnapshot(full) as unknown as Record<string, unknown>;
  const differences: Difference[] = [];
  const key = `${streamId}@${snapshot.version}`;
  if (snapshot.version > full.version) {
    differences.push({ streamId, table: 'ledger_snapshots', key, field: 'version', events: full.version, projection: snapshot.version });
    return differences;
  }
  const walk = (path: string, expected: unknown, actual: unknown) => {
    if (differences.length >= 50 || canonical(expected) === canonical(actual)) return;
    const bothObjects = isObject(expected) && isObject(actual);
    const bothArrays = Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length;
    if (bothArrays) (expected as unknown[]).forEach((item, i) => walk(`${path}[${i}]`, item, (actual as unknown[])[i]));
    else if (bothObjects) {
      const keys = [...new Set([...Object.keys(expected as object), ...Object.keys(actual as object)])];
      for (const k of keys) walk(`${path}.${k}`, (expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]);
    } else differences.push({ streamId, table: 'ledger_snapshots', key, field: path, events: shorten(canonical(expected)), projection: shorten(canonical(actual)) });
  };
  for (const field of Object.keys(fromEvents)) walk(field, fromEvents[field], fromSnapshot[field]);
  return differences;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON with object keys sorted (jsonb stores keys in its own order; only values count). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
