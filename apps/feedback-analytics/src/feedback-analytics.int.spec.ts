import { INestApplication } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { AnalyticsSubjects, LedgerEventSubjects, QueueGroups, Reply, Streams, UsageQuery, UsageView } from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { dropDatabase } from '@credit-hub/service-kit';
import { eventually, testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { connect, JetStreamClient, NatsConnection } from 'nats';
import { Client } from 'pg';
import { firstValueFrom } from 'rxjs';
import { FeedbackAnalyticsModule } from './feedback-analytics.module';
import { LedgerEventsConsumer } from './ledger/ledger-events.consumer';
import { MalformedMessageError } from '@credit-hub/messaging';
import { consumedEnvelope, publishEnvelope, publishRaw, purchasedEnvelope, startService } from '@credit-hub/testing';

// Real PostgreSQL and NATS: the service reads a namespaced LEDGER stream (jest-setup sets HUB_NAMESPACE).
describe('feedback-analytics: LEDGER → usage read model', () => {
  const databaseUrl = uniqueDatabaseUrl('analytics');
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: Client;
  let client: ClientProxy;
  let app: INestApplication | undefined;

  const start = async () => {
    app = await startService(FeedbackAnalyticsModule, testNatsUrl, QueueGroups.analytics);
    return app.get(LedgerEventsConsumer);
  };
  const stop = async () => {
    await app?.close();
    app = undefined;
  };
  const usage = (query: Partial<UsageQuery>) => firstValueFrom(client.send<Reply<UsageView>>(AnalyticsSubjects.usage, query));
  const consumptionsOf = async (domain: string) => {
    const { rows } = await db.query('SELECT COALESCE(sum(consumptions), 0)::int AS n FROM usage_daily WHERE domain = $1', [domain]);
    return rows[0].n as number;
  };

  beforeAll(async () => {
    Object.assign(process.env, { NATS_URL: testNatsUrl, ANALYTICS_DATABASE_URL: databaseUrl, ANALYTICS_HTTP_PORT: '0' });
    nc = await connect({ servers: testNatsUrl });
    await ensureStreams(nc, [Streams.ledger]);
    js = nc.jetstream();
    client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [testNatsUrl] } });
    await client.connect();
    await start(); // creates and migrates the database
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await stop();
    await client?.close();
    await db?.end();
    await (await nc.jetstreamManager()).streams.delete(Streams.ledger.name).catch(() => undefined);
    await nc?.drain();
    await dropDatabase(databaseUrl);
  });

  it('counts every event once under republishing, and answers usage per UTC day and action type', async () => {
    const domain = 'totals.example.com';
    const events = [
      consumedEnvelope({ domain, actionType: 'chat', credits: 3, consumedAt: '2025-03-01T00:00:00.000Z' }),
      consumedEnvelope({ domain, actionType: 'chat', credits: 4, consumedAt: '2025-03-01T23:59:59.999Z' }),
      // 01:30 at +02:00 is still 1 March in UTC
      consumedEnvelope({ domain, actionType: 'image', credits: 5, consumedAt: '2025-03-02T01:30:00.000+02:00' }),
      consumedEnvelope({ domain, actionType: 'chat', credits: 7, consumedAt: '2025-03-02T00:00:00.000Z' }),
      consumedEnvelope({ domain: 'TOTALS.example.com ', actionType: 'Batch', credits: 2, consumedAt: '2025-03-03T08:00:00.000Z' }),
      consumedEnvelope({ domain: 'other.example.com', actionType: 'chat', credits: 100, consumedAt: '2025-03-01T08:00:00.000Z' }),
      purchasedEnvelope({ domain, credits: 100, amountMinor: 1000, currency: 'usd', purchasedAt: '2025-03-01T09:00:00.000Z' }),
      purchasedEnvelope({ domain, credits: 50, amountMinor: 500, currency: 'eur', purchasedAt: '2025-03-04T09:00:00.000Z' }),
    ];
    for (const event of events) await publishEnvelope(js, event);
    // The same events again under new message ids: JetStream keeps them, the inbox must drop them.
    for (const event of events) await publishEnvelope(js, event, `${event.eventId}:again`);
    // And once more under the same id: JetStream's duplicate window drops these.
    for (const event of events) await publishEnvelope(js, event);
    const grantId = 'f5c8b6f2-0000-4000-8000-000000000001';
    await publishRaw(js, LedgerEventSubjects.creditsConsumed.replace('credits-consumed', 'credits-granted'), { eventId: grantId, type: 'CreditsGranted', schemaVersion: 1, data: {} }, grantId);

    await eventually('all 17 messages handled', async () => (await app!.get(LedgerEventsConsumer)).handledCount >= 17);
    const answer = await usage({ domain });
    expect(answer).toEqual({
      ok: true,
      value: {
        domain,
        domains: [domain],
        rows: [
          { domain, day: '2025-03-01', actionType: 'chat', creditsConsumed: 7, consumptions: 2 },
          { domain, day: '2025-03-01', actionType: 'image', creditsConsumed: 5, consumptions: 1 },
          { domain, day: '2025-03-02', actionType: 'chat', creditsConsumed: 7, consumptions: 1 },
          { domain, day: '2025-03-03', actionType: 'Batch', creditsConsumed: 2, consumptions: 1 },
        ],
        totals: { creditsConsumed: 21, consumptions: 5, creditsPurchased: 150, purchases: 2 },
      },
    });
    const { rows: purchases } = await db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, currency, credits_purchased::int, purchases::int, amount_minor::int
         FROM purchases_daily WHERE domain = $1 ORDER BY day`,
      [domain],
    );
    expect(purchases).toEqual([
      { day: '2025-03-01', currency: 'usd', credits_purchased: 100, purchases: 1, amount_minor: 1000 },
      { day: '2025-03-04', currency: 'eur', credits_purchased: 50, purchases: 1, amount_minor: 500 },
    ]);
    const { rows: inbox } = await db.query('SELECT count(*)::int AS n FROM inbox WHERE message_id = $1', [grantId]);
    expect(inbox[0].n).toBe(1); // unknown type: claimed and ignored

    // Inclusive range: 2 March to 4 March.
    const ranged = await usage({ domain, from: '2025-03-02', to: '2025-03-04' });
    expect(ranged.ok && ranged.value.rows.map((row) => `${row.day}/${row.actionType}`)).toEqual(['2025-03-02/chat', '2025-03-03/Batch']);
    expect(ranged.ok && ranged.value.totals).toEqual({ creditsConsumed: 9, consumptions: 2, creditsPurchased: 50, purchases: 1 });
    const single = await usage({ domain, from: '2025-03-01', to: '2025-03-01' });
    expect(single.ok && single.value.totals).toEqual({ creditsConsumed: 12, consumptions: 3, creditsPurchased: 100, purchases: 1 });
    // Several domains (a builder key's): rows tagged with their domain, totals over all of them.
    const both = await usage({ domains: [domain, 'other.example.com'], from: '2025-03-01', to: '2025-03-01' });
    expect(both.ok && both.value.domains).toEqual(['other.example.com', domain]);
    expect(both.ok && both.value.rows.map((row) => `${row.domain}/${row.actionType}/${row.creditsConsumed}`)).toEqual([
      'other.example.com/chat/100',
      `${domain}/chat/7`,
      `${domain}/image/5`,
    ]);
    expect(both.ok && both.value.totals).toEqual({ creditsConsumed: 112, consumptions: 4, creditsPurchased: 100, purchases: 1 });
    expect(await usage({ domains: [] } as Partial<UsageQuery>)).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'domains' } });
    expect(await usage({ domain: 'nobody.example.com' })).toEqual({
      ok: true,
      value: { domain: 'nobody.example.com', domains: ['nobody.example.com'], rows: [], totals: { creditsConsumed: 0, consumptions: 0, creditsPurchased: 0, purchases: 0 } },
    });
  });

  it.each([
    [{}, 'domain'],
    [{ domain: 'a.example.com', from: '2025-3-1' }, 'from'],
    [{ domain: 'a.example.com', to: '2025-02-30' }, 'to'],
    [{ domain: 'a.example.com', from: '2025-03-02', to: '2025-03-01' }, 'from'],
    [{ domain: 'a.example.com', extra: 1 }, 'extra'],
  ])('refuses the usage query %j naming %s', async (query, field) => {
    const answer = await usage(query as Partial<UsageQuery>);
    expect(answer).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field } });
  });

  it('counts each event once when the consumer is stopped and restarted mid-stream', async () => {
    const domain = 'restart.example.com';
    const eventCount = 600;
    const first = Array.from({ length: eventCount }, (_, i) =>
      consumedEnvelope({ domain, actionType: i % 2 ? 'odd' : 'even', credits: 2, consumedAt: '2025-04-01T10:00:00.000Z' }),
    );
    await stop();
    for (const event of first) await publishEnvelope(js, event);
    let consumer = await start();
    await eventually('the consumer under way', async () => consumer.handledCount >= 50);
    await stop(); // graceful: the message in hand finishes, the rest stays unacknowledged
    const partial = await consumptionsOf(domain);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(eventCount);

    // Redelivery of everything again, plus new events, while the service is down.
    for (const event of first.slice(0, 100)) await publishEnvelope(js, event, `${event.eventId}:redelivered`);
    const second = Array.from({ length: 50 }, () => consumedEnvelope({ domain, actionType: 'even', credits: 2, consumedAt: '2025-04-02T10:00:00.000Z' }));
    for (const event of second) await publishEnvelope(js, event);

    consumer = await start();
    // A message delivered to the pull that was closing comes back after the consumer's ack_wait
    // (30 s): the wait covers that bound; the exactly-once assertions below are unchanged.
    await eventually('every event projected', async () => (await consumptionsOf(domain)) >= eventCount + second.length, 45_000);
    // Messages the stopped consumer had in flight (nak'd into its dead pull request) come back only
    // after ack_wait, 30 s (see the note on DurableConsumer.stop() in the report); once they have,
    // the count must still be exact.
    await eventually('the consumer caught up', async () => {
      const info = await (await nc.jetstreamManager()).consumers.info(Streams.ledger.name, 'feedback-analytics');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, 45_000);
    expect(await consumptionsOf(domain)).toBe(eventCount + second.length);
    const answer = await usage({ domain });
    expect(answer.ok && answer.value.rows).toEqual([
      { domain, day: '2025-04-01', actionType: 'even', creditsConsumed: eventCount, consumptions: eventCount / 2 },
      { domain, day: '2025-04-01', actionType: 'odd', creditsConsumed: eventCount, consumptions: eventCount / 2 },
      { domain, day: '2025-04-02', actionType: 'even', creditsConsumed: 100, consumptions: 50 },
    ]);
  }, 90_000);

  it('has no second effect when a handled message comes back (ack lost after commit), and refuses malformed ones', async () => {
    const consumer = app ? app.get(LedgerEventsConsumer) : await start();
    const domain = 'lost-ack.example.com';
    const event = consumedEnvelope({ domain, credits: 9 });
    const message = { subject: LedgerEventSubjects.creditsConsumed, body: event, messageId: event.eventId, streamSequence: 1, redeliveryCount: 1, headers: {} };
    await consumer.handle(message);
    await consumer.handle({ ...message, redeliveryCount: 2 });
    expect(await consumptionsOf(domain)).toBe(1);

    const malformed = consumedEnvelope({ domain, credits: 1.5 });
    await expect(consumer.handle({ ...message, body: malformed, messageId: malformed.eventId })).rejects.toThrow(MalformedMessageError);
    await expect(consumer.handle({ ...message, body: 'not an envelope' })).rejects.toThrow(MalformedMessageError);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM inbox WHERE message_id = $1', [malformed.eventId]);
    expect(rows[0].n).toBe(0); // nothing claimed: a fixed producer's redelivery would still count
  });
});
