/**
 * The ledger's commands beyond consume, over real NATS and PostgreSQL: grants, holds, expiry,
 * credit and money refunds with compensation, disputes, plan suspension, history, and a replay at
 * the end that must find every projection row equal to the fold of the events.
 */
import { BillingEventSubjects, LedgerSubjects, PaymentSucceededV1 } from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { useLedgerHarness } from './test/ledger-harness';

const ledger = useLedgerHarness({ name: 'ledger-commands-test', databasePrefix: 'ledgerdepth' });
const { send, ok } = ledger;
const domain = 'a.test';

async function spendable(email: string): Promise<number> {
  return (await ok<{ balance: number }>(LedgerSubjects.getBalance, { email, domain })).balance;
}
async function buy(email: string, credits: number, session: string, amountMinor = credits * 100): Promise<void> {
  const p: PaymentSucceededV1 = {
    stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: `pi_${session}`, domain, offeringId: 'pack', email, credits,
    amountMinor, currency: 'usd', scopeDomain: null, paidAt: new Date().toISOString(),
  };
  const before = await spendable(email);
  await ledger.publish(BillingEventSubjects.paymentSucceeded, p, p.stripeEventId);
  await eventually(`purchase ${session}`, async () => (await spendable(email)) === before + credits);
}
const consume = (email: string, credits: number, referenceId: string) => send(LedgerSubjects.consumeCredits, { email, domain, credits, actionType: 'gen', referenceId });

describe('ledger depth on real PostgreSQL and NATS', () => {
  it('grants once per grantId and draws an expiring grant before paid credits', async () => {
    await buy('grant@example.com', 10, 'cs_grant');
    const grant = { email: 'grant@example.com', domain, credits: 5, grantId: 'welcome', reason: 'welcome bonus', expiresAt: new Date(Date.now() + 3600_000).toISOString() };
    const first = await ok(LedgerSubjects.grantCredits, grant);
    const again = await ok(LedgerSubjects.grantCredits, grant);
    expect(again).toMatchObject({ lotId: first.lotId, repeated: true });
    expect(await spendable('grant@example.com')).toBe(15);
    const consumed = await consume('grant@example.com', 6, 'g-1');
    expect(consumed.ok).toBe(true);
    const lots = (await ok(LedgerSubjects.getBalance, { email: 'grant@example.com' })).lots;
    expect(lots.map((l: any) => [l.kind, l.creditsRemaining])).toEqual([['purchased', 9]]); // the grant went first
  });

  it('expires a grant at its expiry time, by itself, once', async () => {
    await ok(LedgerSubjects.grantCredits, { email: 'expiry@example.com', domain, credits: 4, grantId: 'short', reason: 'trial', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect(await spendable('expiry@example.com')).toBe(4);
    await eventually('expiry', async () => {
      const { rows } = await ledger.db.query(`SELECT count(*) FROM ledger_events WHERE stream_id = 'account-expiry@example.com' AND type = 'CreditsExpired'`);
      return Number(rows[0].count) === 1;
    }, 10_000);
    expect((await ok(LedgerSubjects.getBalance, { email: 'expiry@example.com' })).balance).toBe(0);
  });

  it('holds credits, captures part, releases the rest; an uncaptured hold expires by itself', async () => {
    await buy('hold@example.com', 20, 'cs_hold');
    const hold = await ok(LedgerSubjects.reserveCredits, { email: 'hold@example.com', domain, credits: 15, referenceId: 'job-1', ttlSeconds: 60 });
    expect(hold).toMatchObject({ status: 'active', creditsReserved: 15, spendable: 5, balance: 20 });
    expect((await consume('hold@example.com', 6, 'h-1')).ok).toBe(false);
    expect((await send(LedgerSubjects.captureReservation, { email: 'hold@example.com', reservationId: hold.reservationId, domain, credits: 16 })).ok).toBe(false);
    const captured = await ok(LedgerSubjects.captureReservation, { email: 'hold@example.com', reservationId: hold.reservationId, domain, credits: 10, actionType: 'video' });
    expect(captured).toMatchObject({ status: 'captured', creditsCaptured: 10, balance: 10, spendable: 10 });
    const short = await ok(LedgerSubjects.reserveCredits, { email: 'hold@example.com', domain, credits: 4, referenceId: 'job-2', ttlSeconds: 1 });
    expect(short.spendable).toBe(6);
    await eventually('hold expiry', async () => (await spendable('hold@example.com')) === 10, 10_000);
    const repeat = await ok(LedgerSubjects.reserveCredits, { email: 'hold@example.com', domain, credits: 4, referenceId: 'job-2', ttlSeconds: 1 });
    expect(repeat).toMatchObject({ reservationId: short.reservationId, status: 'expired', repeated: true });
    // Another customer naming this reservation finds nothing, and nothing is written.
    expect(await send(LedgerSubjects.captureReservation, { email: 'grant@example.com', reservationId: hold.reservationId, domain, credits: 1 })).toMatchObject({ ok: false, refusal: { code: 'reservation_not_found' } });
    expect(await send(LedgerSubjects.releaseReservation, { email: 'grant@example.com', reservationId: short.reservationId, domain })).toMatchObject({ ok: false, refusal: { code: 'reservation_not_found' } });
  });

  it('refunds consumed credits to their lots instantly, never more than consumed, once per request', async () => {
    await buy('refund@example.com', 10, 'cs_refund');
    for (const ref of ['r-1', 'r-2']) expect((await consume('refund@example.com', 3, ref)).ok).toBe(true);
    const refund = await ok(LedgerSubjects.refundConsumptions, { email: 'refund@example.com', domain, refundRequestId: 'rr-1', referenceIds: ['r-1', 'r-2'] });
    expect(refund).toMatchObject({ creditsRefunded: 6, balance: 10, repeated: false });
    expect(await ok(LedgerSubjects.refundConsumptions, { email: 'refund@example.com', domain, refundRequestId: 'rr-1', referenceIds: ['r-1'] })).toEqual({ ...refund, repeated: true });
    const twice = await send(LedgerSubjects.refundConsumptions, { email: 'refund@example.com', domain, refundRequestId: 'rr-2', referenceIds: ['r-1'] });
    expect(twice).toMatchObject({ ok: false, refusal: { code: 'nothing_to_refund' } });
    const racing = await Promise.all(Array.from({ length: 20 }, (_, i) => send(LedgerSubjects.refundConsumptions, { email: 'refund@example.com', domain, refundRequestId: `race-${i}`, referenceIds: ['r-2'] })));
    expect(racing.filter((r) => r.ok)).toHaveLength(0);
    expect(await spendable('refund@example.com')).toBe(10);
  });

  it('refunds unused paid credits as money in proportion, and restores them if Stripe refuses', async () => {
    await buy('money@example.com', 3, 'cs_money', 500);
    expect((await consume('money@example.com', 1, 'm-1')).ok).toBe(true);
    const refund = await ok(LedgerSubjects.refundPurchase, { email: 'money@example.com', refundRequestId: 'mr-1', lotId: 'lot_cs_money' });
    expect(refund).toMatchObject({ credits: 2, amountMinor: 333, currency: 'usd', paymentIntentId: 'pi_cs_money', balance: 0 });
    expect(await ok(LedgerSubjects.refundPurchase, { email: 'money@example.com', refundRequestId: 'mr-1', lotId: 'lot_cs_money' })).toMatchObject({ credits: 2, repeated: true });
    const reverted = await ok(LedgerSubjects.revertPurchaseRefund, { email: 'money@example.com', refundRequestId: 'mr-1', reason: 'card_declined' });
    expect(reverted.balance).toBe(2);
    expect(await ok(LedgerSubjects.revertPurchaseRefund, { email: 'money@example.com', refundRequestId: 'mr-1', reason: 'again' })).toMatchObject({ repeated: true });
  });

  it('answers what is refundable at the moment of the query and refunds a window itself: newest first, up to creditsMax, once', async () => {
    const email = 'window@example.com';
    await buy(email, 30, 'cs_window');
    const since = new Date(Date.now() - 60_000).toISOString();
    // No wait between the acknowledgements and the query: the ledger is the system of record.
    await Promise.all([1, 2, 3, 4].map((i) => consume(email, i, `w${i}`)));
    const view = await ok(LedgerSubjects.getRefundable, { email, domain, consumedSince: since });
    expect(view.consumptions.map((c: { referenceId: string; creditsRefunded: number }) => [c.referenceId, c.creditsRefunded]).sort()).toEqual([['w1', 0], ['w2', 0], ['w3', 0], ['w4', 0]]);
    expect(view.balance).toBe(20);
    const command = { email, domain, refundRequestId: 'rr-window', consumedSince: since, creditsMax: 9 };
    const first = await ok(LedgerSubjects.refundConsumptions, command);
    expect(first).toMatchObject({ creditsRefunded: 9, repeated: false });
    const again = await ok(LedgerSubjects.refundConsumptions, command);
    expect(again).toMatchObject({ creditsRefunded: 9, repeated: true, refunded: first.refunded });
    const rest = await ok(LedgerSubjects.refundConsumptions, { ...command, refundRequestId: 'rr-window-2', creditsMax: undefined });
    expect(rest.creditsRefunded).toBe(1);
    expect(await send(LedgerSubjects.refundConsumptions, { ...command, refundRequestId: 'rr-window-3' })).toMatchObject({ ok: false, refusal: { code: 'nothing_to_refund' } });
    expect(await spendable(email)).toBe(30);
    const after = await ok(LedgerSubjects.getRefundable, { email, domain, consumedSince: since });
    expect(after.consumptions.every((c: { credits: number; creditsRefunded: number }) => c.credits === c.creditsRefunded)).toBe(true);
  });

  it("offers a held purchase's free credits only, and RefundPurchase pays exactly the offer", async () => {
    const email = 'offer@example.com';
    await buy(email, 100, 'cs_offer', 4900);
    await ok(LedgerSubjects.reserveCredits, { email, domain, credits: 90, referenceId: 'offer-job', ttlSeconds: 600 });
    const [offer] = (await ok(LedgerSubjects.getRefundable, { email, domain, consumedSince: new Date(0).toISOString() })).purchases;
    expect(offer).toMatchObject({ lotId: 'lot_cs_offer', creditsInitial: 100, creditsUnused: 10, amountMinor: 490, currency: 'usd' });
    const paid = await ok(LedgerSubjects.refundPurchase, { email, refundRequestId: 'rr-offer', lotId: offer.lotId });
    expect({ credits: paid.credits, amountMinor: paid.amountMinor }).toEqual({ credits: offer.creditsUnused, amountMinor: offer.amountMinor });
    expect((await ok(LedgerSubjects.getRefundable, { email, domain: 'b.test', consumedSince: new Date(0).toISOString() })).purchases).toEqual([]);
  });

  it("shows another domain a lot it may spend without the price or the purchase's reference", async () => {
    const email = 'offer@example.com';
    const own = await ok(LedgerSubjects.getBalance, { email, domain });
    expect(own.lots[0]).toMatchObject({ lotId: 'lot_cs_offer', amountMinor: 4900, currency: 'usd' });
    const other = await ok(LedgerSubjects.getBalance, { email, domain: 'b.test' });
    expect(other.lots[0]).toMatchObject({ amountMinor: null, currency: null, offeringId: null, creditsRemaining: own.lots[0].creditsRemaining });
    expect(JSON.stringify(other)).not.toMatch(/cs_offer|4900|usd/);
    const history = await ok(LedgerSubjects.getHistory, { email, domain: 'b.test', limit: 50 });
    expect(history.items.map((i: { type: string }) => i.type)).toContain('PurchaseRefunded');
    expect(JSON.stringify(history)).not.toMatch(/cs_offer|pi_|amountMinor|currency|rr-offer/);
  });

  it('freezes on a dispute, claws back a lost one (owed credits), and blocks only past-due plan credits', async () => {
    await buy('dispute@example.com', 10, 'cs_disputed');
    expect((await consume('dispute@example.com', 4, 'd-1')).ok).toBe(true);
    await ok(LedgerSubjects.freezeAccount, { email: 'dispute@example.com', disputeId: 'du_1', reason: 'charge.dispute.created' });
    expect(await consume('dispute@example.com', 1, 'd-2')).toMatchObject({ ok: false, refusal: { code: 'account_frozen' } });
    await ok(LedgerSubjects.clawBackPurchase, { email: 'dispute@example.com', disputeId: 'du_1', paymentIntentId: 'pi_cs_disputed', reason: 'lost' });
    const after = await ok(LedgerSubjects.unfreezeAccount, { email: 'dispute@example.com', disputeId: 'du_1', reason: 'closed' });
    expect(after.balance).toBe(-4);

    await ok(LedgerSubjects.grantCredits, { email: 'plan@example.com', domain, credits: 100, grantId: 'plan:sub_1:in_1', reason: 'monthly credits', source: 'plan', subscriptionId: 'sub_1' });
    await buy('plan@example.com', 2, 'cs_pack');
    await ok(LedgerSubjects.suspendPlanCredits, { email: 'plan@example.com', subscriptionId: 'sub_1', reason: 'past due after grace' });
    expect(await consume('plan@example.com', 5, 'p-1')).toMatchObject({ ok: false, refusal: { code: 'payment_past_due' } });
    expect((await consume('plan@example.com', 2, 'p-2')).ok).toBe(true);
    await ok(LedgerSubjects.resumePlanCredits, { email: 'plan@example.com', subscriptionId: 'sub_1', reason: 'invoice paid' });
    expect((await consume('plan@example.com', 5, 'p-3')).ok).toBe(true);
  });

  it('pages the history newest first with the balance after each event', async () => {
    const first = await ok(LedgerSubjects.getHistory, { email: 'refund@example.com', limit: 2 });
    expect(first.items.map((i: any) => i.type)).toEqual(['ConsumptionRefunded', 'ConsumptionRefunded']);
    expect(first.items[0].balanceAfter).toBe(10);
    const rest = await ok(LedgerSubjects.getHistory, { email: 'refund@example.com', cursor: first.nextCursor, limit: 10 });
    expect(rest.items.map((i: any) => [i.type, i.creditsDelta, i.balanceAfter])).toEqual([
      ['CreditsConsumed', -3, 4], ['CreditsConsumed', -3, 7], ['CreditsPurchased', 10, 10],
    ]);
    expect(rest.nextCursor).toBeNull();
  });

  it('acts on billing events from the BILLING stream: plan credits, grace, disputes, dashboard refunds', async () => {
    const publish = (name: keyof typeof BillingEventSubjects, body: unknown, msgID: string) =>
      ledger.nc.jetstream().publish(BillingEventSubjects[name], Buffer.from(JSON.stringify(body)), { msgID });
    const who = { email: 'Billing@Example.com', domain };
    const grant = { ...who, stripeEventId: 'evt_sub_1', grantId: 'plan:sub_9:2026-11-20', subscriptionId: 'sub_9', invoiceId: null, offeringId: 'builder',
      credits: 100, periodStart: '2026-11-20T00:00:00.000Z', periodEnd: '2026-12-20T00:00:00.000Z', expiresAt: '2099-12-20T00:00:00.000Z', grantedAt: new Date().toISOString() };
    await publish('planCreditsGranted', grant, 'evt_sub_1');
    await publish('planCreditsGranted', grant, 'evt_sub_1:again'); // a second delivery of the same period grants nothing
    await eventually('plan credits', async () => (await spendable('billing@example.com')) === 100);
    await publish('subscriptionChanged', { ...who, subscriptionId: 'sub_roll', offeringId: 'studio', status: 'active', previousStatus: null, trialEnd: null,
      currentPeriodEnd: null, cancelAtPeriodEnd: false, graceEndsAt: null, at: new Date().toISOString() }, 'evt_sub_roll_active'); // not a cancellation: nothing
    await publish('planCreditsBlocked', { ...who, subscriptionId: 'sub_9', reason: 'grace over', at: new Date().toISOString() }, 'evt_block');
    await eventually('blocked', async () => !(await consume('billing@example.com', 1, 'b-1')).ok);
    expect(await consume('billing@example.com', 1, 'b-2')).toMatchObject({ ok: false, refusal: { code: 'payment_past_due' } });
    await publish('planCreditsUnblocked', { ...who, subscriptionId: 'sub_9', reason: 'paid', at: new Date().toISOString() }, 'evt_unblock');
    await eventually('unblocked', async () => (await consume('billing@example.com', 1, 'b-3')).ok);

    await buy('billing@example.com', 10, 'cs_bill', 1000);
    await publish('chargeRefundedExternally', { refundId: 're_dash', chargeId: 'ch_1', paymentIntentId: 'pi_cs_bill', email: 'billing@example.com', amountRefundedMinor: 300, currency: 'usd', at: new Date().toISOString() }, 'evt_refund');
    await eventually('dashboard refund', async () => (await spendable('billing@example.com')) === 99 + 10 - 3);
    await publish('disputeOpened', { disputeId: 'du_9', chargeId: 'ch_1', paymentIntentId: 'pi_cs_bill', ...who, amountMinor: 1000, currency: 'usd', reason: 'fraudulent', at: new Date().toISOString() }, 'evt_du_open');
    await eventually('frozen', async () => (await consume('billing@example.com', 1, 'b-4')).ok === false);
    expect(await consume('billing@example.com', 1, 'b-5')).toMatchObject({ ok: false, refusal: { code: 'account_frozen' } });
    await publish('disputeClosed', { disputeId: 'du_9', chargeId: 'ch_1', paymentIntentId: 'pi_cs_bill', ...who, outcome: 'lost', at: new Date().toISOString() }, 'evt_du_closed');
    await eventually('unfrozen after clawback', async () => (await consume('billing@example.com', 1, 'b-6')).ok);
    expect(await spendable('billing@example.com')).toBe(99 - 1); // the disputed lot's 7 left were taken back; 99 plan credits less the last consume
    const endsAt = new Date(Date.now() + 1500).toISOString();
    await publish('subscriptionChanged', { ...who, subscriptionId: 'sub_9', offeringId: 'builder', status: 'canceled', previousStatus: 'active', trialEnd: null,
      currentPeriodEnd: endsAt, cancelAtPeriodEnd: false, graceEndsAt: null, at: new Date().toISOString() }, 'evt_sub_9_canceled');
    await eventually('plan credits end with the period', async () => (await spendable('billing@example.com')) === 0, 15_000);
  });

  it('replays every event type into projections equal to the live ones', async () => {
    await ledger.expectReplayClean();
    const { rows } = await ledger.db.query('SELECT DISTINCT type FROM ledger_events ORDER BY type');
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining([
      'AccountFrozen', 'AccountUnfrozen', 'ConsumptionRefunded', 'CreditsClawedBack', 'CreditsConsumed', 'CreditsExpired', 'CreditsGranted',
      'CreditsPurchased', 'CreditsReserved', 'PlanCreditsResumed', 'PlanCreditsSuspended', 'PurchaseRefundReverted', 'PurchaseRefunded',
      'ReservationCaptured', 'ReservationReleased',
    ]));
  });
});
