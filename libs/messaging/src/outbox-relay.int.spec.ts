/**
 * The outbox relay on real PostgreSQL and NATS JetStream: every row published once with its
 * Nats-Msg-Id and headers, marked only after JetStream acknowledged it; a batch JetStream refuses
 * (no stream on the subject) stays unpublished and goes out once the stream exists; rows already
 * in the stream (a crash between ack and mark) are acknowledged as duplicates and marked.
 */
import { dropDatabase, ensureDatabase } from '@credit-hub/service-kit';
import { eventually, testNatsUrl, uniqueDatabaseUrl, uniqueName } from '@credit-hub/testing';
import { connect, NatsConnection, StringCodec } from 'nats';
import { Client, Pool } from 'pg';
import { OutboxRelay, outboxTableSql, writeOutbox } from './outbox';

const databaseUrl = uniqueDatabaseUrl('relay');
const streamName = uniqueName('RELAYTEST');
const subject = `${streamName.toLowerCase()}.events`;
let nc: NatsConnection;
let db: Client;
let pool: Pool;
let relay: OutboxRelay | undefined;

async function unpublished(): Promise<number> {
  return Number((await db.query('SELECT count(*) FROM outbox WHERE published_at IS NULL')).rows[0].count);
}

async function streamMessages(): Promise<number> {
  return (await (await nc.jetstreamManager()).streams.info(streamName)).state.messages;
}

beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  db = new Client({ connectionString: databaseUrl });
  await db.connect();
  for (const sql of outboxTableSql('relay_test')) await db.query(sql);
  pool = new Pool({ connectionString: databaseUrl, max: 4 });
  nc = await connect({ servers: testNatsUrl });
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

afterAll(async () => {
  await (await nc.jetstreamManager()).streams.delete(streamName).catch(() => undefined);
  await nc.close();
  await pool.end();
  await db.end();
  await dropDatabase(databaseUrl);
});

const start = (batchSizeMax = 500) => {
  relay = new OutboxRelay({ pool, databaseUrl, nc, channel: 'relay_test', lockKey: 7, name: 'test', batchSizeMax, pollIntervalMs: 100, retryDelayMs: 50 });
  relay.start();
};

describe('OutboxRelay', () => {
  it('keeps a batch JetStream refuses (no stream for its subject) unpublished, and publishes it once the stream exists', async () => {
    await writeOutbox(db, [{ messageId: 'early-1', subject, payload: { n: 1 }, headers: { 'Hub-Event-Type': 'Test' } }]);
    start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await unpublished()).toBe(1);
    await (await nc.jetstreamManager()).streams.add({ name: streamName, subjects: [`${streamName.toLowerCase()}.>`] });
    await eventually('published after the stream appeared', async () => (await unpublished()) === 0, 15_000);
    expect(await streamMessages()).toBe(1);
  });

  it('publishes every row once, in batches, with its Nats-Msg-Id, headers and payload, and marks it only then', async () => {
    const messages = Array.from({ length: 1234 }, (_, i) => ({ messageId: `m-${i}`, subject, payload: { n: i, text: 'tab\there "quoted"' }, headers: { 'Hub-Event-Type': 'Test', 'Hub-Index': String(i) } }));
    await writeOutbox(db, messages);
    start(100);
    await eventually('all published', async () => (await unpublished()) === 0, 20_000);
    expect(await streamMessages()).toBe(1 + 1234);
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(streamName, { seq: 2 + 777 });
    expect(stored.header.get('Nats-Msg-Id')).toBe('m-777');
    expect(stored.header.get('Hub-Index')).toBe('777');
    expect(JSON.parse(StringCodec().decode(stored.data))).toEqual({ n: 777, text: 'tab\there "quoted"' });
    expect(relay!.publishedCount).toBe(1234);
  });

  it('marks rows JetStream already holds (acknowledged as duplicates) without storing them twice', async () => {
    // As after a crash between the acknowledgement and the mark: the same message ids again.
    await writeOutbox(db, Array.from({ length: 10 }, (_, i) => ({ messageId: `m-${i}`, subject, payload: { n: i } })));
    start();
    await eventually('duplicates marked', async () => (await unpublished()) === 0, 15_000);
    expect(await streamMessages()).toBe(1 + 1234);
  });

  it('on a closed NATS connection keeps its rows unpublished and throws nothing later (no timer outlives a failed batch)', async () => {
    await writeOutbox(db, [{ messageId: 'closed-1', subject, payload: { n: 1 } }]);
    const closed = await connect({ servers: testNatsUrl });
    await closed.close();
    const uncaught: unknown[] = [];
    const listener = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', listener);
    try {
      relay = new OutboxRelay({ pool, databaseUrl, nc: closed, channel: 'relay_test', lockKey: 7, name: 'closed', batchSizeMax: 500, pollIntervalMs: 100, retryDelayMs: 50 });
      relay.start();
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // past the 5 s acknowledgement timeout
      expect(uncaught).toEqual([]);
      expect(await unpublished()).toBe(1);
      await relay.stop();
      relay = undefined;
    } finally {
      process.off('uncaughtException', listener);
    }
    start();
    await eventually('published on a live connection', async () => (await unpublished()) === 0, 15_000);
  }, 30_000);
});
