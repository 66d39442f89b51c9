import { LedgerEvent } from '@credit-hub/contracts';
import {
  decideClawBack, decideConsume, decideGrant, decidePurchase, decideRefundConsumptions, decideRefundPurchase, decideReserve, ConsumeCredits, purchaseLotId,
} from './credit-account.decide';
import { snapshotToState, stateToSnapshot } from './credit-account.snapshot';
import { fold, RecordedEvent } from './credit-account.state';
import { spendableCredits } from './lot-order';
import { Decide, given } from './test/given';

const now = '2026-11-20T12:00:00.000Z';
const email = 'ada@example.com';

// a.test and b.test belong to builder acct_A; c.test to builder acct_B; p.test is on the platform.
const builders = { 'a.test': 'acct_A', 'b.test': 'acct_A', 'c.test': 'acct_B' };

function purchased(credits: number, session: string, extra: Partial<Record<string, unknown>> = {}): LedgerEvent {
  return {
    type: 'CreditsPurchased',
    data: {
      lotId: purchaseLotId(session), email, domain: 'a.test', offeringId: 'pack', credits, amountMinor: credits * 100,
      currency: 'usd', stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: null,
      scopeDomain: null, expiresAt: null, purchasedAt: now, ...extra,
    },
  } as LedgerEvent;
}

const bought = (credits: number, session: string, account: string | null) => purchased(credits, session, account ? { scopeAccount: account } : {});

function consumed(credits: number, referenceId: string, draws: { lotId: string; credits: number }[], balanceAfter: number, domain = 'a.test'): LedgerEvent {
  return {
    type: 'CreditsConsumed',
    data: { email, domain, credits, actionType: 'gen', referenceId, draws, balanceAfter, consumedAt: now },
  };
}

/** The consume command as a decision of the state (for `given(…).when(…)`). */
function consume(credits: number, referenceId = 'ref-1', overrides: Partial<ConsumeCredits> = {}): Decide {
  return (state) => decideConsume({ email, domain: 'a.test', credits, actionType: 'gen', referenceId, now, ...overrides }, state);
}

function folded(events: LedgerEvent[]) {
  const state = fold(events.map((e, i) => ({ ...e, eventId: `e${i + 1}`, version: i + 1 }) as RecordedEvent));
  state.domainAccounts = new Map(Object.entries(builders));
  return state;
}

describe('decideConsume with credits scoped to a connected Stripe account', () => {
  it("accepts a consumption on another domain of the same builder, drawing the builder's lot", () => {
    given([bought(10, 'cs_a', 'acct_A')], builders)
      .when(consume(4, 'ref-1', { domain: 'b.test' }))
      .thenEmits([consumed(4, 'ref-1', [{ lotId: 'lot_cs_a', credits: 4 }], 6, 'b.test')]);
  });

  it("refuses a consumption on another builder's domain or on the platform as insufficient credits", () => {
    given([bought(10, 'cs_a', 'acct_A')], builders).when(consume(1, 'ref-1', { domain: 'c.test' })).thenRejects('insufficient_credits');
    given([bought(10, 'cs_a', 'acct_A')], builders).when(consume(1, 'ref-1', { domain: 'p.test' })).thenRejects('insufficient_credits');
  });

  it('refuses when the domain mapping was not loaded (no account known for the domain: the platform)', () => {
    given([bought(10, 'cs_a', 'acct_A')]).when(consume(1)).thenRejects('insufficient_credits');
  });

  it('spends platform lots anywhere and a scoped lot only at its builder, in drawing order', () => {
    const history = [bought(3, 'cs_platform', null), bought(5, 'cs_a', 'acct_A')];
    given(history, builders).when(consume(4, 'ref-1', { domain: 'c.test' })).thenRejects('insufficient_credits');
    given(history, builders)
      .when(consume(3, 'ref-1', { domain: 'c.test' }))
      .thenEmits([consumed(3, 'ref-1', [{ lotId: 'lot_cs_platform', credits: 3 }], 5, 'c.test')]);
    given(history, builders).when(consume(7)).thenEmits([consumed(7, 'ref-1', [{ lotId: 'lot_cs_platform', credits: 3 }, { lotId: 'lot_cs_a', credits: 4 }], 1)]);
  });

  it('folds an event written before Connect (no scopeAccount) to a platform lot, spendable everywhere', () => {
    expect(folded([purchased(5, 'cs_old')]).lots[0].scopeAccount).toBeNull();
    given([purchased(5, 'cs_old')], builders)
      .when(consume(5, 'ref-1', { domain: 'p.test' }))
      .thenEmits([consumed(5, 'ref-1', [{ lotId: 'lot_cs_old', credits: 5 }], 0, 'p.test')]);
  });

  it("counts a scoped lot in the spendable balance only on its builder's domains", () => {
    const state = folded([bought(3, 'cs_platform', null), bought(5, 'cs_a', 'acct_A')]);
    expect(['a.test', 'b.test', 'c.test', 'p.test'].map((d) => spendableCredits(state, d, now))).toEqual([8, 8, 3, 3]);
  });

  it("refuses a hold on another builder's domain and accepts one on the builder's", () => {
    const hold = { reservationId: 'rsv_1', email, credits: 2, referenceId: 'job-1', expiresAt: '2026-11-20T13:00:00.000Z', now };
    given([bought(5, 'cs_a', 'acct_A')], builders).when((s) => decideReserve({ ...hold, domain: 'c.test' }, s)).thenRejects('insufficient_credits');
    given([bought(5, 'cs_a', 'acct_A')], builders)
      .when((s) => decideReserve({ ...hold, domain: 'b.test' }, s))
      .thenAccepts((events) => expect(events).toMatchObject([{ type: 'CreditsReserved', data: { draws: [{ lotId: 'lot_cs_a', credits: 2 }] } }]));
  });

  it('refunds a consumption of a scoped lot back to that lot, refunds and claws back the scoped purchase', () => {
    const history = [
      purchased(10, 'cs_a', { scopeAccount: 'acct_A', paymentIntentId: 'pi_a' }),
      consumed(4, 'ref-1', [{ lotId: 'lot_cs_a', credits: 4 }], 6, 'b.test'),
    ];
    given(history, builders)
      .when((s) => decideRefundConsumptions({ email, domain: 'b.test', refundRequestId: 'rr_1', referenceIds: ['ref-1'], creditsMax: null, now }, s))
      .thenAccepts((events) => expect(events).toMatchObject([{ type: 'ConsumptionRefunded', data: { credits: 4, draws: [{ lotId: 'lot_cs_a', credits: 4 }], balanceAfter: 10 } }]));
    given(history, builders)
      .when((s) => decideRefundPurchase({ refundRequestId: 'rr_2', lotId: 'lot_cs_a', now }, s))
      .thenAccepts((events) => expect(events).toMatchObject([{ type: 'PurchaseRefunded', data: { credits: 6, amountMinor: 600, balanceAfter: 0 } }]));
    given(history, builders)
      .when((s) => decideClawBack({ disputeId: 'dp_1', paymentIntentId: 'pi_a', now }, s))
      .thenAccepts((events) => expect(events).toMatchObject([{ type: 'CreditsClawedBack', data: { credits: 6, owedCredits: 4 } }]));
  });

  it('keeps the scope through a snapshot; a snapshot taken before Connect reads as platform lots', () => {
    const snapshot = stateToSnapshot(folded([bought(5, 'cs_a', 'acct_A')]));
    expect(snapshotToState(snapshot).lots[0].scopeAccount).toBe('acct_A');
    const { scopeAccount: _dropped, ...before } = snapshot.lots[0];
    expect(snapshotToState({ ...snapshot, lots: [before as typeof snapshot.lots[0]] }).lots[0].scopeAccount).toBeNull();
  });
});

describe('decideGrant and decidePurchase with a connected account', () => {
  const grant = { lotId: 'lot_g', email, domain: 'a.test', credits: 5, grantId: 'plan:sub_1:1', reason: 'plan', source: 'plan' as const, priority: 0, scopeDomain: null, expiresAt: null, subscriptionId: 'sub_1', now };

  it("scopes a plan's credits to the subscription's connected account, and leaves the field out on the platform", () => {
    const after = given([], builders)
      .when((s) => decideGrant({ ...grant, scopeAccount: 'acct_A' }, s))
      .thenAccepts((events) => expect(events).toMatchObject([{ type: 'CreditsGranted', data: { scopeAccount: 'acct_A' } }]));
    expect(after.lots[0].scopeAccount).toBe('acct_A');
    given([]).when((s) => decideGrant({ ...grant, scopeAccount: null }, s)).thenAccepts((events) => expect('scopeAccount' in events[0].data).toBe(false));
  });

  it("scopes a direct charge's lot to the connected account; a platform sale carries no scope", () => {
    const payment = {
      stripeEventId: 'evt_1', checkoutSessionId: 'cs_1', paymentIntentId: null, domain: 'a.test', offeringId: 'pack', email, credits: 3,
      amountMinor: 500, currency: 'usd', scopeDomain: null, paidAt: now,
    };
    given([]).when((s) => decidePurchase({ payment: { ...payment, connectedAccountId: 'acct_A', applicationFeeMinor: 50 }, now }, s))
      .thenAccepts((events) => expect(events[0].data).toMatchObject({ scopeAccount: 'acct_A', applicationFeeMinor: 50 }));
    given([]).when((s) => decidePurchase({ payment: { ...payment, connectedAccountId: null, applicationFeeMinor: null }, now }, s))
      .thenAccepts((events) => expect('scopeAccount' in events[0].data || 'applicationFeeMinor' in events[0].data).toBe(false));
  });
});
