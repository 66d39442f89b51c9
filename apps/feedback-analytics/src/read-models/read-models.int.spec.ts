import { INestApplication } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import {
  accountStreamId,
  AnalyticsReadModelSubjects,
  AnalyticsSummaryView,
  BillingEventSubjects,
  ConversionView,
  CreditsView,
  LedgerEventTypeSubjects,
  QueueGroups,
  RefundsAnalyticsView,
  Reply,
  RevenueView,
  Streams,
} from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { dropDatabase } from '@credit-hub/service-kit';
import { consumedEnvelope, eventually, publishEnvelope, publishRaw, purchasedEnvelope, startService, testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { connect, JetStreamClient, NatsConnection } from 'nats';
import { firstValueFrom } from 'rxjs';
import { FeedbackAnalyticsModule } from '../feedback-analytics.module';
import { BillingReadModelConsumer, LedgerReadModelConsumer } from './read-model.consumers';

// Real PostgreSQL and NATS: LEDGER → the read models, queried over request/reply.
describe('feedback-analytics: LEDGER → credits and revenue read models', () => {
  const databaseUrl = uniqueDatabaseUrl('analytics_rm');
  let nc: NatsConnection;
  let js: JetStreamClient;
  let client: ClientProxy;
  let app: INestApplication | undefined;
  const ask = <T>(subject: string, query: object) => firstValueFrom(client.send<Reply<T>>(subject, query));

  beforeAll(async () => {
    Object.assign(process.env, { NATS_URL: testNatsUrl, ANALYTICS_DATABASE_URL: databaseUrl, ANALYTICS_HTTP_PORT: '0' });
    nc = await connect({ servers: testNatsUrl });
    await ensureStreams(nc, [Streams.ledger, Streams.billing]);
    js = nc.jetstream();
    client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [testNatsUrl] } });
    await client.connect();
    app = await startService(FeedbackAnalyticsModule, testNatsUrl, QueueGroups.analytics);
  });

  afterAll(async () => {
    await app?.close();
    await client?.close();
    const jsm = await nc.jetstreamManager();
    for (const stream of [Streams.ledger, Streams.billing, Streams.refunds]) await jsm.streams.delete(stream.name).catch(() => undefined);
    await nc?.drain();
    await dropDatabase(databaseUrl);
  });

  it('counts each event once under republishing, and floors revenue once per event, not per draw', async () => {
    const domain = 'revenue.example.com';
    const lotA = purchasedEnvelope({ domain, credits: 3, amountMinor: 1000, currency: 'usd', purchasedAt: '2025-04-01T09:00:00.000Z' });
    const lotB = purchasedEnvelope({ domain, credits: 3, amountMinor: 1000, currency: 'usd', purchasedAt: '2025-04-01T09:00:00.000Z' });
    const idA = (lotA.data as { lotId: string }).lotId;
    const idB = (lotB.data as { lotId: string }).lotId;
    const events = [
      lotA,
      lotB,
      // 2 of A's 3 credits: 666.67 → 666
      consumedEnvelope({ domain, actionType: 'chat', credits: 2, draws: [{ lotId: idA, credits: 2 }], consumedAt: '2025-04-01T10:00:00.000Z' }),
      // 1 of A + 2 of B: 333.33 + 666.67 = 1000 exactly (floored per draw it would be 999)
      consumedEnvelope({ domain, actionType: 'image', credits: 3, draws: [{ lotId: idA, credits: 1 }, { lotId: idB, credits: 2 }], consumedAt: '2025-04-02T10:00:00.000Z' }),
    ];
    for (const event of events) await publishEnvelope(js, event);
    for (const event of events) await publishEnvelope(js, event, `${event.eventId}:again`); // a republish: the inbox drops it
    await eventually('all 8 messages handled', async () => app!.get(LedgerReadModelConsumer).handledCount >= 8);

    const credits = await ask<CreditsView>(AnalyticsReadModelSubjects.credits, { domain });
    expect(credits).toEqual({
      ok: true,
      value: {
        domain,
        domains: [domain],
        rows: [
          { domain, day: '2025-04-01', kind: 'consumed', actionType: 'chat', credits: 2, events: 1 },
          { domain, day: '2025-04-01', kind: 'purchased', actionType: null, credits: 6, events: 2 },
          { domain, day: '2025-04-02', kind: 'consumed', actionType: 'image', credits: 3, events: 1 },
        ],
        totals: { purchased: 6, granted: 0, consumed: 5, refunded: 0, expired: 0 },
        byDomain: [{ domain, totals: { purchased: 6, granted: 0, consumed: 5, refunded: 0, expired: 0 } }],
      },
    });
    const revenue = await ask<RevenueView>(AnalyticsReadModelSubjects.revenue, { domain, from: '2025-04-01', to: '2025-04-02' });
    expect(revenue.ok && revenue.value.rows.map((r) => [r.day, r.recognisedMinor])).toEqual([['2025-04-01', 666], ['2025-04-02', 1000]]);
    // Two platform sales of 1000 on 2025-04-01: gross 2000, no platform fee, net sales = gross.
    expect(revenue.ok && revenue.value.totals).toEqual([
      { currency: 'usd', recognisedMinor: 1666, reversedMinor: 0, refundedMinor: 0, netMinor: 1666, grossSalesMinor: 2000, platformFeeMinor: 0, netSalesMinor: 2000 },
    ]);
    expect(await ask(AnalyticsReadModelSubjects.revenue, { domain, from: '2025-02-30' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'from' } });
  }, 60_000);

  /** A ledger envelope of any type, as the ledger's relay publishes it. */
  let position = 1000;
  async function publishLedger(type: string, data: Record<string, unknown>, email = 'ada@example.com'): Promise<string> {
    const eventId = randomUUID();
    position += 1;
    const body = { eventId, type, schemaVersion: 1, streamId: accountStreamId(email), version: position, position, occurredAt: new Date().toISOString(), data, metadata: {} };
    await publishRaw(js, (LedgerEventTypeSubjects as Record<string, string>)[type]!, body, eventId);
    return eventId;
  }

  it('counts refunded credits under the action type consumed; a reverted money refund no longer counts; several domains read at once with per-domain breakdowns', async () => {
    const [shop, notes] = ['shop.example.com', 'notes.example.com'];
    const before = app!.get(LedgerReadModelConsumer).handledCount;
    const lotShop = purchasedEnvelope({ domain: shop, credits: 10, amountMinor: 1000, currency: 'usd', purchasedAt: '2025-05-01T09:00:00.000Z' });
    const lotNotes = purchasedEnvelope({ domain: notes, credits: 10, amountMinor: 2000, currency: 'eur', purchasedAt: '2025-05-01T09:00:00.000Z' });
    const lotShopId = (lotShop.data as { lotId: string }).lotId;
    const lotNotesId = (lotNotes.data as { lotId: string }).lotId;
    const imageUse = consumedEnvelope({ domain: shop, actionType: 'image', credits: 4, draws: [{ lotId: lotShopId, credits: 4 }], consumedAt: '2025-05-02T10:00:00.000Z' });
    const chatUse = consumedEnvelope({ domain: notes, actionType: 'chat', credits: 2, draws: [{ lotId: lotNotesId, credits: 2 }], consumedAt: '2025-05-02T10:00:00.000Z' });
    for (const event of [lotShop, lotNotes, imageUse, chatUse]) await publishEnvelope(js, event);
    // 3 of the 4 image credits refunded: 300 reversed; revenue recognised 400.
    await publishLedger('ConsumptionRefunded', {
      consumptionEventId: imageUse.eventId, domain: shop, referenceId: 'r1', refundRequestId: randomUUID(), credits: 3,
      draws: [{ lotId: lotShopId, credits: 3 }], balanceAfter: 9, refundedAt: '2025-05-03T10:00:00.000Z',
    });
    // A money refund of notes' 8 unused credits (1600), reverted (Stripe refused it): refunded back to 0.
    const refundRequestId = randomUUID();
    await publishLedger('PurchaseRefunded', {
      lotId: lotNotesId, refundRequestId, credits: 8, amountMinor: 1600, currency: 'eur', paymentIntentId: null, checkoutSessionId: 'cs_x', balanceAfter: 0, refundedAt: '2025-05-04T10:00:00.000Z',
    });
    // A shop purchase refund that stays: 600 of 1000 for 6 credits.
    await publishLedger('PurchaseRefunded', {
      lotId: lotShopId, refundRequestId: randomUUID(), credits: 6, amountMinor: 600, currency: 'usd', paymentIntentId: null, checkoutSessionId: 'cs_y', balanceAfter: 0, refundedAt: '2025-05-04T10:00:00.000Z',
    });
    await eventually('the refunds and the money refunds are in', async () => app!.get(LedgerReadModelConsumer).handledCount >= before + 7);
    const refundedEur = async () => {
      const answer = await ask<RevenueView>(AnalyticsReadModelSubjects.revenue, { domain: notes });
      return answer.ok ? answer.value.totals.find((t) => t.currency === 'eur')?.refundedMinor : undefined;
    };
    expect(await refundedEur()).toBe(1600);
    await publishLedger('PurchaseRefundReverted', { lotId: lotNotesId, refundRequestId, credits: 8, reason: 'card_closed', balanceAfter: 8, revertedAt: '2025-05-05T10:00:00.000Z' });
    await eventually('the revert is in', async () => (await refundedEur()) === 0);

    const credits = await ask<CreditsView>(AnalyticsReadModelSubjects.credits, { domains: [shop, notes] });
    expect(credits.ok && credits.value.rows.filter((r) => r.kind === 'refunded')).toEqual([
      { domain: shop, day: '2025-05-03', kind: 'refunded', actionType: 'image', credits: 3, events: 1 },
    ]);
    expect(credits.ok && credits.value.byDomain.map((d) => [d.domain, d.totals.consumed, d.totals.refunded])).toEqual([[notes, 2, 0], [shop, 4, 3]]);
    expect(credits.ok && credits.value.totals).toMatchObject({ purchased: 20, consumed: 6, refunded: 3 });

    const revenue = await ask<RevenueView>(AnalyticsReadModelSubjects.revenue, { domains: [shop, notes] });
    expect(revenue.ok && revenue.value.byDomain).toEqual([
      { domain: notes, currency: 'eur', recognisedMinor: 400, reversedMinor: 0, refundedMinor: 0, netMinor: 400, grossSalesMinor: 2000, platformFeeMinor: 0, netSalesMinor: 2000 },
      { domain: shop, currency: 'usd', recognisedMinor: 400, reversedMinor: 300, refundedMinor: 600, netMinor: -500, grossSalesMinor: 1000, platformFeeMinor: 0, netSalesMinor: 1000 },
    ]);
    expect(revenue.ok && revenue.value.domain).toBe(`${notes},${shop}`);

    const refunds = await ask<RefundsAnalyticsView>(AnalyticsReadModelSubjects.refunds, { domains: [shop, notes] });
    expect(refunds.ok && refunds.value.byActionType).toEqual([{ actionType: 'image', creditsRefunded: 3, refunds: 1 }]);
    expect(refunds.ok && refunds.value.byDomain.map((d) => [d.domain, d.creditsConsumed, d.creditsRefunded])).toEqual([[notes, 2, 0], [shop, 4, 3]]);
    // One definition of credits refunded: the days of the chart add up to the total (the ledger's refunds).
    expect(refunds.ok && refunds.value.byDay).toEqual([{ day: '2025-05-03', count: 0, creditsRefunded: 3 }]);
    expect(refunds.ok && refunds.value.creditsRefunded).toBe(3);
    // One domain of the two reads only that domain.
    const shopOnly = await ask<AnalyticsSummaryView>(AnalyticsReadModelSubjects.summary, { domains: [shop] });
    expect(shopOnly.ok && [shopOnly.value.credits.consumed, shopOnly.value.domains]).toEqual([4, [shop]]);
    expect(await ask(AnalyticsReadModelSubjects.summary, { domains: [] })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'domains' } });
  }, 60_000);

  it("shows a connected builder's sales as gross, platform fee and net per domain, day and currency; the platform's with no fee", async () => {
    const [builderShop, builderBlog, platform] = ['connect-shop.example.com', 'connect-blog.example.com', 'connect-platform.example.com'];
    const before = app!.get(LedgerReadModelConsumer).handledCount;
    const sale = (domain: string, amountMinor: number, currency: string, purchasedAt: string, applicationFeeMinor?: number) =>
      purchasedEnvelope({ domain, credits: 10, amountMinor, currency, purchasedAt, ...(applicationFeeMinor === undefined ? {} : { scopeAccount: 'acct_builder', applicationFeeMinor }) });
    const sales = [
      sale(builderShop, 1000, 'usd', '2025-08-01T09:00:00.000Z', 100),
      sale(builderShop, 2500, 'usd', '2025-08-01T17:00:00.000Z', 250),
      sale(builderShop, 700, 'eur', '2025-08-01T18:00:00.000Z', 70),
      sale(builderBlog, 999, 'usd', '2025-08-02T09:00:00.000Z', 99),
      sale(platform, 1200, 'usd', '2025-08-01T09:00:00.000Z'), // a platform sale, as written before Connect: no fee fields
    ];
    const lotId = (sales[0]!.data as { lotId: string }).lotId;
    const use = consumedEnvelope({ domain: builderBlog, actionType: 'chat', credits: 5, draws: [{ lotId, credits: 5 }], consumedAt: '2025-08-02T10:00:00.000Z' });
    for (const event of [...sales, use]) await publishEnvelope(js, event);
    await eventually('the sales are in', async () => app!.get(LedgerReadModelConsumer).handledCount >= before + sales.length + 1);

    const revenue = await ask<RevenueView>(AnalyticsReadModelSubjects.revenue, { domains: [builderShop, builderBlog, platform], from: '2025-08-01', to: '2025-08-02' });
    if (!revenue.ok) throw new Error(revenue.refusal.detail);
    const figures = (r: RevenueView['rows'][number]) => [r.domain, r.day, r.currency, r.grossSalesMinor, r.platformFeeMinor, r.netSalesMinor];
    expect(revenue.value.rows.map(figures)).toEqual([
      [builderShop, '2025-08-01', 'eur', 700, 70, 630],
      [builderShop, '2025-08-01', 'usd', 3500, 350, 3150],
      [platform, '2025-08-01', 'usd', 1200, 0, 1200],
      [builderBlog, '2025-08-02', 'usd', 999, 99, 900],
      [builderShop, '2025-08-02', 'usd', 0, 0, 0], // only the recognised revenue of the consumption below: no sale that day
    ].sort((a, b) => `${a[1]}${a[0]}`.localeCompare(`${b[1]}${b[0]}`) || String(a[2]).localeCompare(String(b[2]))));
    // The builder's lot consumed on its other domain is the selling domain's recognised revenue (500 of 1000), as before.
    expect(revenue.value.byDomain.map((d) => [d.domain, d.currency, d.grossSalesMinor, d.platformFeeMinor, d.netSalesMinor, d.recognisedMinor])).toEqual([
      [builderBlog, 'usd', 999, 99, 900, 0],
      [platform, 'usd', 1200, 0, 1200, 0],
      [builderShop, 'eur', 700, 70, 630, 0],
      [builderShop, 'usd', 3500, 350, 3150, 500],
    ]);
    expect(revenue.value.totals.map((t) => [t.currency, t.grossSalesMinor, t.platformFeeMinor, t.netSalesMinor])).toEqual([['eur', 700, 70, 630], ['usd', 5699, 449, 5250]]);
    const summary = await ask<AnalyticsSummaryView>(AnalyticsReadModelSubjects.summary, { domains: [builderShop], from: '2025-08-01', to: '2025-08-02' });
    expect(summary.ok && summary.value.revenue.map((t) => [t.currency, t.grossSalesMinor, t.platformFeeMinor, t.netSalesMinor])).toEqual([['eur', 700, 70, 630], ['usd', 3500, 350, 3150]]);
  }, 60_000);

  it('takes the application fee a money refund gave back off the platform fee, once per Stripe refund', async () => {
    const shop = 'connect-refund.example.com';
    const [ledgerBefore, billingBefore] = [app!.get(LedgerReadModelConsumer).handledCount, app!.get(BillingReadModelConsumer).handledCount];
    await publishEnvelope(js, purchasedEnvelope({ domain: shop, credits: 10, amountMinor: 1000, currency: 'usd', purchasedAt: '2025-09-01T09:00:00.000Z', scopeAccount: 'acct_builder', applicationFeeMinor: 100 }));
    await eventually('the sale is in', async () => app!.get(LedgerReadModelConsumer).handledCount >= ledgerBefore + 1);
    const returned = {
      refundRequestId: randomUUID(), stripeRefundId: 're_test_fee_1', paymentIntentId: 'pi_test_fee_1', connectedAccountId: 'acct_builder', domain: shop,
      currency: 'usd', amountRefundedMinor: 500, applicationFeeRefundedMinor: 50, at: '2025-09-02T10:00:00.000Z',
    };
    // Billing may publish it again (a retried refund): same message id, counted once.
    await publishRaw(js, BillingEventSubjects.applicationFeeRefunded, returned, 'application-fee-refunded:re_test_fee_1');
    await publishRaw(js, BillingEventSubjects.applicationFeeRefunded, returned, 'application-fee-refunded:re_test_fee_1');
    await eventually('the fee refund is in', async () => app!.get(BillingReadModelConsumer).handledCount >= billingBefore + 1);

    const revenue = await ask<RevenueView>(AnalyticsReadModelSubjects.revenue, { domains: [shop], from: '2025-09-01', to: '2025-09-02' });
    if (!revenue.ok) throw new Error(revenue.refusal.detail);
    expect(revenue.value.rows.map((r) => [r.day, r.grossSalesMinor, r.platformFeeMinor, r.netSalesMinor])).toEqual([
      ['2025-09-01', 1000, 100, 900],
      ['2025-09-02', 0, -50, 50],
    ]);
    expect(revenue.value.totals.map((t) => [t.currency, t.grossSalesMinor, t.platformFeeMinor, t.netSalesMinor])).toEqual([['usd', 1000, 50, 950]]);
  }, 60_000);

  it('counts trials started and converted, payment failures and disputes per domain from BILLING', async () => {
    const [a, b] = ['trial-a.example.com', 'trial-b.example.com'];
    const before = app!.get(BillingReadModelConsumer).handledCount;
    const publish = (subject: string, event: Record<string, unknown>) => publishRaw(js, subject, { ...event, eventId: randomUUID() }, randomUUID());
    const subscription = (subscriptionId: string, domain: string, status: string, previousStatus: string | null, at: string) => ({
      subscriptionId, email: 'ada@example.com', domain, offeringId: 'plan', status, previousStatus, trialEnd: null, currentPeriodEnd: null, cancelAtPeriodEnd: false, graceEndsAt: null, at,
    });
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_1', a, 'trialing', null, '2025-06-01T10:00:00.000Z'));
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_2', a, 'trialing', null, '2025-06-01T11:00:00.000Z'));
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_3', b, 'trialing', null, '2025-06-01T12:00:00.000Z'));
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_1', a, 'active', 'trialing', '2025-06-15T10:00:00.000Z'));
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_1', a, 'past_due', 'active', '2025-07-15T10:00:00.000Z'));
    // sub_2's first payment fails, then succeeds: converted too; sub_3 (b) is cancelled in its trial.
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_2', a, 'past_due', 'trialing', '2025-06-15T11:00:00.000Z'));
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_2', a, 'active', 'past_due', '2025-06-16T11:00:00.000Z'));
    await publish(BillingEventSubjects.subscriptionChanged, subscription('sub_3', b, 'canceled', 'trialing', '2025-06-15T12:00:00.000Z'));
    await publish(BillingEventSubjects.paymentFailed, { subscriptionId: 'sub_1', invoiceId: 'in_1', email: 'ada@example.com', domain: a, amountMinor: 1000, currency: 'usd', at: '2025-07-15T10:00:00.000Z' });
    await publish(BillingEventSubjects.disputeOpened, { disputeId: 'dp_1', email: 'ada@example.com', domain: b, amountMinor: 500, currency: 'usd', at: '2025-06-20T10:00:00.000Z' });
    await publish(BillingEventSubjects.disputeOpened, { disputeId: 'dp_2', email: 'ada@example.com', domain: b, amountMinor: 500, currency: 'usd', at: '2025-06-21T10:00:00.000Z' });
    await publish(BillingEventSubjects.disputeClosed, { disputeId: 'dp_1', email: 'ada@example.com', domain: b, outcome: 'won', at: '2025-06-25T10:00:00.000Z' });
    await publish(BillingEventSubjects.disputeClosed, { disputeId: 'dp_2', email: 'ada@example.com', domain: b, outcome: 'lost', at: '2025-06-26T10:00:00.000Z' });
    await eventually('13 billing messages handled', async () => app!.get(BillingReadModelConsumer).handledCount >= before + 13);

    const conversion = await ask<ConversionView>(AnalyticsReadModelSubjects.conversion, { domains: [a, b] });
    expect(conversion.ok && conversion.value.trials).toEqual({ started: 3, converted: 2, rate: 2 / 3 });
    expect(conversion.ok && conversion.value.byDomain.map((d) => [d.domain, d.trials.started, d.trials.converted])).toEqual([[a, 2, 2], [b, 1, 0]]);
    const refunds = await ask<RefundsAnalyticsView>(AnalyticsReadModelSubjects.refunds, { domains: [a, b] });
    expect(refunds.ok && [refunds.value.paymentFailures, refunds.value.disputes]).toEqual([1, { opened: 2, won: 1, lost: 1 }]);
    expect(refunds.ok && refunds.value.byDomain.map((d) => [d.domain, d.paymentFailures, d.disputes])).toEqual([
      [a, 1, { opened: 0, won: 0, lost: 0 }],
      [b, 0, { opened: 2, won: 1, lost: 1 }],
    ]);
    // The range counts by the day each happened.
    const june = await ask<RefundsAnalyticsView>(AnalyticsReadModelSubjects.refunds, { domain: a, from: '2025-06-01', to: '2025-06-30' });
    expect(june.ok && june.value.paymentFailures).toBe(0);
  }, 60_000);
});
