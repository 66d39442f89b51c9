import { RefundStatus } from '@credit-hub/contracts';
import {
  CandidateConsumption,
  decideCreditRefund,
  decideMoneyRefund,
  moneyRefundablePurchases,
  PastRefund,
  PurchaseLot,
  reviewHold,
} from './refund-decisions';
import { defaultRefundPolicy, RefundPolicy } from './refund-policy';

const dayMs = 24 * 60 * 60 * 1000;
const now = Date.parse('2026-11-20T12:00:00.000Z');
const daysAgo = (days: number) => now - days * dayMs;

function policy(overrides: Partial<RefundPolicy> = {}): RefundPolicy {
  return { ...structuredClone(defaultRefundPolicy), ...overrides };
}

function consumption(referenceId: string, creditsAvailable: number, ageDays: number): CandidateConsumption {
  return { eventId: `00000000-0000-4000-8000-${referenceId.padStart(12, '0')}`, referenceId, creditsAvailable, consumedAtMs: daysAgo(ageDays) };
}

function past(ageDays: number, status: RefundStatus = 'completed', credits = 1): PastRefund {
  return { createdAtMs: daysAgo(ageDays), status, credits };
}

function lot(overrides: Partial<PurchaseLot> = {}): PurchaseLot {
  return {
    lotId: 'lot-1', kind: 'purchased', domain: 'demo.localhost', offeringId: 'starter_3', creditsInitial: 3, creditsUnused: 3,
    amountMinor: 500, currency: 'usd', expiresAtMs: null, acquiredAtMs: daysAgo(1), ...overrides,
  };
}

describe('money refunds of a purchase (policy, lots)', () => {
  const money = policy({ moneyRefunds: { enabled: true, withinDays: 30 } });

  it.each<[string, RefundPolicy, Partial<PurchaseLot>, PastRefund[], string]>([
    ['0 used: the whole price', money, {}, [], 'accepted 3 credits 500'],
    ['1 credit left: the ledger\'s offer for it', money, { creditsUnused: 1, amountMinor: 166 }, [], 'accepted 1 credits 166'],
    ['90 of 100 held by a reservation: the offer for the 10 free ones', money, { creditsInitial: 100, creditsUnused: 10, amountMinor: 490 }, [], 'accepted 10 credits 490'],
    ['all used or held', money, { creditsUnused: 0, amountMinor: 0 }, [], 'nothing_to_refund'],
    ['money refunds off (the default)', policy(), {}, [], 'refund_not_allowed'],
    ['bought 31 days ago, window 30', money, { acquiredAtMs: daysAgo(31) }, [], 'refund_not_allowed'],
    ['bought exactly 30 days ago', money, { acquiredAtMs: daysAgo(30) }, [], 'accepted 3 credits 500'],
    ['an expired lot', money, { expiresAtMs: daysAgo(0.5) }, [], 'refund_not_allowed'],
    ['a lot expiring later', money, { expiresAtMs: now + dayMs }, [], 'accepted 3 credits 500'],
    ['a granted lot is not a purchase', money, { kind: 'granted', amountMinor: 0, currency: null }, [], 'lot_not_found'],
    ['a purchase on another domain', money, { domain: 'notes.localhost' }, [], 'lot_not_found'],
    ['worth less than a cent', money, { amountMinor: 0, creditsInitial: 3, creditsUnused: 2 }, [], 'nothing_to_refund'],
    ['the per-window refund already taken', money, {}, [past(3)], 'refund_not_allowed'],
    ['a rejected refund does not count', money, {}, [past(3, 'rejected'), past(2, 'compensated'), past(1, 'denied')], 'accepted 3 credits 500'],
  ])('%s', (_name, p, lotOverrides, history, expected) => {
    const decision = decideMoneyRefund({ policy: p, domain: 'demo.localhost', nowMs: now, lots: [lot(lotOverrides)], lotId: 'lot-1', history });
    const got = decision.outcome === 'accepted' ? `accepted ${decision.credits} credits ${decision.amountMinor}` : decision.code;
    expect(got).toBe(expected);
  });

  it('an unknown lot is lot_not_found', () => {
    expect(decideMoneyRefund({ policy: money, domain: 'demo.localhost', nowMs: now, lots: [lot()], lotId: 'nope', history: [] })).toMatchObject({ code: 'lot_not_found' });
  });

  it('lists each refundable purchase of several lots at its own unit price, newest first, skipping expired, used up, old and other-domain lots', () => {
    const lots = [
      lot({ lotId: 'a', creditsInitial: 3, creditsUnused: 1, amountMinor: 166, acquiredAtMs: daysAgo(5) }),
      lot({ lotId: 'b', creditsInitial: 100, creditsUnused: 100, amountMinor: 4900, acquiredAtMs: daysAgo(1), offeringId: 'pro_100' }),
      lot({ lotId: 'c', creditsInitial: 100, creditsUnused: 40, amountMinor: 1960, acquiredAtMs: daysAgo(2) }),
      lot({ lotId: 'expired', expiresAtMs: daysAgo(1) }),
      lot({ lotId: 'used', creditsUnused: 0, amountMinor: 0 }),
      lot({ lotId: 'old', acquiredAtMs: daysAgo(40) }),
      lot({ lotId: 'elsewhere', domain: 'notes.localhost' }),
      lot({ lotId: 'grant', kind: 'granted', amountMinor: 0, currency: null }),
    ];
    const listed = moneyRefundablePurchases(money, 'demo.localhost', lots, now);
    expect(listed.map((p) => [p.lotId, p.creditsUnused, p.amountMinor])).toEqual([
      ['b', 100, 4900],
      ['c', 40, 1960],
      ['a', 1, 166],
    ]);
    expect(moneyRefundablePurchases(policy(), 'demo.localhost', lots, now)).toEqual([]);
  });
});

describe('credit refunds (policy)', () => {
  it.each<[string, RefundPolicy, CandidateConsumption[], PastRefund[], string]>([
    ['nothing consumed', policy(), [], [], 'nothing_to_refund'],
    ['one consumption of 1 credit', policy(), [consumption('1', 1, 1)], [], 'accepted 1 [1:1]'],
    ['everything in the window, newest first', policy(), [consumption('1', 2, 3), consumption('2', 5, 1)], [], 'accepted 7 [2:5 1:2]'],
    ['consumed 15 days ago, window 14', policy(), [consumption('1', 2, 15)], [], 'nothing_to_refund'],
    ['consumed 14 days ago exactly', policy(), [consumption('1', 2, 14)], [], 'accepted 2 [1:2]'],
    ['window 30', policy({ windowDays: 30 }), [consumption('1', 2, 15)], [], 'accepted 2 [1:2]'],
    ['already refunded before', policy(), [consumption('1', 0, 1)], [], 'nothing_to_refund'],
    ['partly refunded before', policy({ refundsPerWindow: 2 }), [consumption('1', 3, 1)], [past(1)], 'accepted 3 [1:3]'],
    ['cap 5 splits the second consumption', policy({ creditsPerRefundMax: 5 }), [consumption('1', 3, 1), consumption('2', 4, 2), consumption('3', 9, 3)], [], 'accepted 5 [1:3 2:2]'],
    ['cap 1', policy({ creditsPerRefundMax: 1 }), [consumption('1', 3, 1)], [], 'accepted 1 [1:1]'],
    ['an unfinished credit refund takes the newest credits first', policy({ refundsPerWindow: 3 }), [consumption('1', 3, 1), consumption('2', 4, 2)], [{ ...past(0, 'requested', 2), kind: 'credits' }], 'accepted 5 [1:1 2:4]'],
    ['unfinished credit refunds take everything', policy({ refundsPerWindow: 3 }), [consumption('1', 3, 1)], [{ ...past(0, 'held', 3), kind: 'credits' }], 'nothing_to_refund'],
    ['an unfinished money refund takes no consumption', policy({ refundsPerWindow: 3 }), [consumption('1', 3, 1)], [{ ...past(0, 'requested', 3), kind: 'money' }], 'accepted 3 [1:3]'],
    ['stamped a moment ahead by the ledger\'s clock (skew): counts', policy(), [consumption('1', 2, -0.00001)], [], 'accepted 2 [1:2]'],
    ['one refund per window: taken 13 days ago', policy(), [consumption('1', 1, 1)], [past(13)], 'refund_not_allowed'],
    ['one refund per window: the last 15 days ago', policy(), [consumption('1', 1, 1)], [past(15)], 'accepted 1 [1:1]'],
    ['a refund in flight counts', policy(), [consumption('1', 1, 1)], [past(0, 'requested')], 'refund_not_allowed'],
    ['a held refund counts', policy(), [consumption('1', 1, 1)], [past(0, 'held')], 'refund_not_allowed'],
    ['a rejected refund does not count', policy(), [consumption('1', 1, 1)], [past(0, 'rejected')], 'accepted 1 [1:1]'],
    ['two per window, one taken', policy({ refundsPerWindow: 2 }), [consumption('1', 1, 1)], [past(2)], 'accepted 1 [1:1]'],
    ['two per window, two taken', policy({ refundsPerWindow: 2 }), [consumption('1', 1, 1)], [past(2), past(3)], 'refund_not_allowed'],
    ['the limit is checked before what is left', policy(), [], [past(1)], 'refund_not_allowed'],
  ])('%s', (_name, p, consumptions, history, expected) => {
    const decision = decideCreditRefund({ policy: p, nowMs: now, consumptions, history });
    const got = decision.outcome === 'accepted' ? `accepted ${decision.credits} [${decision.selection.map((s) => `${s.referenceId}:${s.credits}`).join(' ')}]` : decision.code;
    expect(got).toBe(expected);
  });

  it('names at most 500 consumptions (the ledger command bound)', () => {
    const many = Array.from({ length: 700 }, (_, i) => consumption(String(i + 1), 1, 1));
    const decision = decideCreditRefund({ policy: policy(), nowMs: now, consumptions: many, history: [] });
    expect(decision).toMatchObject({ outcome: 'accepted', credits: 500 });
  });
});

describe('review thresholds (held, not granted)', () => {
  const review = (refundsIn30Days: number | null, creditsIn30Days: number | null) =>
    policy({ refundsPerWindow: 100, reviewThreshold: { refundsIn30Days, creditsIn30Days } });

  it.each<[string, RefundPolicy, PastRefund[], number, string | null]>([
    ['no thresholds', review(null, null), [past(1), past(2), past(3)], 1000, null],
    ['2 refunds allowed, this is the 2nd', review(2, null), [past(5)], 1, null],
    ['2 refunds allowed, this is the 3rd', review(2, null), [past(5), past(6)], 1, 'more than 2 refunds in 30 days'],
    ['refunds older than 30 days do not count', review(2, null), [past(31), past(40)], 1, null],
    ['rejected ones do not count', review(1, null), [past(1, 'rejected')], 1, null],
    ['100 credits allowed, 60 + 40', review(null, 100), [past(1, 'completed', 60)], 40, null],
    ['100 credits allowed, 60 + 41', review(null, 100), [past(1, 'completed', 60)], 41, 'more than 100 credits refunded in 30 days'],
    ['one big refund alone', review(null, 100), [], 101, 'more than 100 credits refunded in 30 days'],
  ])('%s', (_name, p, history, credits, expected) => {
    expect(reviewHold(p, history, now, credits)).toBe(expected);
  });

  it('a held credit refund is still accepted (recorded), with the reason', () => {
    const decision = decideCreditRefund({ policy: review(1, null), nowMs: now, consumptions: [consumption('1', 2, 1)], history: [past(20, 'completed', 1)] });
    expect(decision).toMatchObject({ outcome: 'accepted', credits: 2, hold: 'more than 1 refunds in 30 days' });
  });
});
