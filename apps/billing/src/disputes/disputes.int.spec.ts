import {
  BillingSubjects, ChargeRefundedExternallyV1, DisputeClosedV1, DisputeOpenedV1, HistoryItem,
} from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { BillingHarness, startBillingHarness } from '../test/billing-harness';
import { buyPack, deliverEvent, deliverShuffled, outbox, standinPost, subjects, subscribe, typesOf } from '../test/billing-scenario';

/** A consumption as the ledger's history shows it. */
function consumed(referenceId: string, credits: number, at: string, actionType = 'ai_generation'): HistoryItem {
  return {
    eventId: `evt-${referenceId}`, type: 'CreditsConsumed', version: 1, occurredAt: at, domain: 'demo.localhost', creditsDelta: -credits,
    balanceAfter: 0, referenceId, actionType, details: {},
  };
}

describe('disputes and refunds made outside (real PostgreSQL, NATS, Stripe stand-in)', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const disputeOf = async (chargeId: string, reason = 'fraudulent') =>
    (await standinPost<{ dispute: { id: string }; events: string[] }>(harness, `/test/charges/${chargeId}/dispute`, { reason })).dispute.id;

  it('a dispute freezes (dispute-opened with the payment intent) and stages evidence from the ledger for review, not submitted', async () => {
    const email = 'disputer@example.com';
    const purchase = await buyPack(harness, 'pro_100', email);
    harness.ledgerHistory.set(email, [
      consumed('gen_3', 2, '2026-11-20T10:02:00.000Z', 'image_generation'),
      consumed('gen_2', 1, '2026-11-20T10:01:00.000Z'),
      consumed('gen_1', 1, '2026-11-20T10:00:00.000Z'),
      { ...consumed('refund-1', 1, '2026-11-20T11:00:00.000Z'), type: 'ConsumptionRefunded', creditsDelta: 1, referenceId: 'gen_1' },
    ]);
    const disputeId = await disputeOf(purchase.chargeId);
    expect(await outbox<DisputeOpenedV1>(harness, subjects.disputeOpened, { disputeId })).toEqual([{
      disputeId, chargeId: purchase.chargeId, paymentIntentId: purchase.paymentIntentId, email, domain: 'demo.localhost',
      amountMinor: 4900, currency: 'usd', reason: 'fraudulent', at: expect.any(String),
    }]);

    await eventually('the evidence draft', async () => {
      const [row] = await harness.dataSource.query('SELECT evidence_status FROM disputes WHERE id = $1', [disputeId]);
      return row.evidence_status === 'staged';
    });
    const dispute = harness.standin.state.disputes.get(disputeId)!;
    expect(dispute.status).toBe('needs_response'); // staged, not submitted: a person reviews it
    expect(dispute.evidence_details.submission_count).toBe(0);
    const log = dispute.evidence.access_activity_log!;
    expect(log).toContain('3 uses of the credits');
    expect(log).toContain('2026-11-20T10:02:00.000Z demo.localhost image_generation gen_3 2');
    expect(log).toContain('2026-11-20T10:00:00.000Z demo.localhost ai_generation gen_1 1');
    expect(dispute.evidence.customer_email_address).toBe(email);
    expect(dispute.evidence.product_description).toContain('100 AI usage credits');
    expect(dispute.evidence.refund_policy_disclosure).toContain('Credits never expire. Refunds in exchange for feedback.');
    expect(dispute.evidence.uncategorized_text).toContain(purchase.sessionId);
    expect(dispute.evidence.uncategorized_text).toContain('ConsumptionRefunded');
    expect(dispute.metadata).toMatchObject({ evidence_drafted_by: 'credit-hub' });
  });

  it('closed lost: dispute-closed once with the payment intent (the ledger claws the purchase back), whatever the repeats', async () => {
    const purchase = await buyPack(harness, 'starter_3', 'loser@example.com');
    const disputeId = await disputeOf(purchase.chargeId);
    const closed = await standinPost<{ events: string[] }>(harness, `/test/disputes/${disputeId}/close`, { outcome: 'lost' });
    for (const id of closed.events) expect(await deliverEvent(harness, id)).toMatchObject({ ok: true, value: { outcome: 'duplicate' } });
    expect(await outbox<DisputeClosedV1>(harness, subjects.disputeClosed, { disputeId })).toEqual([
      { disputeId, chargeId: purchase.chargeId, paymentIntentId: purchase.paymentIntentId, email: 'loser@example.com', domain: 'demo.localhost', outcome: 'lost', at: expect.any(String) },
    ]);
  });

  it('dispute events delivered shuffled and repeated (closed before created): opened once, then closed once, in that order', async () => {
    const purchase = await buyPack(harness, 'pro_100', 'winner@example.com');
    const opened = await standinPost<{ dispute: { id: string }; events: string[] }>(harness, `/test/charges/${purchase.chargeId}/dispute`, { deliver: false });
    const disputeId = opened.dispute.id;
    const closed = await standinPost<{ events: string[] }>(harness, `/test/disputes/${disputeId}/close`, { outcome: 'won', deliver: false });
    const updated = harness.standin.state.events.filter((event) => event.type === 'charge.dispute.updated' && (event.data.object as { id: string }).id === disputeId).map((e) => e.id);
    const ids = [...opened.events, ...closed.events, ...updated];
    expect(typesOf(harness, ids)).toEqual(expect.arrayContaining(['charge.dispute.created', 'charge.dispute.closed']));
    const outcomes = await deliverShuffled(harness, [...ids].reverse(), 3, 11);
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(ids.length);
    const rows: { subject: string }[] = await harness.dataSource.query(
      `SELECT subject FROM outbox WHERE payload->>'disputeId' = $1 ORDER BY id`,
      [disputeId],
    );
    expect(rows.map((row) => row.subject)).toEqual([subjects.disputeOpened, subjects.disputeClosed]);
    expect(await outbox(harness, subjects.disputeClosed, { disputeId, outcome: 'won' })).toHaveLength(1);
    const [row] = await harness.dataSource.query('SELECT status, outcome, evidence_status FROM disputes WHERE id = $1', [disputeId]);
    expect(row).toEqual({ status: 'won', outcome: 'won', evidence_status: 'skipped' }); // closed before billing knew it: no draft
  });

  it('a dispute on a subscription invoice is matched to its customer through the Stripe customer', async () => {
    const email = 'sub-disputer@example.com';
    const { subscriptionId } = await subscribe(harness, 'studio_monthly', email);
    const invoice = [...harness.standin.state.invoices.values()].find((candidate) => candidate.parent.subscription_details.subscription === subscriptionId)!;
    const paymentIntentId = invoice.payments.data[0].payment.payment_intent;
    const chargeId = harness.standin.state.paymentIntents.get(paymentIntentId)!.latest_charge!;
    const disputeId = await disputeOf(chargeId, 'subscription_canceled');
    expect(await outbox(harness, subjects.disputeOpened, { disputeId })).toEqual([expect.objectContaining({ email, domain: 'demo.localhost', paymentIntentId, reason: 'subscription_canceled' })]);
  });

  it('blocks new checkouts of a customer with more than 3 disputes in 6 months, on every domain', async () => {
    const email = 'serial@example.com';
    for (let i = 0; i < 3; i++) await disputeOf((await buyPack(harness, 'starter_3', email)).chargeId);
    const third = await harness.request(BillingSubjects.createCheckout, checkoutOf(email, 'starter_3'));
    expect(third.ok).toBe(true); // 3 disputes: not more than 3 yet
    await disputeOf((await buyPack(harness, 'starter_3', email)).chargeId);
    for (const [domain, offeringId] of [['demo.localhost', 'builder_monthly'], ['notes.localhost', 'notes_50']]) {
      const blocked = await harness.request(BillingSubjects.createCheckout, { ...checkoutOf(email, offeringId), domain });
      expect(blocked).toMatchObject({ ok: false, refusal: { code: 'checkout_blocked', field: 'email' } });
    }
    const other = await harness.request(BillingSubjects.createCheckout, checkoutOf('innocent@example.com', 'starter_3'));
    expect(other.ok).toBe(true);
  });

  it('a refund made in the dashboard is published once with its share; one this system started (refundRequestId) never is', async () => {
    const email = 'refunded@example.com';
    const purchase = await buyPack(harness, 'pro_100', email);
    const dashboard = await standinPost<{ refund: { id: string }; events: string[] }>(harness, `/test/charges/${purchase.chargeId}/refund`, { amount: 2450 });
    expect(await outbox<ChargeRefundedExternallyV1>(harness, subjects.chargeRefundedExternally, { chargeId: purchase.chargeId })).toEqual([{
      refundId: dashboard.refund.id, chargeId: purchase.chargeId, paymentIntentId: purchase.paymentIntentId, email, amountRefundedMinor: 2450, currency: 'usd', at: expect.any(String),
    }]);
    const ours = await harness.stripe.refunds.create({ payment_intent: purchase.paymentIntentId, amount: 1000, metadata: { refundRequestId: 'rr_test_1' } }, { idempotencyKey: 'rr_test_1' });
    await standinPost(harness, '/test/webhooks/drain');
    await eventually('our refund recorded', async () => (await harness.dataSource.query('SELECT 1 FROM charge_refunds WHERE refund_id = $1', [ours.id])).length === 1);
    const [row] = await harness.dataSource.query('SELECT origin, refund_request_id FROM charge_refunds WHERE refund_id = $1', [ours.id]);
    expect(row).toEqual({ origin: 'ours', refund_request_id: 'rr_test_1' });
    expect(await outbox(harness, subjects.chargeRefundedExternally, { chargeId: purchase.chargeId })).toHaveLength(1);
  });

  it('charge.refunded delivered shuffled and repeated: each outside refund published once', async () => {
    const purchase = await buyPack(harness, 'team_1000', 'twice-refunded@example.com');
    const first = await standinPost<{ refund: { id: string }; events: string[] }>(harness, `/test/charges/${purchase.chargeId}/refund`, { amount: 1000, deliver: false });
    const second = await standinPost<{ refund: { id: string }; events: string[] }>(harness, `/test/charges/${purchase.chargeId}/refund`, { amount: 500, deliver: false });
    const ids = [...first.events, ...second.events];
    expect(typesOf(harness, ids)).toEqual(['charge.refunded', 'refund.created', 'charge.refunded', 'refund.created']);
    const outcomes = await deliverShuffled(harness, [...ids].reverse(), 3, 5);
    expect(outcomes.filter((o) => o === 'ignored')).toHaveLength(2); // refund.created: acknowledged, not handled
    const published = await outbox<ChargeRefundedExternallyV1>(harness, subjects.chargeRefundedExternally, { chargeId: purchase.chargeId });
    expect(published.map((p) => [p.refundId, p.amountRefundedMinor]).sort()).toEqual([[first.refund.id, 1000], [second.refund.id, 500]].sort());
  });

  it('acknowledges an unhandled event type once and never asks for it again', async () => {
    const purchase = await buyPack(harness, 'starter_3', 'other-events@example.com');
    const pi = harness.standin.state.paymentIntents.get(purchase.paymentIntentId)!;
    const event = { id: 'evt_test_unhandled_pi', object: 'event', type: 'payment_intent.succeeded', created: pi.created, data: { object: pi } };
    expect(await deliverEvent(harness, event)).toMatchObject({ ok: true, value: { outcome: 'ignored' } });
    expect(await deliverEvent(harness, event)).toMatchObject({ ok: true, value: { outcome: 'duplicate' } });
  });
});

function checkoutOf(email: string, offeringId: string) {
  return { domain: 'demo.localhost', offeringId, email, successUrl: 'http://demo.localhost/ok', cancelUrl: 'http://demo.localhost/pricing' };
}
