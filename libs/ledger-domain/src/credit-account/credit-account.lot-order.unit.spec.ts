import { decideGrant } from './credit-account.decide';
import { spendableCredits } from './lot-order';
import { given } from './test/given';
import { bought, consumed, domain, draws, grantCommand, granted, later, t0 } from './test/facts';

describe('grants and the order lots are drawn in', () => {
  it('draws expiring soonest, then higher priority, then granted before paid, then oldest', () => {
    given([bought(5, 'cs_paid'), granted(5, 'g_plain'), granted(5, 'g_priority', { priority: 10 }), granted(5, 'g_expiring', { expiresAt: later(48) })])
      .when(consumed(16, 'r1'))
      .thenAccepts((events) => {
        expect(draws(events)).toEqual([
          { lotId: 'lot_grant_g_expiring', credits: 5 },
          { lotId: 'lot_grant_g_priority', credits: 5 },
          { lotId: 'lot_grant_g_plain', credits: 5 },
          { lotId: 'lot_cs_paid', credits: 1 },
        ]);
      });
  });

  it('applies a grant id once', () => {
    const granted5 = given([granted(5, 'g1')]);
    granted5.when((s) => decideGrant(grantCommand(5, 'g1', { lotId: 'lot_other', reason: 'again' }), s)).thenRepeats();
    expect(granted5.account.balance).toBe(5);
  });

  it('keeps a domain-restricted lot to its domain', () => {
    const { account } = given([granted(5, 'g_scoped', { scopeDomain: 'b.test' })]);
    expect(spendableCredits(account, domain, t0)).toBe(0);
    expect(spendableCredits(account, 'b.test', t0)).toBe(5);
  });
});
