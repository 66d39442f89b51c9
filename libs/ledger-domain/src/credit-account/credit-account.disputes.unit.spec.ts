import { decideClawBack, decideFreeze, decideUnfreeze } from './credit-account.decide';
import { spendableCredits } from './lot-order';
import { Decide, given } from './test/given';
import { bought, consumed, domain, t0 } from './test/facts';

const freeze = (reason: string): Decide => (s) => decideFreeze({ disputeId: 'du1', reason, now: t0 }, s);
const clawBack: Decide = (s) => decideClawBack({ disputeId: 'du1', paymentIntentId: 'pi_cs', now: t0 }, s);
const unfreeze: Decide = (s) => decideUnfreeze({ disputeId: 'du1', reason: 'closed', now: t0 }, s);

describe('disputes', () => {
  it('freezes consumption while a dispute is open, and a lost dispute leaves the used part owed', () => {
    const frozen = [bought(10, 'cs'), bought(10, 'cs2'), consumed(4, 'r1'), freeze('dispute')];
    given(frozen).when(consumed(1, 'r2')).thenRejects('account_frozen');
    given(frozen).when(freeze('again')).thenRepeats();
    const lost = given([...frozen, clawBack]);
    expect(lost.account.balance).toBe(6); // 20 bought, 4 used (owed), 6 of the disputed lot taken back, 10 left less 4 owed
    expect(lost.account.owedCredits).toBe(4);
    lost.when(unfreeze).thenAccepts((_, after) => expect(spendableCredits(after, domain, t0)).toBe(6));
  });
});
