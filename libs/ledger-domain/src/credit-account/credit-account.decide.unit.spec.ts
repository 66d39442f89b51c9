import { LedgerEvent } from '@credit-hub/contracts';
import {
  decideClawBack, decideConsume, decideGrant, decidePurchase, decideRefundConsumptions, decideRefundPurchase, decideReserve, ConsumeCredits, purchaseLotId,
} from './credit-account.decide';
import { snapshotToState, stateToSnapshot } from './credit-account.snapshot';
import { fold, invariantViolations, RecordedEvent } from './credit-account.state';
import { spendableCredits } from './lot-order';

const now = '2026-11-20T12:00:00.000Z';
const email = 'ada@example.com';

function purchased(credits: number, session = `cs_${credits}`, extra: Partial<Record<string, unknown>> = {}): LedgerEvent {
  return {
    type: 'CreditsPurchased',
    data: {
      lotId: purchaseLotId(session), email, domain: 'a.test', offeringId: 'pack', credits, amountMinor: credits * 100,
      currency: 'usd', stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: null,
      scopeDomain: null, expiresAt: null, purchasedAt: now, ...extra,
    },
  } as LedgerEvent;
}

function consumed(credits: number, referenceId: string, draws: { lotId: string; credits: number }[], balanceAfter: number): LedgerEvent {
  return {
    type: 'CreditsConsumed',
    data: { email, domain: 'a.test', credits, actionType: 'gen', referenceId, draws, balanceAfter, consumedAt: now },
  };
}

function consume(credits: number, referenceId = 'ref-1', overrides: Partial<ConsumeCredits> = {}): ConsumeCredits {
  return { email, domain: 'a.test', credits, actionType: 'gen', referenceId, now, ...overrides };
}

/** The loader's domain → accounts map from `{ domain: account or accounts }`. */
function accountsOf(domainAccounts: Record<string, string | string[]>): Map<string, string[]> {
  return new Map(Object.entries(domainAccounts).map(([domain, a]) => [domain, Array.isArray(a) ? a : [a]]));
}

/**
 * given(events).when(command): folds the history, decides, and checks invariants before and after.
 * `domainAccounts`: the connected Stripe account(s) of each domain (every account it has ever been
 * connected to), as the ledger's loader provides them.
 */
function given(events: LedgerEvent[], domainAccounts: Record<string, string | string[]> = {}) {
  const recorded: RecordedEvent[] = events.map((e, i) => ({ ...e, eventId: `e${i + 1}`, version: i + 1 }) as RecordedEvent);
  const state = fold(recorded);
  state.domainAccounts = accountsOf(domainAccounts);
  expect(invariantViolations(state)).toEqual([]);
  return {
    when(command: ConsumeCredits) {
      const decision = decideConsume(command, state);
      return {
        thenRejects(code: string) {
          expect(decision).toEqual({ outcome: 'rejected', code });
        },
        thenEmits(expected: LedgerEvent[]) {
          expect(decision).toEqual({ outcome: 'accepted', events: expected });
          const after = fold([...recorded, ...expected.map((e, i) => ({ ...e, eventId: `n${i}`, version: recorded.length + i + 1 }) as RecordedEvent)]);
          expect(invariantViolations(after)).toEqual([]);
        },
        thenRepeats(eventId: string, balance: number) {
          expect(decision).toEqual({ outcome: 'repeated', eventId, balance });
        },
      };
    },
  };
}

describe('decideConsume', () => {
  it('refuses more credits than the balance, writing nothing', () => {
    given([purchased(10)]).when(consume(11)).thenRejects('insufficient_credits');
  });

  it('accepts exactly the balance (edge: 0 left)', () => {
    given([purchased(10)]).when(consume(10)).thenEmits([consumed(10, 'ref-1', [{ lotId: 'lot_cs_10', credits: 10 }], 0)]);
  });

  it('refuses one credit on an empty account', () => {
    given([]).when(consume(1)).thenRejects('insufficient_credits');
  });

  it('returns the first answer to an identical repeat, with no new event', () => {
    given([purchased(10), consumed(3, 'ref-1', [{ lotId: 'lot_cs_10', credits: 3 }], 7)]).when(consume(3, 'ref-1')).thenRepeats('e2', 7);
  });

  it('refuses a reused reference with other credits, actionType or customer as a conflict', () => {
    const history = [purchased(10), consumed(3, 'ref-1', [{ lotId: 'lot_cs_10', credits: 3 }], 7)];
    given(history).when(consume(4, 'ref-1')).thenRejects('reference_conflict');
    given(history).when(consume(3, 'ref-1', { actionType: 'other' })).thenRejects('reference_conflict');
    given(history).when(consume(3, 'ref-1', { email: 'bob@example.com' })).thenRejects('reference_conflict');
  });

  it('checks the conflict before the balance (fixed order of refusals)', () => {
    given([purchased(1), consumed(1, 'ref-1', [{ lotId: 'lot_cs_1', credits: 1 }], 0)]).when(consume(5, 'ref-1')).thenRejects('reference_conflict');
  });

  it('draws the oldest lot first and spans lots', () => {
    given([purchased(2, 'cs_old'), purchased(5, 'cs_new')])
      .when(consume(4))
      .thenEmits([consumed(4, 'ref-1', [{ lotId: 'lot_cs_old', credits: 2 }, { lotId: 'lot_cs_new', credits: 2 }], 3)]);
  });

  it('draws the lot expiring soonest first and ignores expired lots', () => {
    given([
      purchased(5, 'cs_forever'),
      purchased(5, 'cs_soon', { expiresAt: '2026-12-01T00:00:00.000Z' }),
      purchased(5, 'cs_gone', { expiresAt: now }),
    ])
      .when(consume(6))
      .thenEmits([consumed(6, 'ref-1', [{ lotId: 'lot_cs_soon', credits: 5 }, { lotId: 'lot_cs_forever', credits: 1 }], 9)]);
  });

  it('never draws a lot restricted to another domain', () => {
    given([purchased(5, 'cs_scoped', { scopeDomain: 'b.test' })]).when(consume(1)).thenRejects('insufficient_credits');
  });
});

describe('decideConsume with credits scoped to a connected Stripe account', () => {
  // a.test and b.test belong to builder acct_A; c.test to builder acct_B; p.test is on the platform.
  const builders = { 'a.test': 'acct_A', 'b.test': 'acct_A', 'c.test': 'acct_B' };
  const bought = (credits: number, session: string, account: string | null) => purchased(credits, session, account ? { scopeAccount: account } : {});

  it("accepts a consumption on another domain of the same builder, drawing the builder's lot", () => {
    given([bought(10, 'cs_a', 'acct_A')], builders)
      .when(consume(4, 'ref-1', { domain: 'b.test' }))
      .thenEmits([{ ...consumed(4, 'ref-1', [{ lotId: 'lot_cs_a', credits: 4 }], 6), data: { ...consumed(4, 'ref-1', [{ lotId: 'lot_cs_a', credits: 4 }], 6).data, domain: 'b.test' } } as LedgerEvent]);
  });

  it("refuses a consumption on another builder's domain or on the platform as insufficient credits", () => {
    given([bought(10, 'cs_a', 'acct_A')], builders).when(consume(1, 'ref-1', { domain: 'c.test' })).thenRejects('insufficient_credits');
    given([bought(10, 'cs_a', 'acct_A')], builders).when(consume(1, 'ref-1', { domain: 'p.test' })).thenRejects('insufficient_credits');
  });

  it('spends a lot bought on an old account on a domain reconnected with a new one, never on a domain only ever on another account', () => {
    // a.test was on acct_A, deauthorized, reconnected with acct_N; d.test was only ever on acct_N.
    const history = { 'a.test': ['acct_A', 'acct_N'], 'd.test': ['acct_N'] };
    given([bought(10, 'cs_a', 'acct_A')], history)
      .when(consume(4))
      .thenEmits([consumed(4, 'ref-1', [{ lotId: 'lot_cs_a', credits: 4 }], 6)]);
    given([bought(10, 'cs_a', 'acct_A')], history).when(consume(1, 'ref-1', { domain: 'd.test' })).thenRejects('insufficient_credits');
  });

  it('refuses when the domain mapping was not loaded (no account known for the domain: the platform)', () => {
    given([bought(10, 'cs_a', 'acct_A')]).when(consume(1)).thenRejects('insufficient_credits');
  });

  it('spends platform lots anywhere and a scoped lot only at its builder, in drawing order', () => {
    const history = [bought(3, 'cs_platform', null), bought(5, 'cs_a', 'acct_A')];
    given(history, builders).when(consume(4, 'ref-1', { domain: 'c.test' })).thenRejects('insufficient_credits');
    given(history, builders)
      .when(consume(3, 'ref-1', { domain: 'c.test' }))
      .thenEmits([{ type: 'CreditsConsumed', data: { ...consumed(3, 'ref-1', [{ lotId: 'lot_cs_platform', credits: 3 }], 5).data, domain: 'c.test' } }]);
    given(history, builders).when(consume(7)).thenEmits([consumed(7, 'ref-1', [{ lotId: 'lot_cs_platform', credits: 3 }, { lotId: 'lot_cs_a', credits: 4 }], 1)]);
  });

  it('folds an event written before Connect (no scopeAccount) to a platform lot, spendable everywhere', () => {
    const state = fold([{ ...purchased(5, 'cs_old'), eventId: 'e1', version: 1 } as RecordedEvent]);
    expect(state.lots[0].scopeAccount).toBeNull();
    given([purchased(5, 'cs_old')], builders)
      .when(consume(5, 'ref-1', { domain: 'p.test' }))
      .thenEmits([{ type: 'CreditsConsumed', data: { ...consumed(5, 'ref-1', [{ lotId: 'lot_cs_old', credits: 5 }], 0).data, domain: 'p.test' } }]);
  });

  it('counts a scoped lot in the spendable balance only on its builder\'s domains', () => {
    const state = fold([{ ...bought(3, 'cs_platform', null), eventId: 'e1', version: 1 }, { ...bought(5, 'cs_a', 'acct_A'), eventId: 'e2', version: 2 }] as RecordedEvent[]);
    state.domainAccounts = accountsOf(builders);
    expect(['a.test', 'b.test', 'c.test', 'p.test'].map((d) => spendableCredits(state, d, now))).toEqual([8, 8, 3, 3]);
  });

  it("refuses a hold on another builder's domain and accepts one on the builder's", () => {
    const state = fold([{ ...bought(5, 'cs_a', 'acct_A'), eventId: 'e1', version: 1 } as RecordedEvent]);
    state.domainAccounts = accountsOf(builders);
    const hold = { reservationId: 'rsv_1', email, credits: 2, referenceId: 'job-1', expiresAt: '2026-11-20T13:00:00.000Z', now };
    expect(decideReserve({ ...hold, domain: 'c.test' }, state)).toEqual({ outcome: 'rejected', code: 'insufficient_credits' });
    expect(decideReserve({ ...hold, domain: 'b.test' }, state)).toMatchObject({ outcome: 'accepted', events: [{ type: 'CreditsReserved', data: { draws: [{ lotId: 'lot_cs_a', credits: 2 }] } }] });
  });

  it('refunds a consumption of a scoped lot back to that lot, refunds and claws back the scoped purchase', () => {
    const history = [
      { ...bought(10, 'cs_a', 'acct_A'), data: { ...bought(10, 'cs_a', 'acct_A').data, paymentIntentId: 'pi_a' } } as LedgerEvent,
      { type: 'CreditsConsumed', data: { ...consumed(4, 'ref-1', [{ lotId: 'lot_cs_a', credits: 4 }], 6).data, domain: 'b.test' } } as LedgerEvent,
    ];
    const state = fold(history.map((e, i) => ({ ...e, eventId: `e${i + 1}`, version: i + 1 }) as RecordedEvent));
    const refund = decideRefundConsumptions({ email, domain: 'b.test', refundRequestId: 'rr_1', referenceIds: ['ref-1'], creditsMax: null, now }, state);
    expect(refund).toMatchObject({ outcome: 'accepted', events: [{ type: 'ConsumptionRefunded', data: { credits: 4, draws: [{ lotId: 'lot_cs_a', credits: 4 }], balanceAfter: 10 } }] });
    expect(decideRefundPurchase({ refundRequestId: 'rr_2', lotId: 'lot_cs_a', now }, state)).toMatchObject({
      outcome: 'accepted', events: [{ type: 'PurchaseRefunded', data: { credits: 6, amountMinor: 600, balanceAfter: 0 } }],
    });
    expect(decideClawBack({ disputeId: 'dp_1', paymentIntentId: 'pi_a', now }, state)).toMatchObject({
      outcome: 'accepted', events: [{ type: 'CreditsClawedBack', data: { credits: 6, owedCredits: 4 } }],
    });
  });

  it('keeps the scope through a snapshot; a snapshot taken before Connect reads as platform lots', () => {
    const state = fold([{ ...bought(5, 'cs_a', 'acct_A'), eventId: 'e1', version: 1 } as RecordedEvent]);
    const snapshot = stateToSnapshot(state);
    expect(snapshotToState(snapshot).lots[0].scopeAccount).toBe('acct_A');
    const { scopeAccount: _dropped, ...before } = snapshot.lots[0];
    expect(snapshotToState({ ...snapshot, lots: [before as typeof snapshot.lots[0]] }).lots[0].scopeAccount).toBeNull();
  });
});

describe('decideGrant with a connected account', () => {
  const grant = { lotId: 'lot_g', email, domain: 'a.test', credits: 5, grantId: 'plan:sub_1:1', reason: 'plan', source: 'plan' as const, priority: 0, scopeDomain: null, expiresAt: null, subscriptionId: 'sub_1', now };

  it("scopes a plan's credits to the subscription's connected account, and leaves the field out on the platform", () => {
    const scoped = decideGrant({ ...grant, scopeAccount: 'acct_A' }, fold([]));
    expect(scoped).toMatchObject({ outcome: 'accepted', events: [{ type: 'CreditsGranted', data: { scopeAccount: 'acct_A' } }] });
    const platform = decideGrant({ ...grant, scopeAccount: null }, fold([]));
    expect(platform.outcome === 'accepted' && 'scopeAccount' in platform.events[0].data).toBe(false);
    const lot = fold([{ ...(scoped as { events: LedgerEvent[] }).events[0], eventId: 'e1', version: 1 } as RecordedEvent]).lots[0];
    expect(lot.scopeAccount).toBe('acct_A');
  });
});

describe('decidePurchase', () => {
  const payment = {
    stripeEventId: 'evt_1', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1', domain: 'a.test', offeringId: 'starter_3',
    email, credits: 3, amountMinor: 500, currency: 'usd', scopeDomain: null, paidAt: now,
  };

  it('creates one paid lot named after the checkout session, with its price', () => {
    const events = decidePurchase({ payment, now }, fold([]));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'CreditsPurchased', data: { lotId: 'lot_cs_1', credits: 3, amountMinor: 500, currency: 'usd' } });
  });

  it("scopes a direct charge's lot to the connected account; a platform sale carries no scope", () => {
    const [connected] = decidePurchase({ payment: { ...payment, connectedAccountId: 'acct_A', applicationFeeMinor: 50 }, now }, fold([]));
    expect(connected.data).toMatchObject({ scopeAccount: 'acct_A', applicationFeeMinor: 50 });
    const [platform] = decidePurchase({ payment: { ...payment, connectedAccountId: null, applicationFeeMinor: null }, now }, fold([]));
    expect('scopeAccount' in platform.data || 'applicationFeeMinor' in platform.data).toBe(false);
  });

  it('emits nothing for a checkout session already credited, whatever the Stripe event id', () => {
    const state = fold([{ ...purchased(3, 'cs_1'), eventId: 'e1', version: 1 } as RecordedEvent]);
    expect(decidePurchase({ payment: { ...payment, stripeEventId: 'evt_other' }, now }, state)).toEqual([]);
  });
});
