import { decideExpiry, nextExpiryAt } from './credit-account.decide';
import { spendableCredits } from './lot-order';
import { given } from './test/given';
import { domain, granted, later, reserved } from './test/facts';

describe('expiry', () => {
  it('removes an expired lot\'s credits at its expiry time, once, and not before', () => {
    const expiring = given([granted(5, 'g', { expiresAt: later(1) })]);
    expiring.when((s) => decideExpiry(s, later(0.5))).thenEmitsNothing();
    expect(nextExpiryAt(expiring.account)).toBe(later(1));
    expiring
      .when((s) => decideExpiry(s, later(1)))
      .thenEmits([{ type: 'CreditsExpired', data: { lotId: 'lot_grant_g', credits: 5, balanceAfter: 0, expiredAt: later(1) } }]);
    const expired = given([granted(5, 'g', { expiresAt: later(1) }), (s) => decideExpiry(s, later(1))]);
    expired.when((s) => decideExpiry(s, later(2))).thenEmitsNothing();
    expect(nextExpiryAt(expired.account)).toBeNull();
  });

  it('releases an expired hold before expiring the lots, deterministically', () => {
    const history = [granted(10, 'g', { expiresAt: later(5) }), reserved('rs1', 4, 'job1', later(1))];
    given(history)
      .when((s) => decideExpiry(s, later(1)))
      .thenAccepts((first, after) => {
        expect(first.map((e) => e.type)).toEqual(['ReservationReleased']);
        expect(spendableCredits(after, domain, later(1))).toBe(10);
      });
    given([...history, (s) => decideExpiry(s, later(1))])
      .when((s) => decideExpiry(s, later(5)))
      .thenAccepts((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['CreditsExpired']);
        expect(after.balance).toBe(0);
      });
  });
});
