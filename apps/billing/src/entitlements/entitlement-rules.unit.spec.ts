import { Caps } from '@credit-hub/contracts';
import { CapsSource, checkEntitlement, entitlementAt, judgeCap, nextCertainChange, nextChange, stateChanged, SubscriptionFacts } from './entitlement-rules';

const day = 86_400;
const t0 = 1_800_000_000; // checkout, unix seconds
const trialEnd = t0 + 14 * day;
const periodEnd = trialEnd + 30 * day;

const builder: Caps = { scheduled_runs: true, byok: true, workspaces: 3, blocks: 500 };
const free: Caps = { scheduled_runs: false, workspaces: 1, blocks: 50 };
const source: CapsSource = { freeCaps: free, planCaps: (offeringId) => (offeringId === 'builder_monthly' ? builder : {}) };

function facts(overrides: Partial<SubscriptionFacts> = {}): SubscriptionFacts {
  return {
    subscriptionId: 'sub_1', offeringId: 'builder_monthly', status: 'trialing', trialEnd, currentPeriodEnd: trialEnd,
    cancelAtPeriodEnd: false, graceEndsAt: null, planCreditsBlocked: false, ...overrides,
  };
}

const plan = (status: string) => ({ tier: 'plan', status, offeringId: 'builder_monthly', paymentPastDue: false });
const freeTier = (status: string) => ({ tier: 'free', status, offeringId: null, paymentPastDue: false });

describe('entitlementAt: seed 001\'s table, day by day', () => {
  it('day 0 and days 1-14: trialing with the plan\'s caps; the trial is expected to convert at its end', () => {
    for (const at of [t0, t0 + day, trialEnd - 1]) expect(entitlementAt(facts(), at)).toEqual(plan('trialing'));
    expect(nextChange(facts(), t0)).toEqual({ at: trialEnd, to: plan('active'), expected: true });
    expect(nextCertainChange(facts(), t0)).toBeNull(); // the payment decides: nothing for the scheduler
  });

  it('at the trial end, not cancelled: still trialing until Stripe says (active or past due), never dropped early', () => {
    expect(entitlementAt(facts(), trialEnd)).toEqual(plan('trialing'));
    expect(entitlementAt(facts(), trialEnd + day)).toEqual(plan('trialing'));
  });

  it('day 15: active and charged: the plan\'s caps, renewing (no change known)', () => {
    const active = facts({ status: 'active', currentPeriodEnd: periodEnd });
    expect(entitlementAt(active, trialEnd + day)).toEqual(plan('active'));
    expect(nextChange(active, trialEnd + day)).toBeNull();
  });

  it('cancelled mid-trial: the caps until the trial end, then the free tier, even before the deletion webhook', () => {
    const cancelled = facts({ cancelAtPeriodEnd: true });
    expect(entitlementAt(cancelled, t0 + 5 * day)).toEqual(plan('trialing'));
    expect(entitlementAt(cancelled, trialEnd - 1)).toEqual(plan('trialing'));
    expect(entitlementAt(cancelled, trialEnd)).toEqual(freeTier('canceled'));
    expect(nextCertainChange(cancelled, t0 + 5 * day)).toEqual({ at: trialEnd, to: freeTier('canceled'), expected: false });
    expect(nextChange(cancelled, trialEnd)).toBeNull();
    expect(entitlementAt(facts({ status: 'canceled', cancelAtPeriodEnd: true }), trialEnd)).toEqual(freeTier('canceled')); // the webhook agrees
  });

  it('cancelled after the bill: the plan until the period end, then the free tier', () => {
    const cancelled = facts({ status: 'active', currentPeriodEnd: periodEnd, cancelAtPeriodEnd: true });
    expect(entitlementAt(cancelled, periodEnd - 1)).toEqual(plan('active'));
    expect(entitlementAt(cancelled, periodEnd)).toEqual(freeTier('canceled'));
    expect(nextCertainChange(cancelled, trialEnd + day)).toEqual({ at: periodEnd, to: freeTier('canceled'), expected: false });
  });

  it('payment failure: the caps kept through the grace; after it the free tier with paymentPastDue and the plan named', () => {
    const graceEnd = trialEnd + 3 * day;
    const failing = facts({ status: 'past_due', currentPeriodEnd: periodEnd, graceEndsAt: graceEnd });
    expect(entitlementAt(failing, trialEnd + day)).toEqual(plan('past_due'));
    expect(entitlementAt(failing, graceEnd - 1)).toEqual(plan('past_due'));
    const after = { tier: 'free', status: 'past_due', offeringId: 'builder_monthly', paymentPastDue: true };
    expect(entitlementAt(failing, graceEnd)).toEqual(after);
    expect(nextCertainChange(failing, trialEnd)).toEqual({ at: graceEnd, to: after, expected: false });
    expect(entitlementAt(facts({ status: 'unpaid', planCreditsBlocked: true, graceEndsAt: graceEnd }), trialEnd)).toMatchObject({ paymentPastDue: true, status: 'unpaid' });
    expect(entitlementAt(facts({ status: 'active', currentPeriodEnd: periodEnd }), graceEnd + day)).toEqual(plan('active')); // paid: back
  });

  it('never subscribed: none, free tier; canceled, incomplete and paused: free tier', () => {
    expect(entitlementAt(null, t0)).toEqual(freeTier('none'));
    expect(nextChange(null, t0)).toBeNull();
    expect(entitlementAt(facts({ status: 'canceled' }), t0)).toEqual(freeTier('canceled'));
    expect(entitlementAt(facts({ status: 'incomplete' }), t0)).toEqual(freeTier('incomplete'));
    expect(entitlementAt(facts({ status: 'paused' }), t0)).toEqual(freeTier('paused'));
  });

  it('stateChanged compares what is published', () => {
    expect(stateChanged(null, freeTier('none') as never)).toBe(true);
    expect(stateChanged(plan('trialing') as never, plan('trialing') as never)).toBe(false);
    expect(stateChanged(plan('trialing') as never, plan('active') as never)).toBe(true);
  });
});

describe('judgeCap and checkEntitlement: the check\'s edges', () => {
  it('exactly at the limit: allowed with remaining 0; one over: LIMIT_REACHED with what was left', () => {
    expect(judgeCap(builder, 'workspaces', 1, 2)).toEqual({ allowed: true, code: 'ok', limit: 3, remaining: 0, overLimitBy: 0 });
    expect(judgeCap(builder, 'workspaces', 1, 3)).toEqual({ allowed: false, code: 'LIMIT_REACHED', limit: 3, remaining: 0, overLimitBy: 0 });
    expect(judgeCap(builder, 'workspaces', 2, 2)).toEqual({ allowed: false, code: 'LIMIT_REACHED', limit: 3, remaining: 1, overLimitBy: 0 });
    expect(judgeCap(builder, 'workspaces', 0, 3)).toEqual({ allowed: true, code: 'ok', limit: 3, remaining: 0, overLimitBy: 0 });
  });

  it('over-cap usage already had (after a downgrade) is reported, and new creates refused until under', () => {
    expect(judgeCap(free, 'workspaces', 1, 3)).toEqual({ allowed: false, code: 'LIMIT_REACHED', limit: 1, remaining: 0, overLimitBy: 2 });
    expect(judgeCap(free, 'workspaces', 0, 3)).toEqual({ allowed: false, code: 'LIMIT_REACHED', limit: 1, remaining: 0, overLimitBy: 2 });
    expect(judgeCap(free, 'workspaces', 1, 0)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('flags: true allowed, false or missing feature_not_in_plan; a limit of 0 refuses with LIMIT_REACHED', () => {
    expect(judgeCap(builder, 'scheduled_runs', 1, 0)).toEqual({ allowed: true, code: 'ok', limit: null, remaining: null, overLimitBy: 0 });
    expect(judgeCap(free, 'scheduled_runs', 1, 0)).toEqual({ allowed: false, code: 'feature_not_in_plan', limit: null, remaining: null, overLimitBy: 0 });
    expect(judgeCap(builder, 'teleport', 1, 0)).toMatchObject({ allowed: false, code: 'feature_not_in_plan' });
    expect(judgeCap({ exports: 0 }, 'exports', 1, 0)).toEqual({ allowed: false, code: 'LIMIT_REACHED', limit: 0, remaining: 0, overLimitBy: 0 });
    expect(judgeCap(builder, 'constructor', 1, 0)).toMatchObject({ code: 'feature_not_in_plan' }); // not an Object.prototype property
  });

  it('checks against the caps of the tier: the plan\'s while trialing, the free tier\'s for a customer never seen', () => {
    expect(checkEntitlement(plan('trialing') as never, source, 'workspaces', 1, 2)).toEqual({ allowed: true, code: 'ok', limit: 3, remaining: 0, overLimitBy: 0, tier: 'plan', status: 'trialing', offeringId: 'builder_monthly' });
    expect(checkEntitlement(entitlementAt(null, t0), source, 'workspaces', 1, 1)).toEqual({ allowed: false, code: 'LIMIT_REACHED', limit: 1, remaining: 0, overLimitBy: 0, tier: 'free', status: 'none', offeringId: null });
    expect(checkEntitlement(entitlementAt(null, t0), source, 'blocks', 1, 0)).toMatchObject({ allowed: true, limit: 50, remaining: 49 });
  });

  it('after the grace: payment_past_due for what the plan would allow, the free tier\'s answer otherwise', () => {
    const pastDue = entitlementAt(facts({ status: 'past_due', graceEndsAt: trialEnd + 3 * day }), trialEnd + 4 * day);
    expect(checkEntitlement(pastDue, source, 'scheduled_runs', 1, 0)).toMatchObject({ allowed: false, code: 'payment_past_due', status: 'past_due', tier: 'free' });
    expect(checkEntitlement(pastDue, source, 'workspaces', 1, 1)).toMatchObject({ allowed: false, code: 'payment_past_due', limit: 1 });
    expect(checkEntitlement(pastDue, source, 'blocks', 1, 0)).toMatchObject({ allowed: true, code: 'ok', limit: 50 }); // the free tier still allows it
    expect(checkEntitlement(pastDue, source, 'workspaces', 5, 0)).toMatchObject({ allowed: false, code: 'LIMIT_REACHED' }); // the plan would refuse too
    expect(checkEntitlement(pastDue, source, 'teleport', 1, 0)).toMatchObject({ code: 'feature_not_in_plan' });
  });
});
