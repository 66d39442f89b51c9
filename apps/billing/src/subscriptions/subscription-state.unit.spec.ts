import { SubscriptionStatus } from '@credit-hub/contracts';
import { SubscriptionSnapshot } from '../stripe/stripe-objects';
import { advance, graceEndsAt, planGrant, planGrantId, planTermsOf, SubscriptionState, visibleChange } from './subscription-state';

const metadata = { domain: 'Demo.Localhost', offeringId: 'builder_monthly', email: ' Ada@Example.com ', credits: '200', amountMinor: '900', currency: 'usd', interval: 'month', rollover: 'false' };

function snapshot(status: SubscriptionStatus, periodStart: number, overrides: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot {
  return {
    id: 'sub_1', customerId: 'cus_1', status, startDate: 0, trialStart: null, trialEnd: null, currentPeriodStart: periodStart,
    currentPeriodEnd: periodStart + 100, cancelAtPeriodEnd: false, endedAt: null, metadata, latestInvoiceId: null, itemId: 'si_1', productId: 'prod_1', price: null,
    ...overrides,
  };
}

function state(status: SubscriptionStatus, periodStart: number, lastEventCreated: number): SubscriptionState {
  return { status, trialStart: null, trialEnd: null, currentPeriodStart: periodStart, currentPeriodEnd: periodStart + 100, cancelAtPeriodEnd: false, endedAt: null, lastEventCreated };
}

describe('planTermsOf', () => {
  it('reads what billing wrote at checkout, normalised', () => {
    expect(planTermsOf(metadata)).toEqual({ domain: 'demo.localhost', offeringId: 'builder_monthly', email: 'ada@example.com', creditsPerPeriod: 200, rollover: false, amountMinor: 900, currency: 'usd', interval: 'month' });
  });

  it.each([
    ['no metadata', {}],
    ['no credits', { ...metadata, credits: '' }],
    ['zero credits', { ...metadata, credits: '0' }],
    ['a weekly interval', { ...metadata, interval: 'week' }],
    ['no email', { ...metadata, email: '' }],
  ])('is undefined for a subscription billing did not sell: %s', (_, value) => {
    expect(planTermsOf(value as Record<string, string>)).toBeUndefined();
  });
});

describe('advance: the state moves forward only', () => {
  // given (current state) when (snapshot, event created, fresh re-fetch) then (applied?)
  it.each([
    ['a first snapshot', undefined, snapshot('trialing', 0), 10, false, true],
    ['a re-fetch, whatever its event\'s age', state('past_due', 100, 50), snapshot('active', 100), 10, true, true],
    ['an event copy older than the newest applied', state('active', 100, 50), snapshot('trialing', 0), 49, false, false],
    ['an event copy of an earlier period', state('active', 100, 50), snapshot('active', 0), 60, false, false],
    ['a lower status in the same period', state('past_due', 100, 50), snapshot('trialing', 100), 60, false, false],
    ['a recovery past_due → active in the same period', state('past_due', 100, 50), snapshot('active', 100), 60, false, true],
    ['unpaid → active', state('unpaid', 100, 50), snapshot('active', 100), 50, false, true],
    ['the next period', state('past_due', 100, 50), snapshot('active', 200), 60, false, true],
    ['canceled coming back (event copy)', state('canceled', 100, 50), snapshot('active', 100), 60, false, false],
    ['canceled coming back (re-fetch)', state('canceled', 100, 50), snapshot('active', 100), 60, true, false],
    ['canceled again', state('canceled', 100, 50), snapshot('canceled', 100), 60, false, true],
  ])('%s → applied: %s', (_, current, next, created, fresh, applied) => {
    expect(advance(current, next, created, fresh) !== undefined).toBe(applied);
  });

  it('keeps the newest event time seen', () => {
    expect(advance(state('active', 100, 50), snapshot('active', 100), 40, true)?.lastEventCreated).toBe(50);
    expect(advance(state('active', 100, 50), snapshot('active', 100), 70, true)?.lastEventCreated).toBe(70);
  });

  it('publishes a change of status, trial end, period end or cancellation only', () => {
    const before = state('active', 100, 50);
    expect(visibleChange(before, { ...before, lastEventCreated: 99 })).toBe(false);
    expect(visibleChange(before, { ...before, cancelAtPeriodEnd: true })).toBe(true);
    expect(visibleChange(before, { ...before, status: 'past_due' })).toBe(true);
    expect(visibleChange(undefined, before)).toBe(true);
  });
});

describe('planGrant', () => {
  const terms = planTermsOf(metadata)!;
  const input = { stripeEventId: 'evt_1', subscriptionId: 'sub_1', invoiceId: 'in_1', terms, credits: 200, period: { start: 1_800_000_000, end: 1_802_592_000 }, at: 1_800_000_005, connectedAccountId: null };

  it('grants a period once by its start, expiring at its end', () => {
    expect(planGrant(input)).toEqual({
      stripeEventId: 'evt_1', grantId: 'plan:sub_1:1800000000', subscriptionId: 'sub_1', invoiceId: 'in_1', email: 'ada@example.com', domain: 'demo.localhost',
      offeringId: 'builder_monthly', credits: 200, periodStart: '2027-01-15T08:00:00.000Z', periodEnd: '2027-02-14T08:00:00.000Z',
      expiresAt: '2027-02-14T08:00:00.000Z', grantedAt: '2027-01-15T08:00:05.000Z', connectedAccountId: null,
    });
    expect(planGrantId('sub_1', 1_800_000_000)).toBe('plan:sub_1:1800000000');
  });

  it('never expires when the plan rolls over', () => {
    expect(planGrant({ ...input, terms: { ...terms, rollover: true } }).expiresAt).toBeNull();
  });
});

describe('graceEndsAt', () => {
  it.each([[0, 1000], [1, 1000 + 86_400], [3, 1000 + 3 * 86_400]])('%i days after the invoice was first attempted', (days, expected) => {
    expect(graceEndsAt(1000, days)).toBe(expected);
  });
});
