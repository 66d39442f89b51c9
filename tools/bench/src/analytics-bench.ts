import { headers, NatsConnection } from 'nats';
import { Pool } from 'pg';
import { coresBetween, CpuSnapshot } from './cpu';
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
  /** CPU ms per ledger event of the burst, per process and summed over the hub, from its start until the usage read model caught up. */
  cpuMsPerConsume?: Record<string, number>;
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

/** How fast one durable consumer of LEDGER took the synthetic burst. */
export interface ConsumerRate {
  durable: string;
  /** From the first publish until the consumer had nothing pending or unacknowledged. */
  ms: number;
  perSec: number;
  caughtUp: boolean;
}

export interface SyntheticBurstResult {
  events: number;
  publishMs: number;
  /** The usage read model's consumer (durable `feedback-analytics`) and refunds' consumer (durable `refunds`): kept for older reports. */
  analytics: { ms: number; perSec: number; caughtUp: boolean };
  refunds: { ms: number; perSec: number; caughtUp: boolean };
  /** Every durable consumer of LEDGER (read models, webhooks, refunds), slowest first. */
  consumers?: ConsumerRate[];
  /** Average cores used from the first publish until every consumer caught up, per process (see cpu.ts). */
  cpu?: Record<string, number>;
  /** CPU ms per event of the burst, per process. */
  cpuMsPerEvent?: Record<string, number>;
}

/**
 * The consumers' maximum rate: `n` valid `CreditsConsumed` envelopes published straight to the
 * bench system's LEDGER stream at once (faster than the ledger could write them: core publishes
 * with `Nats-Msg-Id` and `Nats-Expected-Stream`, not awaited one by one; throws unless the stream
 * then holds all `n`), then, for every
 * durable consumer of LEDGER, the time until it has nothing pending or awaiting its ack (polled
 * every 25 ms from the server's consumer info), and the CPU each process spent meanwhile. Only on
 * a system the bench started: the read models then count consumptions the ledger never recorded.
 */
export async function syntheticBurst(nc: NatsConnection, namespace: string, runId: string, n: number, maxWaitMs: number, cpu?: () => Promise<CpuSnapshot>): Promise<SyntheticBurstResult> {
  const jsm = await nc.jetstreamManager();
  const subject = nsSubject(namespace, 'ledger.events.credits-consumed.v1');
  const stream = nsStream(namespace, 'LEDGER');
  // The envelopes are made before the clock starts; then published without waiting for each
  // publish's ack (a JetStream publish is a request: awaiting 20,000 of them would make the
  // publisher, not the consumers, the measured rate), then the stream is asked until it holds them.
  const payloads = Array.from({ length: n }, (_, i) => {
    const envelope = consumedEnvelope(i, runId);
    const h = headers();
    h.set('Nats-Msg-Id', envelope.eventId);
    h.set('Nats-Expected-Stream', stream);
    return { data: Buffer.from(JSON.stringify(envelope)), headers: h };
  });
  const lastBefore = (await jsm.streams.info(stream)).state.last_seq;
  const cpuBefore = await cpu?.();
  const startedAt = performance.now();
  for (const { data, headers: h } of payloads) nc.publish(subject, data, { headers: h });
  await nc.flush();
  let stored = (await jsm.streams.info(stream)).state.last_seq - lastBefore;
  const storeDeadline = Date.now() + maxWaitMs;
  while (stored < n && Date.now() < storeDeadline) {
    await sleep(5);
    stored = (await jsm.streams.info(stream)).state.last_seq - lastBefore;
  }
  if (stored < n) throw new Error(`the synthetic burst: ${stored} of ${n} messages stored in ${stream}`);
  const publishMs = performance.now() - startedAt;
  const done = new Map<string, number>();
  const durables = new Set<string>();
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const infos = await jsm.consumers.list(stream).next();
    for (const info of infos) {
      if (!info.config.durable_name) continue; // ephemeral readers come and go
      durables.add(info.name);
      if (!done.has(info.name) && info.num_pending === 0 && info.num_ack_pending === 0) done.set(info.name, performance.now() - startedAt);
    }
    if (done.size === durables.size || Date.now() > deadline) break;
    await sleep(25);
  }
  const elapsed = performance.now() - startedAt;
  const cores = cpuBefore && cpu ? coresBetween(cpuBefore, await cpu()) : undefined;
  const rate = (durable: string): ConsumerRate => {
    const ms = done.get(durable);
    // Not caught up within maxWaitMs: the rate over the wait is not known; 0 says so.
    return ms === undefined ? { durable, ms: Math.round(elapsed), perSec: 0, caughtUp: false } : { durable, ms: Math.round(ms), perSec: Math.round((n * 1000) / ms), caughtUp: true };
  };
  const consumers = [...durables].map(rate).sort((a, b) => (a.caughtUp === b.caughtUp ? a.perSec - b.perSec : a.caughtUp ? 1 : -1));
  const pick = (durable: string) => {
    const { ms, perSec, caughtUp } = consumers.find((c) => c.durable === durable) ?? rate(durable);
    return { ms, perSec, caughtUp };
  };
  const cpuMsPerEvent = cores
    ? Object.fromEntries(Object.entries(cores).filter(([name]) => name !== 'machine' && name !== 'others').map(([name, used]) => [name, Math.round((used * elapsed * 1000) / n) / 1000]))
    : undefined;
  return { events: n, publishMs: Math.round(publishMs), analytics: pick('feedback-analytics'), refunds: pick('refunds'), consumers, ...(cores ? { cpu: cores, cpuMsPerEvent } : {}) };
}
