import { CheckoutSessionRow, decidePayment, paidPackSession } from './payment-succeeded';
import { VerifiedStripeEvent } from './webhook-verification';

const created = 1_800_000_000;
const metadata = { domain: 'demo.localhost', offeringId: 'pro_100', email: 'ada@example.com', credits: '100', amountMinor: '4900', currency: 'usd' };
const session = {
  id: 'cs_test_1', object: 'checkout.session', mode: 'payment', payment_status: 'paid',
  amount_total: 4900, currency: 'usd', payment_intent: 'pi_test_1', metadata,
};
const row: CheckoutSessionRow = {
  id: 'cs_test_1', domain: 'demo.localhost', offering_id: 'pro_100', email: 'ada@example.com',
  credits: 100, amount_minor: 4900, currency: 'usd', scope_domain: null, status: 'open',
};

function eventOf(object: Record<string, unknown>, type = 'checkout.session.completed'): VerifiedStripeEvent {
  return { id: 'evt_test_1', type, created, data: { object } };
}

describe('paidPackSession', () => {
  it.each([
    ['a paid payment-mode completion', eventOf(session), true],
    ['a delayed payment that succeeded', eventOf(session, 'checkout.session.async_payment_succeeded'), true],
    ['an unpaid completion', eventOf({ ...session, payment_status: 'unpaid' }), false],
    ['a subscription checkout', eventOf({ ...session, mode: 'subscription' }), false],
    ['another event type', eventOf(session, 'checkout.session.expired'), false],
    ['another object', eventOf({ ...session, object: 'payment_intent' }), false],
  ])('%s → %s', (_, event, expected) => {
    expect(paidPackSession(event) !== undefined).toBe(expected);
  });
});

describe('decidePayment', () => {
  it('builds PaymentSucceededV1 from the metadata and the amount charged', () => {
    expect(decidePayment(eventOf(session), session, row)).toEqual({
      ok: true,
      mismatches: [],
      payment: {
        stripeEventId: 'evt_test_1', checkoutSessionId: 'cs_test_1', paymentIntentId: 'pi_test_1',
        domain: 'demo.localhost', offeringId: 'pro_100', email: 'ada@example.com', credits: 100,
        amountMinor: 4900, currency: 'usd', scopeDomain: null, paidAt: new Date(created * 1000).toISOString(),
        connectedAccountId: null, applicationFeeMinor: null,
      },
    });
  });

  it('names the connected account of a direct charge and the fee billing asked on it', () => {
    const event = { ...eventOf(session), account: 'acct_builder1' };
    const decision = decidePayment(event, session, { ...row, connected_account_id: 'acct_builder1', application_fee_minor: 245 });
    expect(decision.ok && decision.payment).toMatchObject({ connectedAccountId: 'acct_builder1', applicationFeeMinor: 245, amountMinor: 4900 });
  });

  it('lets the sale row win over edited metadata, and reports the disagreement', () => {
    const edited = { ...session, metadata: { ...metadata, credits: '1000' } };
    const decision = decidePayment(eventOf(edited), edited, row);
    expect(decision).toMatchObject({ ok: true, payment: { credits: 100 }, mismatches: ['credits: metadata 1000 vs row 100'] });
  });

  it('uses the metadata alone when billing has no row (normalising the email)', () => {
    const withoutRow = { ...session, metadata: { ...metadata, email: ' Ada@Example.com ' } };
    expect(decidePayment(eventOf(withoutRow), withoutRow, undefined)).toMatchObject({ ok: true, payment: { email: 'ada@example.com', credits: 100 } });
  });

  it.each([
    ['no metadata', { ...session, metadata: {} }],
    ['zero credits', { ...session, metadata: { ...metadata, credits: '0' } }],
    ['non-numeric credits', { ...session, metadata: { ...metadata, credits: '3.5' } }],
    ['no amount_total', { ...session, amount_total: null }],
  ])('cannot attribute a session with %s and no row', (_, object) => {
    expect(decidePayment(eventOf(object), object, undefined).ok).toBe(false);
  });

  it('reads an expanded payment intent', () => {
    const expanded = { ...session, payment_intent: { id: 'pi_test_2', object: 'payment_intent' } };
    expect(decidePayment(eventOf(expanded), expanded, row)).toMatchObject({ ok: true, payment: { paymentIntentId: 'pi_test_2' } });
  });
});
