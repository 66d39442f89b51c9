import { decideExpiry, decidePlanEnd, decideResumePlan, decideSuspendPlan } from './credit-account.decide';
import { spendableCredits } from './lot-order';
import { Decide, given } from './test/given';
import { bought, consumed, domain, granted, later, t0 } from './test/facts';

const suspend: Decide = (s) => decideSuspendPlan({ subscriptionId: 'sub_1', reason: 'past due', now: t0 }, s);
const resume: Decide = (s) => decideResumePlan({ subscriptionId: 'sub_1', reason: 'paid', now: t0 }, s);

describe('plan payment failures', () => {
  it('blocks only plan credits when the plan is past due, naming the reason', () => {
    const suspended = given([granted(10, 'plan1', { source: 'plan', subscriptionId: 'sub_1' }), bought(2, 'cs'), suspend]);
    expect(spendableCredits(suspended.account, domain, t0)).toBe(2);
    suspended.when(consumed(2, 'r1')).thenAccepts(); // pack credits are never blocked
    suspended.when(consumed(5, 'r2')).thenRejects('payment_past_due');
  });

  it('gives the plan credits back when the plan is paid again, once', () => {
    const suspended = given([granted(10, 'plan1', { source: 'plan', subscriptionId: 'sub_1' }), bought(2, 'cs'), suspend]);
    suspended.when(suspend).thenRepeats();
    suspended.when(resume).thenAccepts((_, after) => expect(spendableCredits(after, domain, t0)).toBe(12));
    given([granted(10, 'plan1', { source: 'plan', subscriptionId: 'sub_1' }), bought(2, 'cs'), suspend, resume]).when(resume).thenRepeats();
  });
});

describe('a cancelled subscription\'s rollover credits', () => {
  it('expire at the paid period\'s end; pack credits and other plans are untouched; once', () => {
    const end: Decide = (s) => decidePlanEnd({ subscriptionId: 'sub_r', endsAt: later(24), now: t0 }, s);
    const ended = given([
      granted(50, 'roll', { source: 'plan', subscriptionId: 'sub_r' }), // rolls over: no expiry
      granted(20, 'other', { source: 'plan', subscriptionId: 'sub_o' }),
      bought(5, 'cs'),
      end,
    ]);
    ended.when(end).thenRepeats();
    expect(spendableCredits(ended.account, domain, later(23))).toBe(75);
    ended.when((s) => decideExpiry(s, later(24))).thenAccepts((_, after) => expect(after.balance).toBe(25));
  });
});
