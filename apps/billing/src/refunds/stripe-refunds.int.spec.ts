import { randomUUID } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import Stripe from 'stripe';
import { startStripeStandin, StripeStandin } from '@credit-hub/stripe-standin';
import { stripeClientOptions } from '../stripe/stripe.client';
import { StripeRefundsService } from './stripe-refunds.service';

// Billing's Stripe refunds against the Stripe stand-in in-process, through the real SDK: the
// idempotency key is the refund request id; declines are refusals the saga compensates; an
// unreachable Stripe is a retryable refusal (never compensated: the money may have left).
describe('billing: Stripe refunds for the refund saga', () => {
  let standin: StripeStandin;
  let stripe: Stripe;
  let refunds: StripeRefundsService;

  const paidPaymentIntent = async (amountMinor: number): Promise<string> => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://example.com/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: amountMinor, product_data: { name: 'pack' } } }],
    });
    const response = await fetch(`${standin.url}/test/checkout/sessions/${session.id}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"deliver":false}' });
    expect(response.status).toBe(200);
    return (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string;
  };

  beforeAll(async () => {
    standin = await startStripeStandin({ port: 0, webhookUrl: 'http://127.0.0.1:9/nowhere' });
    stripe = new Stripe('sk_test_billing_refunds', stripeClientOptions(standin.url));
    refunds = new StripeRefundsService(stripe);
  });

  afterAll(async () => {
    await standin?.close();
  });

  it('refunds once per refund request id, however often the saga asks', async () => {
    const paymentIntentId = await paidPaymentIntent(500);
    const command = { refundRequestId: randomUUID(), paymentIntentId, amountMinor: 333, currency: 'usd' };
    const first = await refunds.createRefund(command);
    const again = await refunds.createRefund(command);
    expect(first).toMatchObject({ ok: true, value: { status: 'succeeded', amountMinor: 333, currency: 'usd' } });
    expect(again).toEqual(first);
    const listed = await stripe.refunds.list({ payment_intent: paymentIntentId });
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ amount: 333, metadata: { refundRequestId: command.refundRequestId }, reason: 'requested_by_customer' });
  });

  it('turns a decline and an impossible refund into stripe_refund_refused', async () => {
    const paymentIntentId = await paidPaymentIntent(500);
    await fetch(`${standin.url}/test/refunds/fail_next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":"card_declined"}' });
    expect(await refunds.createRefund({ refundRequestId: randomUUID(), paymentIntentId, amountMinor: 100, currency: 'usd' })).toMatchObject({
      ok: false, refusal: { code: 'stripe_refund_refused' },
    });
    expect(await refunds.createRefund({ refundRequestId: randomUUID(), paymentIntentId, amountMinor: 501, currency: 'usd' })).toMatchObject({
      ok: false, refusal: { code: 'stripe_refund_refused' },
    });
    expect(await refunds.createRefund({ refundRequestId: randomUUID(), paymentIntentId: 'pi_unknown', amountMinor: 1, currency: 'usd' })).toMatchObject({
      ok: false, refusal: { code: 'stripe_refund_refused' },
    });
  });

  it('answers stripe_unavailable (retry, do not compensate) when Stripe cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const offline = new StripeRefundsService(new Stripe('sk_test_x', { ...stripeClientOptions(`http://127.0.0.1:${closedPort}`), maxNetworkRetries: 0 }));
    expect(await offline.createRefund({ refundRequestId: randomUUID(), paymentIntentId: 'pi_x', amountMinor: 1, currency: 'usd' })).toMatchObject({
      ok: false, refusal: { code: 'stripe_unavailable' },
    });
  });
});
