import { given } from './test/given';
import { bought, consumed, creditsRefunded, draws, granted, later } from './test/facts';

describe('credit refunds', () => {
  it('returns credits to the very lots they came from, keeping paid as paid and expiry as it was', () => {
    given([granted(2, 'g', { expiresAt: later(24) }), bought(5, 'cs'), consumed(4, 'r1')])
      .when(creditsRefunded({ refundRequestId: 'rr1', referenceIds: ['r1'], creditsMax: null }))
      .thenAccepts((events, after) => {
        expect(draws(events)).toEqual([{ lotId: 'lot_cs', credits: 2 }, { lotId: 'lot_grant_g', credits: 2 }]);
        expect(after.lots.map((l) => [l.lotId, l.creditsRemaining, l.expiresAt])).toEqual([['lot_grant_g', 2, later(24)], ['lot_cs', 5, null]]);
      });
  });

  it('never refunds more than was consumed: a second request finds nothing; the same request repeats', () => {
    const refunded = given([
      bought(5, 'cs'),
      consumed(3, 'r1'),
      creditsRefunded({ refundRequestId: 'rr1', referenceIds: ['r1'], creditsMax: 2 }),
      creditsRefunded({ refundRequestId: 'rr2', referenceIds: ['r1', 'r1'], creditsMax: null }),
    ]);
    expect(refunded.account.balance).toBe(5);
    refunded.when(creditsRefunded({ refundRequestId: 'rr3', referenceIds: ['r1'], creditsMax: null })).thenRejects('nothing_to_refund');
    refunded.when(creditsRefunded({ refundRequestId: 'rr1', referenceIds: ['r1'], creditsMax: null })).thenRepeats();
    refunded.when(creditsRefunded({ refundRequestId: 'rr4', referenceIds: ['unknown'], creditsMax: null })).thenRejects('consumption_not_found');
  });
});

describe('credit refunds of a window: the ledger picks the consumptions itself', () => {
  it('returns every consumption since the window start, newest first, up to creditsMax; never one before it', () => {
    const history = [bought(50, 'cs'), consumed(4, 'old', later(-48)), ...[1, 2, 3, 4, 5].map((i) => consumed(i, `r${i}`, later(i / 60)))];
    const now = later(1);
    const refund = creditsRefunded({ refundRequestId: 'rr1', consumedSince: later(-24), creditsMax: null, now });
    given(history)
      .when(refund)
      .thenAccepts((all) => {
        expect(all.map((e) => (e.data as { referenceId: string }).referenceId)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
        expect(all.reduce((sum, e) => sum + (e.data as { credits: number }).credits, 0)).toBe(15);
      });
    // Nothing refunds twice: another request of the same window finds nothing; the same one repeats.
    const refunded = given([...history, refund]);
    refunded.when(creditsRefunded({ refundRequestId: 'rr2', consumedSince: later(-24), creditsMax: null, now })).thenRejects('nothing_to_refund');
    refunded.when(refund).thenRepeats();
  });

  it('takes the newest first under a cap, the last one in part, and another domain never', () => {
    given([bought(50, 'cs'), consumed(9, 'elsewhere', later(0.5), 'b.test'), consumed(3, 'r1', later(1 / 60)), consumed(3, 'r2', later(2 / 60))])
      .when(creditsRefunded({ refundRequestId: 'rr1', consumedSince: later(-1), creditsMax: 4, now: later(1) }))
      .thenAccepts((events) => {
        expect(events.map((e) => [(e.data as { referenceId: string }).referenceId, (e.data as { credits: number }).credits])).toEqual([['r2', 3], ['r1', 1]]);
      });
  });
});
