import { decideExternalRefund, decideRevertPurchaseRefund, purchaseRefundOffer, refundAmountMinor } from './credit-account.decide';
import { Decide, Fact, given } from './test/given';
import { bought, consumed, purchaseRefunded, reserved, t0 } from './test/facts';

const revert = (reason: string): Decide => (s) => decideRevertPurchaseRefund({ refundRequestId: 'rr1', reason, now: t0 }, s);

describe('money refund offer: what the offer says is what the refund pays', () => {
  it.each([
    // credits bought, amount, held by a reservation, consumed → credits and amount offered and paid
    [100, 4900, 90, 0, 10, 490],
    [100, 4900, 0, 0, 100, 4900],
    [100, 4900, 0, 99, 1, 49],
    [3, 500, 1, 1, 1, 166],
    [10, 1000, 10, 0, 0, 0],
  ])('%i credits for %i, %i held, %i used: offer = refund = %i credits, %i', (credits0, amountMinor, held, used, credits, paid) => {
    const history: Fact[] = [bought(credits0, 'cs', amountMinor)];
    if (used > 0) history.push(consumed(used, 'used'));
    if (held > 0) history.push(reserved('rsv1', held, 'job'));
    const account = given(history);
    const offer = purchaseRefundOffer(account.account.lots[0]);
    expect(offer).toEqual({ credits, amountMinor: paid });
    const refund = account.when(purchaseRefunded('m1'));
    if (credits === 0) return refund.thenRejects('nothing_to_refund');
    refund.thenAccepts(([event]) => {
      expect({ credits: (event.data as { credits: number }).credits, amountMinor: (event.data as { amountMinor: number }).amountMinor }).toEqual(offer);
    });
  });
});

describe('money refunds: unused full, used proportional', () => {
  it.each([
    // credits bought, amount paid, credits used → credits refunded, amount refunded
    [3, 500, 0, 3, 500],
    [3, 500, 1, 2, 333],
    [3, 500, 2, 1, 166],
    [100, 4900, 99, 1, 49],
  ])('%i credits for %i, %i used → %i credits, %i refunded', (credits0, paid, used, credits, amount) => {
    given([bought(credits0, 'cs', paid), ...(used > 0 ? [consumed(used, 'r1')] : [])])
      .when(purchaseRefunded('rr1'))
      .thenAccepts((events, after) => {
        expect(events[0].data).toMatchObject({ credits, amountMinor: amount, currency: 'usd', paymentIntentId: 'pi_cs' });
        expect(after.balance).toBe(0);
      });
  });

  it('refuses an all-used purchase, and compensation restores the credits once', () => {
    given([bought(3, 'cs', 500), consumed(3, 'r1')]).when(purchaseRefunded('rr1')).thenRejects('nothing_to_refund');
    const reverted = given([bought(3, 'cs', 500), purchaseRefunded('rr1'), revert('stripe refused')]);
    expect(reverted.account.balance).toBe(3);
    reverted.when(revert('again')).thenRepeats();
  });

  it('prices exactly with integers for any size', () => {
    expect(refundAmountMinor({ amountMinor: 2 ** 40, creditsInitial: 3 }, 1)).toBe(Math.floor(2 ** 40 / 3));
  });
});

describe('refunds made in Stripe\'s dashboard', () => {
  it.each([
    // bought, paid, used, refunded amount → credits removed
    [10, 1000, 0, 1000, 10],
    [10, 1000, 0, 250, 3], // ceil(10 × 250 / 1000) = 3: a partial refund never leaves paid-for credits behind
    [10, 1000, 8, 1000, 2], // at most what is unused
    [10, 1000, 10, 500, 0],
  ])('%i credits for %i, %i used, %i refunded → %i credits removed', (credits0, paid, used, refunded, removed) => {
    const history = [bought(credits0, 'cs', paid), ...(used > 0 ? [consumed(used, 'r1')] : [])];
    const refund: Decide = (s) => decideExternalRefund({ refundId: 're_1', paymentIntentId: 'pi_cs', amountRefundedMinor: refunded, now: t0 }, s);
    const decided = given(history).when(refund);
    if (removed === 0) return decided.thenRepeats();
    decided.thenAccepts((events) => expect(events[0].data).toMatchObject({ credits: removed, amountMinor: refunded }));
    given([...history, refund]).when(refund).thenRepeats();
  });
});
