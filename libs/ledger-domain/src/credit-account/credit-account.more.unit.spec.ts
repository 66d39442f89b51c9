import { LedgerEvent } from '@credit-hub/contracts';
import {
  decideCapture, decideClawBack, decideConsume, decideExpiry, decideExternalRefund, decideFreeze, decideGrant, decideRefundConsumptions, decideRefundPurchase,
  decidePlanEnd, decideRelease, decideReserve, decideRevertPurchaseRefund, decideSuspendPlan, decideUnfreeze, GrantCredits, nextExpiryAt, purchaseRefundOffer, refundAmountMinor,
} from './credit-account.decide';
import { CreditAccount, evolve, initialState, invariantViolations, RecordedEvent } from './credit-account.state';
import { spendableCredits } from './lot-order';

const t0 = '2026-11-20T12:00:00.000Z';
const later = (hours: number) => new Date(Date.parse(t0) + hours * 3_600_000).toISOString();
const email = 'ada@example.com';
const domain = 'a.test';

/** A tiny event-sourced account for tests: apply accepted decisions, keep checking invariants. */
class Account {
  state: CreditAccount = initialState();
  private version = 0;
  apply(events: LedgerEvent[]): LedgerEvent[] {
    for (const event of events) evolve(this.state, { ...event, eventId: `e${++this.version}`, version: this.version } as RecordedEvent);
    expect(invariantViolations(this.state)).toEqual([]);
    return events;
  }
  accepted(decision: { outcome: string; events?: LedgerEvent[] }): LedgerEvent[] {
    expect(decision.outcome).toBe('accepted');
    return this.apply(decision.events ?? []);
  }
  buy(credits: number, session: string, amountMinor = credits * 100) {
    return this.apply([{ type: 'CreditsPurchased', data: {
      lotId: `lot_${session}`, email, domain, offeringId: 'pack', credits, amountMinor, currency: 'usd', stripeEventId: `evt_${session}`,
      checkoutSessionId: session, paymentIntentId: `pi_${session}`, scopeDomain: null, expiresAt: null, purchasedAt: t0 } }]);
  }
  grant(credits: number, grantId: string, extra: Partial<GrantCredits> = {}) {
    return this.accepted(decideGrant({ lotId: `lot_grant_${grantId}`, email, domain, credits, grantId, reason: 'promo', source: 'manual', priority: 0, scopeDomain: null, expiresAt: null, subscriptionId: null, now: t0, ...extra }, this.state));
  }
  consume(credits: number, referenceId: string, now = t0) {
    return decideConsume({ email, domain, credits, actionType: 'gen', referenceId, now }, this.state);
  }
  spendable(now = t0) {
    return spendableCredits(this.state, domain, now);
  }
}

function draws(events: LedgerEvent[]): unknown {
  return (events[0].data as { draws: unknown }).draws;
}

describe('grants and the order lots are drawn in', () => {
  it('draws expiring soonest, then higher priority, then granted before paid, then oldest', () => {
    const a = new Account();
    a.buy(5, 'cs_paid');
    a.grant(5, 'g_plain');
    a.grant(5, 'g_priority', { priority: 10 });
    a.grant(5, 'g_expiring', { expiresAt: later(48) });
    const decision = a.consume(16, 'r1');
    expect(decision.outcome).toBe('accepted');
    expect(draws((decision as { events: LedgerEvent[] }).events)).toEqual([
      { lotId: 'lot_grant_g_expiring', credits: 5 },
      { lotId: 'lot_grant_g_priority', credits: 5 },
      { lotId: 'lot_grant_g_plain', credits: 5 },
      { lotId: 'lot_cs_paid', credits: 1 },
    ]);
  });

  it('applies a grant id once', () => {
    const a = new Account();
    a.grant(5, 'g1');
    expect(decideGrant({ lotId: 'lot_other', email, domain, credits: 5, grantId: 'g1', reason: 'again', source: 'manual', priority: 0, scopeDomain: null, expiresAt: null, subscriptionId: null, now: t0 }, a.state).outcome).toBe('repeated');
    expect(a.state.balance).toBe(5);
  });

  it('keeps a domain-restricted lot to its domain', () => {
    const a = new Account();
    a.grant(5, 'g_scoped', { scopeDomain: 'b.test' });
    expect(a.spendable()).toBe(0);
    expect(spendableCredits(a.state, 'b.test', t0)).toBe(5);
  });
});

describe('expiry', () => {
  it('removes an expired lot\'s credits at its expiry time, once, and not before', () => {
    const a = new Account();
    a.grant(5, 'g', { expiresAt: later(1) });
    expect(decideExpiry(a.state, later(0.5))).toEqual([]);
    expect(nextExpiryAt(a.state)).toBe(later(1));
    const events = a.apply(decideExpiry(a.state, later(1)));
    expect(events).toEqual([{ type: 'CreditsExpired', data: { lotId: 'lot_grant_g', credits: 5, balanceAfter: 0, expiredAt: later(1) } }]);
    expect(decideExpiry(a.state, later(2))).toEqual([]);
    expect(nextExpiryAt(a.state)).toBeNull();
  });

  it('releases an expired hold before expiring the lots, deterministically', () => {
    const a = new Account();
    a.grant(10, 'g', { expiresAt: later(5) });
    a.accepted(decideReserve({ reservationId: 'rs1', email, domain, credits: 4, referenceId: 'job1', expiresAt: later(1), now: t0 }, a.state));
    const first = decideExpiry(a.state, later(1));
    expect(first.map((e) => e.type)).toEqual(['ReservationReleased']);
    a.apply(first);
    expect(a.spendable(later(1))).toBe(10);
    expect(a.apply(decideExpiry(a.state, later(5))).map((e) => e.type)).toEqual(['CreditsExpired']);
    expect(a.state.balance).toBe(0);
  });
});

describe('reservations', () => {
  it('makes held credits unspendable, captures part and releases the rest', () => {
    const a = new Account();
    a.buy(10, 'cs');
    a.accepted(decideReserve({ reservationId: 'rs1', email, domain, credits: 8, referenceId: 'job1', expiresAt: later(1), now: t0 }, a.state));
    expect(a.spendable()).toBe(2);
    expect(a.consume(3, 'r1')).toEqual({ outcome: 'rejected', code: 'insufficient_credits' });
    a.accepted(decideCapture({ reservationId: 'rs1', domain, credits: 5, actionType: 'video', now: t0 }, a.state));
    expect(a.state.balance).toBe(5);
    expect(a.spendable()).toBe(5);
    expect(decideCapture({ reservationId: 'rs1', domain, credits: 5, actionType: 'video', now: t0 }, a.state).outcome).toBe('repeated');
    expect(decideRelease({ reservationId: 'rs1', domain, now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'reservation_closed' });
  });

  it('refuses capturing more than reserved (±1), an unknown or foreign hold, and repeats a release', () => {
    const a = new Account();
    a.buy(10, 'cs');
    a.accepted(decideReserve({ reservationId: 'rs1', email, domain, credits: 4, referenceId: 'job1', expiresAt: later(1), now: t0 }, a.state));
    expect(decideCapture({ reservationId: 'rs1', domain, credits: 5, actionType: 'x', now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'capture_exceeds_reservation' });
    a.accepted(decideCapture({ reservationId: 'rs1', domain, credits: 4, actionType: 'x', now: t0 }, a.state)); // exactly the reservation
    expect(decideCapture({ reservationId: 'rs1', domain: 'other.test', credits: 1, actionType: 'x', now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'reservation_not_found' });
    a.accepted(decideReserve({ reservationId: 'rs2', email, domain, credits: 4, referenceId: 'job2', expiresAt: later(1), now: t0 }, a.state));
    a.accepted(decideRelease({ reservationId: 'rs2', domain, now: t0 }, a.state));
    expect(decideRelease({ reservationId: 'rs2', domain, now: t0 }, a.state).outcome).toBe('repeated');
    expect(a.spendable()).toBe(6); // 10 bought, 4 captured, the released hold is spendable again
  });

  it('repeats a reserve with the same referenceId and refuses other credits', () => {
    const a = new Account();
    a.buy(10, 'cs');
    a.accepted(decideReserve({ reservationId: 'rs1', email, domain, credits: 4, referenceId: 'job1', expiresAt: later(1), now: t0 }, a.state));
    expect(decideReserve({ reservationId: 'rs-new', email, domain, credits: 4, referenceId: 'job1', expiresAt: later(1), now: t0 }, a.state)).toEqual({ outcome: 'repeated', answer: { reservationId: 'rs1' } });
    expect(decideReserve({ reservationId: 'rs-new', email, domain, credits: 5, referenceId: 'job1', expiresAt: later(1), now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'reference_conflict' });
    expect(a.consume(1, 'job1')).toEqual({ outcome: 'rejected', code: 'reference_conflict' }); // a hold's referenceId is taken
  });
});

describe('credit refunds', () => {
  it('returns credits to the very lots they came from, keeping paid as paid and expiry as it was', () => {
    const a = new Account();
    a.grant(2, 'g', { expiresAt: later(24) });
    a.buy(5, 'cs');
    a.accepted(a.consume(4, 'r1'));
    const events = a.accepted(decideRefundConsumptions({ email, domain, refundRequestId: 'rr1', referenceIds: ['r1'], creditsMax: null, now: t0 }, a.state));
    expect(draws(events)).toEqual([{ lotId: 'lot_cs', credits: 2 }, { lotId: 'lot_grant_g', credits: 2 }]);
    expect(a.state.lots.map((l) => [l.lotId, l.creditsRemaining, l.expiresAt])).toEqual([['lot_grant_g', 2, later(24)], ['lot_cs', 5, null]]);
  });

  it('never refunds more than was consumed: a second request finds nothing; the same request repeats', () => {
    const a = new Account();
    a.buy(5, 'cs');
    a.accepted(a.consume(3, 'r1'));
    a.accepted(decideRefundConsumptions({ email, domain, refundRequestId: 'rr1', referenceIds: ['r1'], creditsMax: 2, now: t0 }, a.state));
    a.accepted(decideRefundConsumptions({ email, domain, refundRequestId: 'rr2', referenceIds: ['r1', 'r1'], creditsMax: null, now: t0 }, a.state));
    expect(a.state.balance).toBe(5);
    expect(decideRefundConsumptions({ email, domain, refundRequestId: 'rr3', referenceIds: ['r1'], creditsMax: null, now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'nothing_to_refund' });
    expect(decideRefundConsumptions({ email, domain, refundRequestId: 'rr1', referenceIds: ['r1'], creditsMax: null, now: t0 }, a.state).outcome).toBe('repeated');
    expect(decideRefundConsumptions({ email, domain, refundRequestId: 'rr4', referenceIds: ['unknown'], creditsMax: null, now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'consumption_not_found' });
  });
});

describe('credit refunds of a window: the ledger picks the consumptions itself', () => {
  it('returns every consumption since the window start, newest first, up to creditsMax; never one before it', () => {
    const a = new Account();
    a.buy(50, 'cs');
    a.accepted(a.consume(4, 'old', later(-48)));
    for (let i = 1; i <= 5; i++) a.accepted(a.consume(i, `r${i}`, later(i / 60)));
    const now = later(1);
    const all = a.accepted(decideRefundConsumptions({ email, domain, refundRequestId: 'rr1', consumedSince: later(-24), creditsMax: null, now }, a.state));
    expect(all.map((e) => (e.data as { referenceId: string }).referenceId)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    expect(all.reduce((sum, e) => sum + (e.data as { credits: number }).credits, 0)).toBe(15);
    // Nothing refunds twice: another request of the same window finds nothing; the same one repeats.
    expect(decideRefundConsumptions({ email, domain, refundRequestId: 'rr2', consumedSince: later(-24), creditsMax: null, now }, a.state)).toEqual({ outcome: 'rejected', code: 'nothing_to_refund' });
    expect(decideRefundConsumptions({ email, domain, refundRequestId: 'rr1', consumedSince: later(-24), creditsMax: null, now }, a.state).outcome).toBe('repeated');
  });

  it('takes the newest first under a cap, the last one in part, and another domain never', () => {
    const a = new Account();
    a.buy(50, 'cs');
    a.accepted(decideConsume({ email, domain: 'b.test', credits: 9, actionType: 'gen', referenceId: 'elsewhere', now: later(0.5) }, a.state));
    a.accepted(a.consume(3, 'r1', later(1 / 60)));
    a.accepted(a.consume(3, 'r2', later(2 / 60)));
    const events = a.accepted(decideRefundConsumptions({ email, domain, refundRequestId: 'rr1', consumedSince: later(-1), creditsMax: 4, now: later(1) }, a.state));
    expect(events.map((e) => [(e.data as { referenceId: string }).referenceId, (e.data as { credits: number }).credits])).toEqual([['r2', 3], ['r1', 1]]);
  });
});

describe('money refund offer: what the offer says is what the refund pays', () => {
  it.each([
    // credits bought, amount, held by a reservation, consumed → credits and amount offered and paid
    [100, 4900, 90, 0, 10, 490],
    [100, 4900, 0, 0, 100, 4900],
    [100, 4900, 0, 99, 1, 49],
    [3, 500, 1, 1, 1, 166],
    [10, 1000, 10, 0, 0, 0],
  ])('%i credits for %i, %i held, %i used: offer = refund = %i credits, %i', (bought, amountMinor, held, used, credits, paid) => {
    const a = new Account();
    a.buy(bought, 'cs', amountMinor);
    if (used > 0) a.accepted(a.consume(used, 'used'));
    if (held > 0) a.accepted(decideReserve({ reservationId: 'rsv1', email, domain, credits: held, referenceId: 'job', expiresAt: later(1), now: t0 }, a.state));
    const offer = purchaseRefundOffer(a.state.lots[0]);
    expect(offer).toEqual({ credits, amountMinor: paid });
    const decision = decideRefundPurchase({ refundRequestId: 'm1', lotId: 'lot_cs', now: t0 }, a.state);
    if (credits === 0) return void expect(decision).toEqual({ outcome: 'rejected', code: 'nothing_to_refund' });
    const [event] = a.accepted(decision);
    expect({ credits: (event.data as { credits: number }).credits, amountMinor: (event.data as { amountMinor: number }).amountMinor }).toEqual(offer);
  });
});

describe('money refunds: unused full, used proportional', () => {
  it.each([
    // credits bought, amount paid, credits used → credits refunded, amount refunded
    [3, 500, 0, 3, 500],
    [3, 500, 1, 2, 333],
    [3, 500, 2, 1, 166],
    [100, 4900, 99, 1, 49],
  ])('%i credits for %i, %i used → %i credits, %i refunded', (bought, paid, used, credits, amount) => {
    const a = new Account();
    a.buy(bought, 'cs', paid);
    if (used > 0) a.accepted(a.consume(used, 'r1'));
    const events = a.accepted(decideRefundPurchase({ refundRequestId: 'rr1', lotId: 'lot_cs', now: t0 }, a.state));
    expect(events[0].data).toMatchObject({ credits, amountMinor: amount, currency: 'usd', paymentIntentId: 'pi_cs' });
    expect(a.state.balance).toBe(0);
  });

  it('refuses an all-used purchase, and compensation restores the credits once', () => {
    const a = new Account();
    a.buy(3, 'cs', 500);
    a.accepted(a.consume(3, 'r1'));
    expect(decideRefundPurchase({ refundRequestId: 'rr1', lotId: 'lot_cs', now: t0 }, a.state)).toEqual({ outcome: 'rejected', code: 'nothing_to_refund' });
    const b = new Account();
    b.buy(3, 'cs', 500);
    b.accepted(decideRefundPurchase({ refundRequestId: 'rr1', lotId: 'lot_cs', now: t0 }, b.state));
    b.accepted(decideRevertPurchaseRefund({ refundRequestId: 'rr1', reason: 'stripe refused', now: t0 }, b.state));
    expect(b.state.balance).toBe(3);
    expect(decideRevertPurchaseRefund({ refundRequestId: 'rr1', reason: 'again', now: t0 }, b.state).outcome).toBe('repeated');
  });

  it('prices exactly with integers for any size', () => {
    expect(refundAmountMinor({ amountMinor: 2 ** 40, creditsInitial: 3 }, 1)).toBe(Math.floor(2 ** 40 / 3));
  });
});

describe('disputes and plan payment failures', () => {
  it('freezes consumption while a dispute is open, and a lost dispute leaves the used part owed', () => {
    const a = new Account();
    a.buy(10, 'cs');
    a.buy(10, 'cs2');
    a.accepted(a.consume(4, 'r1'));
    a.accepted(decideFreeze({ disputeId: 'du1', reason: 'dispute', now: t0 }, a.state));
    expect(a.consume(1, 'r2')).toEqual({ outcome: 'rejected', code: 'account_frozen' });
    expect(decideFreeze({ disputeId: 'du1', reason: 'again', now: t0 }, a.state).outcome).toBe('repeated');
    a.accepted(decideClawBack({ disputeId: 'du1', paymentIntentId: 'pi_cs', now: t0 }, a.state));
    expect(a.state.balance).toBe(6); // 20 bought, 4 used (owed), 6 of the disputed lot taken back, 10 left less 4 owed
    expect(a.state.owedCredits).toBe(4);
    a.accepted(decideUnfreeze({ disputeId: 'du1', reason: 'closed', now: t0 }, a.state));
    expect(a.spendable()).toBe(6);
  });

  it('blocks only plan credits when the plan is past due, naming the reason', () => {
    const a = new Account();
    a.grant(10, 'plan1', { source: 'plan', subscriptionId: 'sub_1' });
    a.buy(2, 'cs');
    a.accepted(decideSuspendPlan({ subscriptionId: 'sub_1', reason: 'past due', now: t0 }, a.state));
    expect(a.spendable()).toBe(2);
    expect(a.consume(2, 'r1').outcome).toBe('accepted'); // pack credits are never blocked
    expect(a.consume(5, 'r2')).toEqual({ outcome: 'rejected', code: 'payment_past_due' });
  });
});

describe('refunds made in Stripe\'s dashboard', () => {
  it.each([
    // bought, paid, used, refunded amount → credits removed
    [10, 1000, 0, 1000, 10],
    [10, 1000, 0, 250, 3], // ceil(10 × 250 / 1000) = 3: a partial refund never leaves paid-for credits behind
    [10, 1000, 8, 1000, 2], // at most what is unused
    [10, 1000, 10, 500, 0],
  ])('%i credits for %i, %i used, %i refunded → %i credits removed', (bought, paid, used, refunded, removed) => {
    const a = new Account();
    a.buy(bought, 'cs', paid);
    if (used > 0) a.accepted(a.consume(used, 'r1'));
    const d = decideExternalRefund({ refundId: 're_1', paymentIntentId: 'pi_cs', amountRefundedMinor: refunded, now: t0 }, a.state);
    if (removed === 0) return expect(d.outcome).toBe('repeated');
    const events = a.accepted(d);
    expect(events[0].data).toMatchObject({ credits: removed, amountMinor: refunded });
    expect(decideExternalRefund({ refundId: 're_1', paymentIntentId: 'pi_cs', amountRefundedMinor: refunded, now: t0 }, a.state).outcome).toBe('repeated');
  });
});

describe('a cancelled subscription\'s rollover credits', () => {
  it('expire at the paid period\'s end; pack credits and other plans are untouched; once', () => {
    const a = new Account();
    a.grant(50, 'roll', { source: 'plan', subscriptionId: 'sub_r' }); // rolls over: no expiry
    a.grant(20, 'other', { source: 'plan', subscriptionId: 'sub_o' });
    a.buy(5, 'cs');
    a.accepted(decidePlanEnd({ subscriptionId: 'sub_r', endsAt: later(24), now: t0 }, a.state));
    expect(decidePlanEnd({ subscriptionId: 'sub_r', endsAt: later(24), now: t0 }, a.state).outcome).toBe('repeated');
    expect(a.spendable(later(23))).toBe(75);
    a.apply(decideExpiry(a.state, later(24)));
    expect(a.state.balance).toBe(25);
  });
});
