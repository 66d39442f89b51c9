import { LedgerEvent } from '@credit-hub/contracts';
import { decideConsume, decidePurchase, ConsumeCredits, purchaseLotId } from './credit-account.decide';
import { Decide, given } from './test/given';

const now = '2026-11-20T12:00:00.000Z';
const email = 'ada@example.com';

function purchased(credits: number, session = `cs_${credits}`, extra: Partial<Record<string, unknown>> = {}): LedgerEvent {
  return {
    type: 'CreditsPurchased',
    data: {
      lotId: purchaseLotId(session), email, domain: 'a.test', offeringId: 'pack', credits, amountMinor: credits * 100,
      currency: 'usd', stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: null,
      scopeDomain: null, expiresAt: null, purchasedAt: now, ...extra,
    },
  } as LedgerEvent;
}

function consumed(credits: number, referenceId: string, draws: { lotId: string; credits: number }[], balanceAfter: number): LedgerEvent {
  return {
    type: 'CreditsConsumed',
    data: { email, domain: 'a.test', credits, actionType: 'gen', referenceId, draws, balanceAfter, consumedAt: now },
  };
}

/** The consume command as a decision of the state (for `given(…).when(…)`). */
function consume(credits: number, referenceId = 'ref-1', overrides: Partial<ConsumeCredits> = {}): Decide {
  return (state) => decideConsume({ email, domain: 'a.test', credits, actionType: 'gen', referenceId, now, ...overrides }, state);
}

describe('decideConsume', () => {
  it('refuses more credits than the balance, writing nothing', () => {
    given([purchased(10)]).when(consume(11)).thenRejects('insufficient_credits');
  });

  it('accepts exactly the balance (edge: 0 left)', () => {
    given([purchased(10)]).when(consume(10)).thenEmits([consumed(10, 'ref-1', [{ lotId: 'lot_cs_10', credits: 10 }], 0)]);
  });

  it('refuses one credit on an empty account', () => {
    given([]).when(consume(1)).thenRejects('insufficient_credits');
  });

  it('returns the first answer to an identical repeat, with no new event', () => {
    given([purchased(10), consumed(3, 'ref-1', [{ lotId: 'lot_cs_10', credits: 3 }], 7)]).when(consume(3, 'ref-1')).thenRepeats({ answer: { eventId: 'e2', balance: 7 } });
  });

  it('refuses a reused reference with other credits, actionType or customer as a conflict', () => {
    const history = [purchased(10), consumed(3, 'ref-1', [{ lotId: 'lot_cs_10', credits: 3 }], 7)];
    given(history).when(consume(4, 'ref-1')).thenRejects('reference_conflict');
    given(history).when(consume(3, 'ref-1', { actionType: 'other' })).thenRejects('reference_conflict');
    given(history).when(consume(3, 'ref-1', { email: 'bob@example.com' })).thenRejects('reference_conflict');
  });

  it('checks the conflict before the balance (fixed order of refusals)', () => {
    given([purchased(1), consumed(1, 'ref-1', [{ lotId: 'lot_cs_1', credits: 1 }], 0)]).when(consume(5, 'ref-1')).thenRejects('reference_conflict');
  });

  it('draws the oldest lot first and spans lots', () => {
    given([purchased(2, 'cs_old'), purchased(5, 'cs_new')])
      .when(consume(4))
      .thenEmits([consumed(4, 'ref-1', [{ lotId: 'lot_cs_old', credits: 2 }, { lotId: 'lot_cs_new', credits: 2 }], 3)]);
  });

  it('draws the lot expiring soonest first and ignores expired lots', () => {
    given([
      purchased(5, 'cs_forever'),
      purchased(5, 'cs_soon', { expiresAt: '2026-12-01T00:00:00.000Z' }),
      purchased(5, 'cs_gone', { expiresAt: now }),
    ])
      .when(consume(6))
      .thenEmits([consumed(6, 'ref-1', [{ lotId: 'lot_cs_soon', credits: 5 }, { lotId: 'lot_cs_forever', credits: 1 }], 9)]);
  });

  it('never draws a lot restricted to another domain', () => {
    given([purchased(5, 'cs_scoped', { scopeDomain: 'b.test' })]).when(consume(1)).thenRejects('insufficient_credits');
  });
});

describe('decidePurchase', () => {
  const payment = {
    stripeEventId: 'evt_1', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1', domain: 'a.test', offeringId: 'starter_3',
    email, credits: 3, amountMinor: 500, currency: 'usd', scopeDomain: null, paidAt: now,
  };

  it('creates one paid lot named after the checkout session, with its price', () => {
    given([])
      .when((state) => decidePurchase({ payment, now }, state))
      .thenAccepts((events) => {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: 'CreditsPurchased', data: { lotId: 'lot_cs_1', credits: 3, amountMinor: 500, currency: 'usd' } });
      });
  });

  it('emits nothing for a checkout session already credited, whatever the Stripe event id', () => {
    given([purchased(3, 'cs_1')]).when((state) => decidePurchase({ payment: { ...payment, stripeEventId: 'evt_other' }, now }, state)).thenEmitsNothing();
  });
});
