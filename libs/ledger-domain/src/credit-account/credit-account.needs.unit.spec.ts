import { needs } from './credit-account.needs';

describe('needs: what a command loads before its decision', () => {
  it('a consume and a reserve load the reference (consumption and hold) and their domain', () => {
    const ref = { domain: 'a.example', referenceId: 'r1' };
    for (const kind of ['consume', 'reserve'] as const) {
      expect(needs(kind, { ...ref, credits: 3 } as typeof ref)).toEqual({ consumptions: [ref], reservationReference: ref, spendDomains: ['a.example'] });
    }
  });

  it('a capture and a release load the hold by id', () => {
    expect(needs('capture', { reservationId: 'rsv_1', domain: 'a.example' })).toEqual({ reservationIds: ['rsv_1'], spendDomains: ['a.example'] });
    expect(needs('release', { reservationId: 'rsv_1', domain: 'a.example' })).toEqual({ reservationIds: ['rsv_1'], spendDomains: ['a.example'] });
  });

  it('a credit refund loads the named consumptions, or the window when none are named', () => {
    expect(needs('refund consumptions', { domain: 'a.example', referenceIds: ['r1'], refundRequestId: 'rr1' })).toEqual({
      consumptions: [{ domain: 'a.example', referenceId: 'r1' }], consumptionsSince: undefined, refundRequestId: 'rr1',
    });
    expect(needs('refund consumptions', { domain: 'a.example', consumedSince: '2026-01-01T00:00:00.000Z', refundRequestId: 'rr1' })).toEqual({
      consumptions: [], consumptionsSince: { domain: 'a.example', since: '2026-01-01T00:00:00.000Z' }, refundRequestId: 'rr1',
    });
  });

  it('the other kinds load the record their idempotency key names, or nothing beyond the account', () => {
    expect(needs('purchase', { checkoutSessionId: 'cs_1' })).toEqual({ checkoutSessionId: 'cs_1' });
    expect(needs('grant', { grantId: 'g1' })).toEqual({ grantId: 'g1' });
    expect(needs('refund purchase', { lotId: 'lot_1', refundRequestId: 'rr1' })).toEqual({ lotIds: ['lot_1'], moneyRefundId: 'rr1' });
    expect(needs('revert purchase refund', { refundRequestId: 'rr1' })).toEqual({ moneyRefundId: 'rr1' });
    expect(needs('claw back', { paymentIntentId: 'pi_1' })).toEqual({ paymentIntentId: 'pi_1' });
    expect(needs('external refund', { paymentIntentId: 'pi_1' })).toEqual({ paymentIntentId: 'pi_1' });
    expect(needs('expire', {})).toEqual({ allActiveReservations: true });
    for (const kind of ['freeze', 'unfreeze', 'suspend plan', 'resume plan', 'end plan'] as const) expect(needs(kind, {})).toEqual({});
  });
});
