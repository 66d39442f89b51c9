import { INestApplication } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { AnalyticsReadModelSubjects, CreditsView, QueueGroups, Reply, RevenueView, Streams } from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { dropDatabase } from '@credit-hub/service-kit';
import { consumedEnvelope, eventually, publishEnvelope, purchasedEnvelope, startService, testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { connect, JetStreamClient, NatsConnection } from 'nats';
import { firstValueFrom } from 'rxjs';
import { FeedbackAnalyticsModule } from '../feedback-analytics.module';
import { LedgerReadModelConsumer } from './read-model.consumers';

// Real PostgreSQL and NATS: LEDGER → the issue-5 read models, queried over request/reply.
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
    await ensureStreams(nc, [Streams.ledger]);
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
        rows: [
          { day: '2025-04-01', kind: 'consumed', actionType: 'chat', credits: 2, events: 1 },
          { day: '2025-04-01', kind: 'purchased', actionType: null, credits: 6, events: 2 },
          { day: '2025-04-02', kind: 'consumed', actionType: 'image', credits: 3, events: 1 },
        ],
        totals: { purchased: 6, granted: 0, consumed: 5, refunded: 0, expired: 0 },
      },
    });
    const revenue = await ask<RevenueView>(AnalyticsReadModelSubjects.revenue, { domain, from: '2025-04-01', to: '2025-04-02' });
    expect(revenue.ok && revenue.value.rows.map((r) => [r.day, r.recognisedMinor])).toEqual([['2025-04-01', 666], ['2025-04-02', 1000]]);
    expect(revenue.ok && revenue.value.totals).toEqual([{ currency: 'usd', recognisedMinor: 1666, reversedMinor: 0, refundedMinor: 0, netMinor: 1666 }]);
    expect(await ask(AnalyticsReadModelSubjects.revenue, { domain, from: '2025-02-30' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'from' } });
  }, 60_000);
});
