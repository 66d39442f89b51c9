import { disputeOutcome, readCharge, readDispute, readInvoice, readRefund, readSubscription } from './stripe-objects';

describe('Stripe object readers', () => {
  const subscription = {
    id: 'sub_1', object: 'subscription', customer: 'cus_1', status: 'trialing', start_date: 10, trial_start: 10, trial_end: 20, cancel_at_period_end: false,
    ended_at: null, metadata: { domain: 'demo.localhost', n: 5 }, latest_invoice: { id: 'in_1', object: 'invoice' },
    items: { object: 'list', data: [{ id: 'si_1', current_period_start: 10, current_period_end: 20, price: { id: 'price_1', product: 'prod_1' } }] },
  };

  it('reads a subscription with the periods on its items, as the pinned API version has them', () => {
    expect(readSubscription(subscription)).toMatchObject({ id: 'sub_1', customerId: 'cus_1', status: 'trialing', currentPeriodStart: 10, currentPeriodEnd: 20, itemId: 'si_1', productId: 'prod_1', latestInvoiceId: 'in_1', metadata: { domain: 'demo.localhost' } });
    // The top-level current_period_* were removed in API 2025-03-31: a stale copy there is not read.
    expect(readSubscription({ ...subscription, current_period_start: 30, current_period_end: 40 })).toMatchObject({ currentPeriodStart: 10, currentPeriodEnd: 20 });
    const withoutItemPeriod = { ...subscription, current_period_start: 30, current_period_end: 40, items: { object: 'list', data: [{ id: 'si_1', price: { id: 'price_1', product: 'prod_1' } }] } };
    expect(readSubscription(withoutItemPeriod)).toMatchObject({ currentPeriodStart: null, currentPeriodEnd: null });
    expect(readSubscription({ ...subscription, customer: { id: 'cus_2', object: 'customer' } })?.customerId).toBe('cus_2');
  });

  it.each([{ ...subscription, object: 'invoice' }, { ...subscription, status: 'weird' }, { ...subscription, customer: null }, null, 'sub_1'])('refuses what is not a subscription: %j', (value) => {
    expect(readSubscription(value)).toBeUndefined();
  });

  const invoice = {
    id: 'in_1', object: 'invoice', status: 'open', currency: 'USD', created: 100, amount_due: 900, amount_paid: 0, attempt_count: 2, billing_reason: 'subscription_cycle',
    period_start: 0, period_end: 100, lines: { data: [{ period: { start: 100, end: 200 } }] },
    parent: { subscription_details: { subscription: 'sub_1', metadata: { credits: '200' } } },
    payments: { data: [{ payment: { payment_intent: 'pi_1' } }] },
  };

  it('reads an invoice: the billed period from its line, the subscription from its parent, the payment from its payments', () => {
    expect(readInvoice(invoice)).toEqual({
      id: 'in_1', subscriptionId: 'sub_1', customerId: null, status: 'open', billingReason: 'subscription_cycle', billedPeriod: { start: 100, end: 200 },
      amountDue: 900, amountPaid: 0, currency: 'usd', attemptCount: 2, created: 100, subscriptionMetadata: { credits: '200' }, paymentIntentId: 'pi_1',
    });
    // `invoice.subscription` and `invoice.payment_intent` were removed in API 2025-03-31: not read.
    expect(readInvoice({ ...invoice, parent: null, subscription: 'sub_old' })?.subscriptionId).toBeNull();
    expect(readInvoice({ ...invoice, payments: { data: [] }, payment_intent: 'pi_old' })?.paymentIntentId).toBeNull();
    expect(readInvoice({ ...invoice, lines: { data: [] } })?.billedPeriod).toBeNull();
  });

  it('reads charges, disputes and refunds', () => {
    expect(readCharge({ id: 'ch_1', object: 'charge', currency: 'usd', amount: 500, amount_refunded: 0, payment_intent: 'pi_1', customer: null, metadata: { email: 'a@b.c' }, billing_details: { email: 'x@y.z' } }))
      .toEqual({ id: 'ch_1', paymentIntentId: 'pi_1', customerId: null, amount: 500, amountRefunded: 0, currency: 'usd', metadata: { email: 'a@b.c' }, payerEmail: 'x@y.z' });
    expect(readDispute({ id: 'du_1', object: 'dispute', charge: 'ch_1', payment_intent: 'pi_1', amount: 500, currency: 'usd', reason: 'fraudulent', status: 'needs_response', created: 5 }))
      .toEqual({ id: 'du_1', chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 500, currency: 'usd', reason: 'fraudulent', status: 'needs_response', created: 5 });
    expect(readRefund({ id: 're_1', object: 'refund', amount: 100, currency: 'usd', status: 'succeeded', charge: 'ch_1', payment_intent: 'pi_1', metadata: { refundRequestId: 'rr_1' } }))
      .toMatchObject({ id: 're_1', amount: 100, refundRequestId: 'rr_1' });
    expect(readRefund({ id: 're_2', object: 'refund', amount: 100, currency: 'usd', metadata: {} })?.refundRequestId).toBeNull();
  });

  it.each([['won', 'won'], ['warning_closed', 'won'], ['lost', 'lost'], ['needs_response', null], ['under_review', null]])('dispute %s → outcome %s', (status, outcome) => {
    expect(disputeOutcome(status)).toBe(outcome);
  });
});
