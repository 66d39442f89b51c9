import { connect, JetStreamManager, NatsConnection } from 'nats';
import { eventually, testNatsUrl, uniqueName } from '@credit-hub/testing';
import { ConsumedMessage, DurableConsumer } from './consumer';

/**
 * DurableConsumer's batch mode on the real JetStream: messages already delivered are handed to
 * `batchHandler` together, in stream order; a failing batch leaves no effect and each message is
 * then handled alone, so a poison message blocks nothing and nothing is applied twice.
 */
describe('DurableConsumer batches (real JetStream)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: testNatsUrl });
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
  });

  /** A fresh stream with `count` JSON messages `{n}` (and the raw bodies in `raw`) published before any consumer starts. */
  async function streamWith(bodies: string[]): Promise<{ stream: string; subject: string }> {
    const stream = uniqueName('BATCH');
    const subject = `${stream.toLowerCase()}.events`;
    await jsm.streams.add({ name: stream, subjects: [subject] });
    streams.push(stream);
    const js = nc.jetstream();
    for (const body of bodies) await js.publish(subject, Buffer.from(body));
    return { stream, subject };
  }

  it('hands the backlog over in batches, in stream order, each message once', async () => {
    const count = 250;
    const { stream } = await streamWith(Array.from({ length: count }, (_, n) => JSON.stringify({ n })));
    const applied: number[] = [];
    const batchSizes: number[] = [];
    const consumer = new DurableConsumer<{ n: number }>({
      nc,
      stream,
      durable: 'batched',
      batchSizeMax: 100,
      handler: async (message) => {
        applied.push(message.body.n);
      },
      batchHandler: async (messages) => {
        batchSizes.push(messages.length);
        for (const message of messages) applied.push(message.body.n);
      },
    });
    await consumer.start();
    try {
      await eventually('all messages handled', async () => consumer.handledCount === count, 20_000);
    } finally {
      await consumer.stop();
    }
    expect(applied).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(100);
    expect((await consumer.info()).ackPending).toBe(0);
  });

  it('falls back to one message at a time when a batch fails, so the others pass and nothing applies twice', async () => {
    const bodies = Array.from({ length: 30 }, (_, n) => JSON.stringify({ n }));
    bodies[7] = JSON.stringify({ n: 7, poison: true });
    const { stream } = await streamWith(bodies);
    const committed: number[] = [];
    let failedBatches = 0;
    const apply = (message: ConsumedMessage<{ n: number; poison?: boolean }>, into: number[]) => {
      if (message.body.poison) throw new Error(`message ${message.body.n} is poison`);
      into.push(message.body.n);
    };
    const consumer = new DurableConsumer<{ n: number; poison?: boolean }>({
      nc,
      stream,
      durable: 'fallback',
      maxDeliver: 2,
      handler: async (message) => apply(message, committed),
      batchHandler: async (messages) => {
        // One "transaction": applied to a scratch list, committed only when every message passed.
        const scratch: number[] = [];
        try {
          for (const message of messages) apply(message, scratch);
        } catch (error) {
          failedBatches++;
          throw error;
        }
        committed.push(...scratch);
      },
    });
    await consumer.start();
    try {
      await eventually('the 29 good messages handled', async () => committed.length === 29, 20_000);
    } finally {
      await consumer.stop();
    }
    expect(failedBatches).toBeGreaterThan(0);
    expect([...committed].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n).filter((n) => n !== 7));
    expect(new Set(committed).size).toBe(committed.length);
  });

  it('terminates a body that is not JSON and still handles its neighbours', async () => {
    const { stream } = await streamWith([JSON.stringify({ n: 0 }), 'not json', JSON.stringify({ n: 2 })]);
    const applied: number[] = [];
    const consumer = new DurableConsumer<{ n: number }>({
      nc,
      stream,
      durable: 'notjson',
      handler: async (message) => {
        applied.push(message.body.n);
      },
      batchHandler: async (messages) => {
        for (const message of messages) applied.push(message.body.n);
      },
    });
    await consumer.start();
    try {
      await eventually('both JSON messages handled', async () => consumer.handledCount === 2, 20_000);
      await eventually('nothing left pending', async () => (await consumer.info()).ackPending === 0, 10_000);
    } finally {
      await consumer.stop();
    }
    expect(applied).toEqual([0, 2]);
  });
});
