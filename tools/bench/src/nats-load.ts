import { connect, NatsConnection } from 'nats';
import { LoadResult, NatsLoadConfig } from './load-types';
import { Samples, summarize } from './stats';

/**
 * Consumes over NATS request/reply straight to the ledger, in the NestJS NATS wire format
 * (@nestjs/microservices ServerNats: request `{pattern, data, id}`, reply `{id, response,
 * isDisposed}` or `{id, err, isDisposed}`). The same code drives the raw floor against an empty
 * responder, so the two differ only in what answers.
 *
 * Closed loop (`concurrency` workers, each waits for its answer) or open loop (`ratePerSec`,
 * requests sent on schedule whatever the answers, at most `maxInFlight` outstanding).
 */
export async function runNatsLoad(config: NatsLoadConfig): Promise<LoadResult> {
  const nc = await connect({ servers: config.natsUrl.split(','), name: 'bench-load' });
  try {
    return config.ratePerSec ? await openLoop(nc, config) : await closedLoop(nc, config);
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

interface Tally {
  sent: number;
  ok: number;
  notOk: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  latencies: Samples;
}

function requestEncoder(config: NatsLoadConfig): (worker: number) => Uint8Array {
  const { body } = config;
  let counter = 0;
  return (worker) => {
    const id = counter++;
    const data = {
      email: body.accounts[worker % body.accounts.length],
      domain: body.domain,
      credits: body.credits,
      actionType: body.actionType,
      referenceId: `${body.referencePrefix}-${id}`,
    };
    return Buffer.from(JSON.stringify({ pattern: config.subject, data, id: String(id) }));
  };
}

async function requestOnce(nc: NatsConnection, subject: string, payload: Uint8Array, tally: Tally): Promise<void> {
  tally.sent++;
  const startedAt = performance.now();
  try {
    const reply = await nc.request(subject, payload, { timeout: 10_000 });
    const elapsed = performance.now() - startedAt;
    const packet = JSON.parse(Buffer.from(reply.data).toString('utf8')) as { response?: { ok?: boolean; refusal?: { code?: string } }; err?: unknown };
    if (packet.response?.ok === true) {
      tally.ok++;
      tally.statuses['ok'] = (tally.statuses['ok'] ?? 0) + 1;
      tally.latencies.push(elapsed);
    } else {
      const code = packet.response?.refusal?.code ?? (packet.err !== undefined ? 'remote_error' : 'malformed_reply');
      tally.notOk++;
      tally.statuses[code] = (tally.statuses[code] ?? 0) + 1;
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (code === 'TIMEOUT') tally.timeouts++;
    else tally.errors++;
    tally.statuses[code] = (tally.statuses[code] ?? 0) + 1;
  }
}

function newTally(): Tally {
  return { sent: 0, ok: 0, notOk: 0, errors: 0, timeouts: 0, statuses: {}, latencies: new Samples() };
}

function result(config: NatsLoadConfig, tally: Tally, durationSec: number, concurrency: number, skipped?: number): LoadResult {
  const responses = tally.ok + tally.notOk;
  return {
    mode: 'nats',
    concurrency,
    durationSec,
    responses,
    sent: tally.sent,
    ok: tally.ok,
    okPerSec: tally.ok / durationSec,
    responsesPerSec: responses / durationSec,
    statuses: tally.statuses,
    notOk: tally.notOk,
    errors: tally.errors,
    timeouts: tally.timeouts,
    latency: summarize(tally.latencies.values()),
    ...(skipped === undefined ? {} : { skipped }),
  };
}

async function closedLoop(nc: NatsConnection, config: NatsLoadConfig): Promise<LoadResult> {
  const tally = newTally();
  const encode = requestEncoder(config);
  const startedAt = performance.now();
  const endAt = startedAt + config.durationSec * 1000;
  await Promise.all(
    Array.from({ length: config.concurrency }, async (_, worker) => {
      while (performance.now() < endAt) await requestOnce(nc, config.subject, encode(worker), tally);
    }),
  );
  return result(config, tally, (performance.now() - startedAt) / 1000, config.concurrency);
}

async function openLoop(nc: NatsConnection, config: NatsLoadConfig): Promise<LoadResult> {
  const tally = newTally();
  const encode = requestEncoder(config);
  const rate = config.ratePerSec!;
  const maxInFlight = config.maxInFlight ?? 512;
  const pending = new Set<Promise<void>>();
  let scheduled = 0;
  let skipped = 0;
  let worker = 0;
  const startedAt = performance.now();
  const endAt = startedAt + config.durationSec * 1000;
  while (performance.now() < endAt) {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * rate);
    while (scheduled < due) {
      scheduled++;
      if (pending.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const request = requestOnce(nc, config.subject, encode(worker++), tally).finally(() => pending.delete(request));
      pending.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sendingSec = (performance.now() - startedAt) / 1000;
  await Promise.all(pending);
  return result(config, tally, sendingSec, maxInFlight, skipped);
}
