import { fold, RecordedEvent, SnapshotState, stateToSnapshot } from '@credit-hub/ledger-domain';
import { checkAccount, checkSnapshot, EventRow, ProjectionRows } from './verify/compare';
import { toLine } from './commands/events';
import { problemCount, renderReport } from './commands/reconcile';
import { parseSince, table, UsageError } from './output';

const streamId = 'account-ada@example.com';
const purchased: EventRow = {
  event_id: '00000000-0000-4000-8000-000000000001', stream_id: streamId, version: 1, type: 'CreditsPurchased',
  data: {
    lotId: 'lot-cs_1', email: 'ada@example.com', domain: 'demo.localhost', offeringId: 'starter_3', credits: 10, amountMinor: 500, currency: 'usd',
    stripeEventId: 'evt_1', checkoutSessionId: 'cs_1', paymentIntentId: null, scopeDomain: null, expiresAt: null, purchasedAt: '2026-01-01T00:00:00.000Z',
  },
};
const consumed: EventRow = {
  event_id: '00000000-0000-4000-8000-000000000002', stream_id: streamId, version: 2, type: 'CreditsConsumed',
  data: {
    email: 'ada@example.com', domain: 'demo.localhost', credits: 3, actionType: 'gen', referenceId: 'r1', draws: [{ lotId: 'lot-cs_1', credits: 3 }],
    balanceAfter: 7, consumedAt: '2026-01-01T00:01:00.000Z',
  },
};

function rows(overrides: Partial<ProjectionRows> = {}): ProjectionRows {
  return {
    account: { email: 'ada@example.com', version: 2, balance: '7', owed_credits: '0' },
    lots: [{ lot_id: 'lot-cs_1', credits_initial: '10', credits_remaining: '7', credits_held: '0', credits_expired: '0', credits_refunded_as_money: '0' }],
    consumptions: [{ domain: 'demo.localhost', reference_id: 'r1', credits: '3', credits_refunded: '0', balance_after: '7', event_id: consumed.event_id }],
    reservations: [],
    ...overrides,
  };
}

describe('snapshot verification (fold vs projection rows)', () => {
  it('finds nothing when the rows equal the fold', () => {
    const check = checkAccount(streamId, [purchased, consumed], rows());
    expect(check.differences).toEqual([]);
    expect(check.violations).toEqual([]);
    expect(check.state.balance).toBe(7);
  });

  it('names each differing field, missing row and extra row', () => {
    const check = checkAccount(streamId, [purchased, consumed], rows({
      account: { email: 'ada@example.com', version: 2, balance: 8, owed_credits: 0 },
      lots: [{ lot_id: 'lot-other', credits_initial: 1, credits_remaining: 1, credits_held: 0, credits_expired: 0, credits_refunded_as_money: 0 }],
      consumptions: [],
    }));
    expect(check.differences).toEqual([
      { streamId, table: 'ledger_accounts', key: streamId, field: 'balance', events: 7, projection: 8 },
      { streamId, table: 'ledger_lots', key: 'lot-cs_1', field: 'row', events: '7 remaining', projection: null },
      { streamId, table: 'ledger_lots', key: 'lot-other', field: 'row', events: null, projection: '1 remaining' },
      { streamId, table: 'ledger_consumptions', key: 'demo.localhost/r1', field: 'row', events: '3 credits', projection: null },
    ]);
  });

  it('reports a stream without its account row', () => {
    expect(checkAccount(streamId, [purchased], { account: null, lots: [], consumptions: [], reservations: [] }).differences[0]).toMatchObject({
      table: 'ledger_accounts', field: 'row', projection: null,
    });
  });
});

describe('account snapshot verification (snapshot + tail vs full fold)', () => {
  const recorded = (row: EventRow) => ({ type: row.type, data: row.data, eventId: row.event_id, version: row.version }) as RecordedEvent;
  const full = fold([purchased, consumed].map(recorded));
  /** The snapshot at version 1 as jsonb returns it: the same values, object keys in another order. */
  const reordered = (value: unknown): unknown => Array.isArray(value) ? value.map(reordered)
    : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)])) : value;
  const atVersion1 = reordered(stateToSnapshot(fold([recorded(purchased)]))) as SnapshotState;

  it('finds a sound snapshot sound, whatever the order of its keys', () => {
    expect(checkSnapshot(streamId, { version: 1, state: atVersion1 }, [purchased, consumed], full)).toEqual([]);
  });

  it('names the fields of a snapshot that differ from the full fold', () => {
    const wrong = { ...atVersion1, balance: 9, lots: atVersion1.lots.map((lot) => ({ ...lot, creditsRemaining: 9 })) };
    expect(checkSnapshot(streamId, { version: 1, state: wrong }, [purchased, consumed], full).map((d) => [d.key, d.field, d.events, d.projection])).toEqual([
      [`${streamId}@1`, 'balance', '7', '6'],
      [`${streamId}@1`, 'lots[0].creditsRemaining', '7', '6'],
    ]);
  });

  it('refuses a snapshot past the stream', () => {
    expect(checkSnapshot(streamId, { version: 5, state: atVersion1 }, [purchased, consumed], full)).toEqual([
      { streamId, table: 'ledger_snapshots', key: `${streamId}@5`, field: 'version', events: 2, projection: 5 },
    ]);
  });
});

describe('command helpers', () => {
  it('parses ages and ISO times, and refuses anything else', () => {
    const now = new Date('2026-01-10T00:00:00.000Z');
    expect(parseSince('3d', now).toISOString()).toBe('2026-01-07T00:00:00.000Z');
    expect(parseSince('90m', now).toISOString()).toBe('2026-01-09T22:30:00.000Z');
    expect(parseSince('2026-01-01T12:00:00Z', now).toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(() => parseSince('yesterday', now)).toThrow(UsageError);
  });

  it('prints a consume as a signed line with the balance after', () => {
    const line = toLine({ eventId: 'e', type: 'CreditsConsumed', schemaVersion: 1, streamId, version: 2, position: 9, occurredAt: 't', data: consumed.data as never, metadata: {} }, 12);
    expect(line).toMatchObject({ type: 'CreditsConsumed', customer: 'ada@example.com', domain: 'demo.localhost', credits: -3, balanceAfter: 7, streamSeq: 12, position: 9 });
  });

  it('counts the problems a reconciliation report lists', () => {
    expect(problemCount({ differences: [1, 2], missingInLedger: [3], matched: [4, 5, 6] })).toBe(3);
    expect(problemCount({ matched: 10 })).toBe(0);
  });

  it("renders billing's reconciliation report for humans", () => {
    const lines = renderReport({
      from: '2026-01-01T00:00:00.000Z', to: '2026-01-04T00:00:00.000Z', eventsListed: 3, eventsMissing: ['evt_1', 'evt_2'],
      eventsProcessed: [{ id: 'evt_1', type: 'checkout.session.completed', outcome: 'credited' }], paidSessions: 2, paidInvoices: 0,
      ledgerPurchases: 1, ledgerPlanGrants: 0, findings: [{ kind: 'paid_session_without_purchase', id: 'cs_1', email: 'a@b.c', detail: 'no CreditsPurchased' }], ok: false,
    });
    expect(lines).toContain('  PROCESSED evt_1 checkout.session.completed: credited');
    expect(lines).toContain('  MISSING   evt_2 (listed only)');
    expect(lines).toContain('  FINDING   paid_session_without_purchase cs_1 (a@b.c): no CreditsPurchased');
    expect(lines.at(-1)).toBe('NOT OK: 1 findings');
  });

  it('renders aligned tables', () => {
    expect(table(['A', 'BB'], [['xxx', 1]])).toBe('A    BB\nxxx  1');
  });
});
