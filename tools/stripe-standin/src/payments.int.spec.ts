// Charges, refunds (idempotent, amount limits, dashboard refunds, armed failures), disputes and the
// events list paged by the SDK's auto-pagination, with a receiver that verifies every webhook.
import Stripe from 'stripe';
import type { Charge, DeliveryReply, Dispute, Refund, StripeStandin } from './standin';
import { startStripeStandin } from './standin';
import type { Receiver } from './test/spec-support';
import { drain, helper, sdk, SPEC_WEBHOOK_SECRET, startReceiver, stripeError, typesOf } from './test/spec-support';

describe('charges, refunds and disputes', () => {
  let receiver: Receiver;
  let standin: StripeStandin;
  let stripe: Stripe;

  beforeEach(async () => {
    receiver = await startReceiver();
    standin = await startStripeStandin({ port: 0, webhookUrl: receiver.url, webhookSecret: SPEC_WEBHOOK_SECRET });
    stripe = sdk(standin);
  });

  afterEach(async () => {
    // close() rejects when the stand-in broke Stripe's schema: the receiver is closed either way.
    await standin.close().finally(() => receiver.close());
    expect(receiver.rejected).toEqual([]);
  });

  /** A completed payment-mode checkout for `amount` cents; returns its payment intent and charge. */
  async function pay(amount = 500): Promise<{ paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge }> {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Credits' } }, quantity: 1 }],
      customer_email: 'buyer@example.com',
      metadata: { domain: 'demo.localhost' },
      payment_intent_data: { metadata: { ledger_account: 'acct_1' } },
      success_url: 'http://x/s',
    });
    const completed = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${session.id}/complete`);
    expect(typesOf(standin, completed.body.events ?? [])).toEqual(['checkout.session.completed']);
    const paymentIntent = await stripe.paymentIntents.retrieve(completed.body.event.data.object.payment_intent as string);
    const charge = await stripe.charges.retrieve(paymentIntent.latest_charge as string);
    return { paymentIntent, charge };
  }

  it('records a charge for a payment-mode checkout, linked from the payment intent', async () => {
    const { paymentIntent, charge } = await pay(1250);
    expect(paymentIntent.latest_charge).toBe(charge.id);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 1250,
      amount_captured: 1250,
      amount_refunded: 0,
      refunded: false,
      disputed: false,
      currency: 'usd',
      customer: null,
      payment_intent: paymentIntent.id,
      metadata: { ledger_account: 'acct_1' },
      status: 'succeeded',
      paid: true,
    });
    expect(charge.id).toMatch(/^ch_/);
    expect((await stripeError(stripe.charges.retrieve('ch_nope'))).statusCode).toBe(404);
  });

  it('refunds through the SDK: one refund per Idempotency-Key, partial refunds up to the charge amount', async () => {
    const { paymentIntent, charge } = await pay(500);
    const start = receiver.received.length;

    const first = await stripe.refunds.create({ payment_intent: paymentIntent.id, amount: 200, metadata: { reversal: 'r1' }, reason: 'requested_by_customer' }, { idempotencyKey: 'refund-r1' });
    const again = await stripe.refunds.create({ payment_intent: paymentIntent.id, amount: 200, metadata: { reversal: 'r1' }, reason: 'requested_by_customer' }, { idempotencyKey: 'refund-r1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(standin.state.refunds.size).toBe(1);
    expect(first).toMatchObject({ object: 'refund', amount: 200, status: 'succeeded', charge: charge.id, payment_intent: paymentIntent.id, currency: 'usd', metadata: { reversal: 'r1' }, reason: 'requested_by_customer' });
    expect(first.id).toMatch(/^re_/);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 200, refunded: false });

    await drain(standin);
    expect(receiver.typesSince(start)).toEqual(['charge.refunded', 'refund.created']);
    const refundedEvent = receiver.received[start].event;
    expect(refundedEvent.data.object).toMatchObject({ id: charge.id, amount_refunded: 200 });
    expect(refundedEvent.data.previous_attributes).toEqual({ amount_refunded: 0 });
    expect(refundedEvent.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: 'refund-r1' });

    const tooLarge = await stripeError(stripe.refunds.create({ charge: charge.id, amount: 301 }));
    expect(tooLarge).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'amount_too_large', param: 'amount' });
    const rest = await stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(300);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 500, refunded: true });
    const already = await stripeError(stripe.refunds.create({ payment_intent: paymentIntent.id, amount: 1 }));
    expect(already).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect((await stripe.refunds.list({ charge: charge.id })).data.map((refund) => refund.id)).toEqual([rest.id, first.id]);

    expect((await stripeError(stripe.refunds.create({ payment_intent: 'pi_nope' }))).code).toBe('resource_missing');
    expect((await stripeError(stripe.refunds.create({}))).statusCode).toBe(400);
  });

  it('fails the next refund with a card_error when armed, and replays it for the same key', async () => {
    const { paymentIntent } = await pay(500);
    expect((await helper(standin, '/test/refunds/fail_next', { code: 'expired_card' })).body).toEqual({ fail_next: 'expired_card' });

    const failed = await stripeError(stripe.refunds.create({ payment_intent: paymentIntent.id }, { idempotencyKey: 'refund-fail' }));
    expect(failed).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(failed).toMatchObject({ statusCode: 402, code: 'expired_card' });
    const replayed = await stripeError(stripe.refunds.create({ payment_intent: paymentIntent.id }, { idempotencyKey: 'refund-fail' }));
    expect(replayed).toMatchObject({ statusCode: 402, code: 'expired_card' });
    expect(standin.state.refunds.size).toBe(0);

    const retried = await stripe.refunds.create({ payment_intent: paymentIntent.id }, { idempotencyKey: 'refund-fail-2' });
    expect(retried).toMatchObject({ amount: 500, status: 'succeeded' });
  });

  it('applies a dashboard refund (no metadata) and delivers charge.refunded', async () => {
    const { charge } = await pay(800);
    const start = receiver.received.length;
    const { status, body } = await helper<{ refund: Refund; events: string[] }>(standin, `/test/charges/${charge.id}/refund`, { amount: 300 });
    expect(status).toBe(200);
    expect(body.refund).toMatchObject({ amount: 300, metadata: {}, charge: charge.id, status: 'succeeded' });
    expect(typesOf(standin, body.events)).toEqual(['charge.refunded', 'refund.created']);
    expect(receiver.typesSince(start)).toEqual(['charge.refunded', 'refund.created']);
    expect((receiver.received[start].event.data.object as Stripe.Charge).amount_refunded).toBe(300);
    expect((await helper(standin, `/test/charges/${charge.id}/refund`, { amount: 501 })).status).toBe(400);
  });

  it('opens a dispute, stages evidence through the SDK without submitting, then closes it lost', async () => {
    const { charge, paymentIntent } = await pay(1500);
    const start = receiver.received.length;
    const opened = await helper<{ dispute: Dispute; events: string[] }>(standin, `/test/charges/${charge.id}/dispute`, { reason: 'product_not_received' });
    expect(opened.status).toBe(200);
    const { dispute } = opened.body;
    expect(dispute).toMatchObject({
      object: 'dispute',
      status: 'needs_response',
      charge: charge.id,
      payment_intent: paymentIntent.id,
      amount: 1500,
      currency: 'usd',
      reason: 'product_not_received',
      evidence: { uncategorized_text: null, customer_email_address: null, service_documentation: null, access_activity_log: null, product_description: null },
      evidence_details: { has_evidence: false, submission_count: 0, past_due: false },
    });
    expect(dispute.id).toMatch(/^du_/);
    expect(dispute.evidence_details.due_by).toBeGreaterThan(dispute.created + 6 * 24 * 3600);
    expect((await stripe.charges.retrieve(charge.id)).disputed).toBe(true);
    expect(receiver.typesSince(start)).toEqual(['charge.dispute.created']);

    const staged = await stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'Generation logs attached.', customer_email_address: 'buyer@example.com', access_activity_log: '2025-01-01 login; 12 generations' },
      metadata: { case: 'c1' },
      submit: false,
    });
    expect(staged).toMatchObject({ status: 'needs_response', metadata: { case: 'c1' }, evidence: { uncategorized_text: 'Generation logs attached.', product_description: null } });
    expect(staged.evidence_details).toMatchObject({ has_evidence: true, submission_count: 0 });
    await drain(standin);
    expect(receiver.typesSince(start)).toEqual(['charge.dispute.created', 'charge.dispute.updated']);

    expect((await stripe.disputes.retrieve(dispute.id)).evidence.customer_email_address).toBe('buyer@example.com');
    expect((await stripe.disputes.list({ charge: charge.id })).data.map((found) => found.id)).toEqual([dispute.id]);
    expect((await stripeError(stripe.refunds.create({ charge: charge.id }))).code).toBe('charge_disputed');
    const unknownEvidence = await stripeError(stripe.disputes.update(dispute.id, { evidence: { colour: 'red' } as Stripe.DisputeUpdateParams.Evidence }));
    expect(unknownEvidence).toMatchObject({ code: 'parameter_unknown', param: 'evidence[colour]' });

    const closed = await helper<{ dispute: Dispute; events: string[] }>(standin, `/test/disputes/${dispute.id}/close`, { outcome: 'lost' });
    expect(closed.body.dispute.status).toBe('lost');
    expect(receiver.typesSince(start)).toEqual(['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed']);
    expect((await stripeError(stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'late' } }))).statusCode).toBe(400);
  });

  it('submits evidence by default (under_review, submission_count 1)', async () => {
    const { charge } = await pay(700);
    const { body } = await helper<{ dispute: Dispute }>(standin, `/test/charges/${charge.id}/dispute`);
    const submitted = await stripe.disputes.update(body.dispute.id, { evidence: { product_description: 'AI credits' } });
    expect(submitted).toMatchObject({ status: 'under_review', evidence_details: { submission_count: 1, has_evidence: true } });
    const won = await helper<{ dispute: Dispute }>(standin, `/test/disputes/${body.dispute.id}/close`, { outcome: 'won' });
    expect(won.body.dispute.status).toBe('won');
  });
});

describe('GET /v1/events across object types', () => {
  it('pages through every event with the SDK auto-pagination, newest first, with type and created filters', async () => {
    const standin = await startStripeStandin({ port: 0, webhookUrl: 'http://127.0.0.1:9/unused' });
    try {
      const stripe = sdk(standin);
      for (let index = 0; index < 4; index++) {
        const session = await stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price_data: { currency: 'usd', unit_amount: 100 + index, product_data: { name: 'p' } }, quantity: 1 }],
          success_url: 'http://x/s',
        });
        const completed = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${session.id}/complete`, { deliver: false });
        await stripe.refunds.create({ payment_intent: completed.body.event.data.object.payment_intent as string, amount: 50 });
      }
      await drain(standin);
      const all: string[] = [];
      for await (const event of stripe.events.list({ limit: 3 })) all.push(event.id);
      expect(all).toEqual([...standin.state.events].reverse().map((event) => event.id));
      expect(all).toHaveLength(12);

      const refunds: Stripe.Event[] = await stripe.events.list({ types: ['charge.refunded', 'refund.created'], limit: 2 }).autoPagingToArray({ limit: 100 });
      expect(refunds.map((event) => event.type)).toEqual(Array.from({ length: 4 }, () => ['refund.created', 'charge.refunded']).flat());
      expect((refunds[0].data.object as Stripe.Refund).amount).toBe(50);
      const byType = await stripe.events.list({ type: 'charge.*' });
      expect(byType.data.every((event) => event.type === 'charge.refunded')).toBe(true);
      const created = standin.state.events[0].created;
      expect((await stripe.events.list({ created: { gte: created }, limit: 100 })).data).toHaveLength(12);
      expect((await stripe.events.list({ created: { gte: created + 10 * 24 * 3600 } })).data).toHaveLength(0);
      expect(standin.state.charges.size).toBe(4);
      expect([...standin.state.charges.values()].every((charge: Charge) => charge.amount_refunded === 50)).toBe(true);
    } finally {
      await standin.close();
    }
  });
});
