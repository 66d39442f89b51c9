import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { runChild } from './children';
import { count, nsStream, nsSubject, sleep } from './harness';
import { ConsumeBody, LoadResult } from './load-types';
import { consumedEnvelope } from './samples';

/**
 * The feedback-analytics consumer (durable `feedback-analytics` on LEDGER, one transaction per
 * event: inbox claim + upsert of the daily read model).
 */

const analyticsInbox = `SELECT count(*) FROM inbox WHERE consumer = 'feedback-analytics'`;

export interface RealBurstResult {
  load: LoadResult;
  /** Ledger events written by the burst. */
  events: number;
  /** Events the analytics consumer still had to handle when the burst ended. */
  backlogAtEnd: number;
  /** From the burst's start until the analytics inbox held as many events as the ledger. */
  catchUpMs: number;
  caughtUp: boolean;
  /** events / catchUpMs: a floor of the consumer's rate when it kept up (backlog 0), its rate when it did not. */
  perSec: number;
}

/**
 * A burst of real consumes (NATS, closed loop), then the time until the analytics read model's
 * inbox count catches up with the ledger's event count.
 */
export async function realBurst(ledger: Pool, analytics: Pool, natsUrl: string, namespace: string, durationSec: number, concurrency: number, body: ConsumeBody, maxWaitMs: number): Promise<RealBurstResult> {
  const ledgerEvents = () => count(ledger, 'SELECT count(*) FROM ledger_events');
  const before = await ledgerEvents();
  const startedAt = performance.now();
  const load = await runChild<LoadResult>({ mode: 'nats', natsUrl, subject: nsSubject(namespace, 'ledger.commands.consume-credits.v1'), durationSec, concurrency, body });
  const after = await ledgerEvents();
  const backlogAtEnd = after - (await count(analytics, analyticsInbox));
  const deadline = Date.now() + maxWaitMs;
  let handled = await count(analytics, analyticsInbox);
  while (handled < after && Date.now() < deadline) {
    await sleep(50);
    handled = await count(analytics, analyticsInbox);
  }
  const catchUpMs = performance.now() - startedAt;
  const events = after - before;
  return { load, events, backlogAtEnd, catchUpMs: Math.round(catchUpMs), caughtUp: handled >= after, perSec: Math.round((events * 1000) / catchUpMs) };
}

export interface SyntheticBurstResult {
  events: number;
  publishMs: number;
  analytics: { ms: number; perSec: number; caughtUp: boolean };
  refunds: { ms: number; perSec: number; caughtUp: boolean };
}

/**
 * The consumers' maximum rate: `n` valid `CreditsConsumed` envelopes published straight to the
 * bench system's LEDGER stream at once (faster than the ledger could write them), then the time
 * until each consumer's inbox has them all. Only on a system the bench started: the read models
 * then count consumptions the ledger never recorded.
 */
export async function syntheticBurst(nc: NatsConnection, analytics: Pool, refunds: Pool, namespace: string, runId: string, n: number, maxWaitMs: number): Promise<SyntheticBurstResult> {
  const js = nc.jetstream();
  const subject = nsSubject(namespace, 'ledger.events.credits-consumed.v1');
  const stream = nsStream(namespace, 'LEDGER');
  const refundsInbox = `SELECT count(*) FROM inbox WHERE consumer = 'refunds'`;
  const analyticsBase = await count(analytics, analyticsInbox);
  const refundsBase = await count(refunds, refundsInbox);
  const startedAt = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 128 }, async () => {
      while (next < n) {
        const envelope = consumedEnvelope(next++, runId);
        await js.publish(subject, Buffer.from(JSON.stringify(envelope)), { msgID: envelope.eventId, expect: { streamName: stream } });
      }
    }),
  );
  const publishMs = performance.now() - startedAt;
  const done = { analytics: 0, refunds: 0 };
  const handled = { analytics: 0, refunds: 0 };
  const deadline = Date.now() + maxWaitMs;
  while ((!done.analytics || !done.refunds) && Date.now() < deadline) {
    handled.analytics = (await count(analytics, analyticsInbox)) - analyticsBase;
    handled.refunds = (await count(refunds, refundsInbox)) - refundsBase;
    if (!done.analytics && handled.analytics >= n) done.analytics = performance.now() - startedAt;
    if (!done.refunds && handled.refunds >= n) done.refunds = performance.now() - startedAt;
    await sleep(50);
  }
  const elapsed = performance.now() - startedAt;
  // Not caught up within maxWaitMs: the rate over the wait (what it handled / how long it had).
  const figure = (ms: number, got: number) =>
    ms ? { ms: Math.round(ms), perSec: Math.round((n * 1000) / ms), caughtUp: true } : { ms: Math.round(elapsed), perSec: Math.round((got * 1000) / elapsed), caughtUp: false };
  return { events: n, publishMs: Math.round(publishMs), analytics: figure(done.analytics, handled.analytics), refunds: figure(done.refunds, handled.refunds) };
}
