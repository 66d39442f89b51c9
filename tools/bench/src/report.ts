import { ChartPanel, renderChart } from './chart';
import { entitlementsSection, entitlementsTarget } from './entitlements-bench';
import { profileMarkdown } from './profile-summary';
import { BenchResults, LoadPoint, TargetResult } from './results';

/** The targets, judged on the figures of one run, and docs/performance.md rendered from it. */

const serviceNames = ['gateway', 'ledger', 'billing', 'refunds', 'feedback-analytics'];

/** The hub's processes, whose CPU per consume is summed (`sum`): the services, PostgreSQL and NATS; not the load generator. */
export const hubProcesses = ['gateway', 'ledger', 'postgres', 'nats-server', 'feedback-analytics', 'refunds', 'billing'];

/** Summed CPU per accepted consume at gateway-64 must stay within this, ms. */
export const cpuPerConsumeTargetMs = 0.6;
/** Each LEDGER consumer's rate on the synthetic burst must reach this, events/s. */
export const consumerRateTarget = 15_000;

/**
 * CPU ms per accepted consume of each process of a point (`cores` from `coresBetween`: average
 * cores busy during the point; `machine` and `others` left out) and `sum` over `summed`:
 * cores × 1000 / consumes per second. Rounded to 3 decimals; empty when nothing was accepted.
 */
export function cpuPerConsume(cores: Record<string, number>, consumesPerSec: number, summed: readonly string[] = hubProcesses): Record<string, number> {
  if (!(consumesPerSec > 0)) return {};
  const per: Record<string, number> = {};
  let sum = 0;
  for (const [name, used] of Object.entries(cores)) {
    if (name === 'machine' || name === 'others') continue;
    const msPerConsume = (used * 1000) / consumesPerSec;
    per[name] = Math.round(msPerConsume * 1000) / 1000;
    if (summed.includes(name)) sum += msPerConsume;
  }
  per['sum'] = Math.round(sum * 1000) / 1000;
  return per;
}

const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '—' : `${fmt(value, value < 10 ? 2 : 1)} ms`);
const ratio = (value: number, floor: number | undefined): string => {
  if (!floor || !Number.isFinite(value)) return '—';
  const r = value / floor;
  return `${fmt(r, r < 0.1 ? 3 : 2)}×`;
};

/** The distinct-accounts point at the highest concurrency (64 by default). */
function topPoint(points: LoadPoint[] | undefined): LoadPoint | undefined {
  return (points ?? []).filter((p) => p.accounts === 'distinct').sort((a, b) => b.clients - a.clients)[0];
}

/** The point of `points` with `clients` clients on distinct accounts. */
function pointAt(points: LoadPoint[] | undefined, clients: number): LoadPoint | undefined {
  return (points ?? []).find((p) => p.accounts === 'distinct' && p.clients === clients);
}

/** The consume-path targets (and the earlier ones kept), each judged on this run's figures; `met: null` when not measured. */
export function evaluateTargets(r: BenchResults): TargetResult[] {
  const targets: TargetResult[] = [];
  const notMeasured = (target: string): TargetResult => ({ target, measured: 'not measured', met: null });
  const pg = r.floors.pg?.txPerSec;
  const gw = topPoint(r.gateway?.points);
  const clients = gw?.clients ?? 64;
  targets.push(
    gw && pg
      ? { target: `Gateway consume, ${clients} clients ≥ 1.0× raw PostgreSQL one-tx-per-consume rate`, measured: `${fmt(gw.result.okPerSec)}/s = ${ratio(gw.result.okPerSec, pg)} of ${fmt(pg)}/s`, met: gw.result.okPerSec >= pg }
      : notMeasured('Gateway consume, 64 clients ≥ 1.0× raw PostgreSQL one-tx-per-consume rate'),
  );
  targets.push(
    gw
      ? { target: `Gateway consume, ${clients} clients: p99 ≤ 50 ms`, measured: `p99 ${ms(gw.result.latency.p99)}`, met: gw.result.latency.p99 <= 50 && gw.result.ok > 0 }
      : notMeasured('Gateway consume, 64 clients: p99 ≤ 50 ms'),
  );
  const naive = r.floors.naive?.points.find((p) => p.clients === clients);
  targets.push(
    gw && naive
      ? { target: `Gateway consume, ${clients} clients ≥ 1.5× the naive service (e)`, measured: `${fmt(gw.result.okPerSec)}/s = ${ratio(gw.result.okPerSec, naive.result.okPerSec)} of ${fmt(naive.result.okPerSec)}/s`, met: gw.result.okPerSec >= 1.5 * naive.result.okPerSec }
      : notMeasured('Gateway consume, 64 clients ≥ 1.5× the naive service (e)'),
  );
  const single = pointAt(r.gateway?.points, 1);
  const floorP50 = r.floors.pg?.latency.p50;
  targets.push(
    single && floorP50 !== undefined
      ? { target: 'Gateway consume, 1 client: p50 ≤ the PostgreSQL floor’s p50 + 2 ms', measured: `p50 ${ms(single.result.latency.p50)} (floor p50 ${ms(floorP50)}: at most ${ms(floorP50 + 2)})`, met: single.result.ok > 0 && single.result.latency.p50 <= floorP50 + 2 }
      : notMeasured('Gateway consume, 1 client: p50 ≤ the PostgreSQL floor’s p50 + 2 ms'),
  );
  const batch = r.gateway?.batch;
  targets.push(
    batch && !('skipped' in batch) && pg
      ? { target: `Batch API, ${batch.clients} clients × ${batch.batchSize} consumes ≥ 10× raw PostgreSQL one-tx-per-consume rate`, measured: `${fmt(batch.consumesPerSec)} consumes/s = ${ratio(batch.consumesPerSec, pg)} of ${fmt(pg)}/s`, met: batch.consumesPerSec >= 10 * pg }
      : { target: 'Batch API, 8 clients × 100 consumes ≥ 10× raw PostgreSQL one-tx-per-consume rate', measured: batch && 'skipped' in batch ? `skipped: ${batch.skipped}` : 'not measured', met: null },
  );
  const nats = topPoint(r.nats?.points);
  const natsFloor = r.floors.nats?.okPerSec;
  targets.push(
    nats && natsFloor
      ? { target: `NATS consume, ${nats.clients} in flight ≥ 20% of raw empty request/reply`, measured: `${fmt(nats.result.okPerSec)}/s = ${fmt((100 * nats.result.okPerSec) / natsFloor, 1)}% of ${fmt(natsFloor)}/s`, met: nats.result.okPerSec >= 0.2 * natsFloor }
      : notMeasured('NATS consume ≥ 20% of raw empty request/reply'),
  );
  const hot = r.gateway?.hot;
  targets.push(
    hot
      ? { target: `Hot account (gateway, ${hot.clients} clients on one account) ≥ 1,000 consumes/s`, measured: `${fmt(hot.result.okPerSec)}/s, p99 ${ms(hot.result.latency.p99)}`, met: hot.result.okPerSec >= 1000 }
      : notMeasured('Hot account ≥ 1,000 consumes/s'),
  );
  const probe = r.gateway?.overdrawProbe;
  targets.push(
    hot && probe
      ? {
          target: 'Hot account: no overdraw',
          measured: `under load: balance moved by the ${fmt(hot.consistency.recordedCredits)} credits of ${fmt(hot.consistency.recordedConsumes)} recorded consumes (${fmt(hot.consistency.accepted)} answered)${hot.consistency.consistent ? '' : ' — INCONSISTENT'}; race for the last credits: ${probe.accepted}/${probe.requests} accepted (expected ${probe.expectedAccepted}), balance left ${probe.balanceAfter}`,
          met: hot.consistency.consistent && probe.exact,
        }
      : { target: 'Hot account: no overdraw', measured: 'not measured', met: null },
  );
  const cost = gw?.cpuMsPerConsume ?? (gw?.cpu ? cpuPerConsume(gw.cpu, gw.result.okPerSec) : undefined);
  targets.push(
    gw && cost && cost['sum'] !== undefined
      ? {
          target: `CPU per accepted consume at gateway-${clients}, summed over the hub's processes ≤ ${cpuPerConsumeTargetMs} ms`,
          measured: `${fmt(cost['sum'], 2)} ms (${hubProcesses.filter((name) => (cost[name] ?? 0) >= 0.005).map((name) => `${name} ${fmt(cost[name], 2)}`).join(', ')}; load generator ${fmt(cost['load generator'], 2)} not counted)`,
          met: cost['sum'] <= cpuPerConsumeTargetMs,
        }
      : notMeasured(`CPU per accepted consume at gateway-64, summed ≤ ${cpuPerConsumeTargetMs} ms`),
  );
  const consumers = r.analytics?.synthetic?.consumers;
  targets.push(
    consumers && consumers.length > 0
      ? {
          target: `Each LEDGER consumer ≥ ${fmt(consumerRateTarget)} events/s on the synthetic burst`,
          measured: consumers.map((c) => `${c.durable} ${c.caughtUp ? fmt(c.perSec) : 'not caught up'}`).join(', ') + ` events/s (${fmt(r.analytics!.synthetic!.events)} events)`,
          met: consumers.every((c) => c.caughtUp && c.perSec >= consumerRateTarget),
        }
      : notMeasured(`Each LEDGER consumer ≥ ${fmt(consumerRateTarget)} events/s on the synthetic burst`),
  );
  const replay = r.replay;
  targets.push(
    replay
      ? { target: 'Replay ≥ 50% of raw COPY fold rate', measured: `${fmt(replay.replay.eventsPerSecond)} events/s = ${fmt((100 * replay.replay.eventsPerSecond) / replay.copyFold.eventsPerSecond, 1)}% of ${fmt(replay.copyFold.eventsPerSecond)} events/s`, met: replay.replay.eventsPerSecond >= 0.5 * replay.copyFold.eventsPerSecond && replay.replay.differences === 0 }
      : { target: 'Replay ≥ 50% of raw COPY fold rate', measured: 'not measured', met: null },
  );
  targets.push(
    replay
      ? {
          target: 'Replay memory flat (RSS with the whole log folded ≤ 1.2× RSS with a quarter folded)',
          measured: replay.replay.rssByEventsMb
            ? `RSS ${replay.replay.rssByEventsMb.map((v) => fmt(v)).join(' → ')} MB with 25/50/75/100 % of the events folded (×${fmt(replay.memoryGrowth, 2)}), peak ${fmt(replay.replay.peakRssMb)} MB`
            : `no progress lines from the replay to read memory against; peak ${fmt(replay.replay.peakRssMb)} MB`,
          met: replay.replay.rssByEventsMb ? replay.memoryFlat : null,
        }
      : { target: 'Replay memory flat', measured: 'not measured', met: null },
  );
  const lag = r.outbox?.system;
  if (lag) {
    const sustained = lag.achievedPerSec >= 0.95 * lag.targetPerSec;
    targets.push({
      target: `Outbox lag p99 ≤ 10 ms at ${fmt(lag.targetPerSec)} events/s`,
      measured: `p99 ${ms(lag.toSubscriber.p99)} (p50 ${ms(lag.toSubscriber.p50)}) at ${fmt(lag.achievedPerSec)} events/s${sustained ? '' : ` — the ledger sustained only ${fmt(lag.achievedPerSec)} of ${fmt(lag.targetPerSec)}/s`}`,
      met: sustained && lag.toSubscriber.p99 <= 10,
    });
  } else targets.push({ target: 'Outbox lag p99 ≤ 10 ms at 1,000 events/s', measured: 'not measured', met: null });
  const relay = r.outbox?.relay;
  targets.push(
    relay
      ? { target: 'Relay ≥ 10,000 events/s', measured: `${fmt(relay.max.perSec)} events/s (${fmt(relay.max.rows)} rows in ${fmt(relay.max.drainMs / 1000, 1)} s)`, met: relay.max.perSec >= 10_000 }
      : { target: 'Relay ≥ 10,000 events/s', measured: 'not measured', met: null },
  );
  targets.push(entitlementsTarget(r.entitlements));
  const services = serviceNames.map((name) => [name, r.services[name]?.rssMb] as const).filter(([, rss]) => rss !== undefined);
  targets.push(
    services.length === serviceNames.length
      ? {
          target: 'Every service ≤ 200 MB RSS (at the end of the run)',
          measured: services.map(([name, rss]) => `${name} ${fmt(rss)}`).join(', ') + ' MB',
          met: services.every(([, rss]) => (rss ?? Infinity) <= 200),
        }
      : { target: 'Every service ≤ 200 MB RSS', measured: `only ${services.length} of ${serviceNames.length} services found`, met: null },
  );
  return targets;
}

function loadRow(point: LoadPoint, floors: BenchResults['floors'], via: 'Gateway (HTTP)' | 'NATS'): string {
  const r = point.result;
  const pg = floors.pg?.txPerSec;
  const nats = floors.nats?.okPerSec;
  const problems = r.notOk + r.errors + r.timeouts;
  const versus = [`${ratio(r.okPerSec, pg)} PG tx`, ...(nats ? [`${ratio(r.okPerSec, nats)} NATS r/r`] : [])].join(' · ');
  const who = point.accounts === 'hot' ? `${point.clients} clients, one hot account` : `${point.clients} client${point.clients > 1 ? 's' : ''}, distinct accounts`;
  const statuses = Object.entries(r.statuses).filter(([status]) => !/^2\d\d$/.test(status) && status !== 'ok');
  const refused = problems === 0 ? '0' : `${statuses.map(([status, n]) => `${fmt(n)}× ${status}`).join(', ') || `${r.notOk} non-2xx`}${r.errors ? `, ${r.errors} errors` : ''}${r.timeouts ? `, ${r.timeouts} timeouts` : ''}`;
  const batch = point.ledgerBatches ? fmt(point.ledgerBatches.meanSize, 1) : '—';
  return `| ${via} consume, ${who} | ${fmt(r.okPerSec)}/s | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${refused} | ${batch} | ${ms(point.ledgerMeanMs)} | ${versus} |`;
}

/**
 * The arithmetic of the consume targets, from this run's CPU per accepted consume at the top
 * concurrency (distinct accounts): the system's processes and the load generator together spent
 * S ms of CPU per consume, so even with every core to themselves they could not exceed
 * cores × 1000 / S consumes/s; a target rate T needs at most cores × 1000 / T ms per consume.
 * Returns markdown lines (none when the points were not measured). Rates in consumes/s, CPU in ms.
 */
export function ceilingLines(r: BenchResults): string[] {
  const lines: string[] = [];
  const cores = r.machine.nproc;
  const system = ['gateway', 'ledger', 'postgres', 'nats-server', 'feedback-analytics', 'refunds', 'billing', 'load generator'];
  const check = (point: LoadPoint | undefined, via: string, targetRate: number | undefined, targetText: string) => {
    if (!point?.cpu || !targetRate || point.result.okPerSec <= 0) return;
    const per = (name: string) => ((point.cpu![name] ?? 0) * 1000) / point.result.okPerSec;
    const total = system.reduce((sum, name) => sum + per(name), 0);
    const ceiling = (cores * 1000) / total;
    const needed = (cores * 1000) / targetRate;
    const parts = system.filter((name) => per(name) >= 0.005).map((name) => `${name} ${fmt(per(name), 2)}`).join(', ');
    lines.push(`- ${via}, ${point.clients} clients: the system spent ${fmt(total, 2)} ms of CPU per accepted consume (${parts}), so with all ${cores} cores to itself it could not pass ≈${fmt(ceiling)}/s. ${targetText} is ${fmt(targetRate)}/s: that needs ≤ ${fmt(needed, 2)} ms per consume${per('postgres') > needed ? `, less than PostgreSQL alone spends (${fmt(per('postgres'), 2)} ms)` : ''}.`);
  };
  const pg = r.floors.pg?.txPerSec;
  const natsFloor = r.floors.nats?.okPerSec;
  const naive = r.floors.naive?.points.find((p) => p.clients === topPoint(r.gateway?.points)?.clients)?.result.okPerSec;
  const gatewayTarget = Math.max(pg ?? 0, 1.5 * (naive ?? 0));
  const gatewayText = naive && 1.5 * naive > (pg ?? 0) ? '1.5× the naive service (e)' : 'the raw PostgreSQL transaction rate';
  check(topPoint(r.gateway?.points), 'Gateway (HTTP)', gatewayTarget || undefined, gatewayText);
  check(topPoint(r.nats?.points), 'NATS', natsFloor ? 0.2 * natsFloor : undefined, '20% of the empty request/reply rate');
  if (lines.length === 0) return [];
  return ['What the consume targets ask of the CPU (arithmetic from this run\'s figures above):', '', ...lines, ''];
}

export function renderDocs(r: BenchResults): string {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const m = r.machine;
  out('# Performance');
  out();
  out(`Generated by \`npm run bench\` on ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC (${r.mode} run, ${fmt(r.elapsedSec / 60, 1)} min, system ${r.system}); the JSON is \`bench/results/latest.json\`. Do not edit by hand: rerun the bench.`);
  out();
  out(`**Machine:** ${m.nproc} CPU cores (${m.cpuModel}), ${fmt(m.memoryGb, 1)} GB memory, Linux ${m.kernel}; Node ${m.node}, ${m.postgres}, NATS server ${m.nats}. Everything (PostgreSQL, NATS, the five services, the Stripe stand-in and the load generator) shares these cores.`);
  out();
  out('Every figure comes from the same run as the floors it is divided by, so the ratios hold across machines better than the absolute numbers.');
  if (m.loadAverage) {
    out();
    out(`Load average (1/5/15 min) at the start: ${m.loadAverage.start.join(' / ')}, at the end: ${m.loadAverage.end.join(' / ')}${Math.max(...m.loadAverage.start.slice(0, 1)) > m.nproc ? ' — the machine was already busy when the run started: other work competed with every figure' : ''}.`);
  }
  out();
  out('## Targets');
  out();
  out('| target | measured | met |');
  out('| --- | --- | --- |');
  for (const t of r.targets) out(`| ${t.target} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? '**met**' : '**not met**'} |`);
  out();
  out('## Floors');
  out();
  out('| floor | rate | p50 | p99 | notes |');
  out('| --- | --- | --- | --- | --- |');
  const f = r.floors;
  if (f.pg) out(`| (a) raw PostgreSQL consume transaction | ${fmt(f.pg.txPerSec)} tx/s | ${ms(f.pg.latency.p50)} | ${ms(f.pg.latency.p99)} | BEGIN; SELECT … FOR UPDATE; INSERT event; UPDATE balance; INSERT outbox; COMMIT — ${f.pg.connections} connections, ${fmt(f.pg.accounts)} accounts, minimal tables |`);
  if (f.nats) out(`| (b) raw NATS request/reply, empty responder | ${fmt(f.nats.okPerSec)} req/s | ${ms(f.nats.latency.p50)} | ${ms(f.nats.latency.p99)} | ${f.nats.concurrency} in flight, same client and payloads as the NATS consume |`);
  if (f.copyFold) out(`| (c) raw fold of the events read with COPY | ${fmt(f.copyFold.eventsPerSecond)} events/s | — | — | \`COPY (SELECT …) TO STDOUT\` of ${fmt(f.copyFold.events)} events, domain \`evolve\`, peak RSS ${fmt(f.copyFold.maxRssMb)} MB |`);
  for (const p of f.naive?.points ?? []) out(`| (e) naive service, ${p.clients} client${p.clients > 1 ? 's' : ''} | ${fmt(p.result.okPerSec)} consumes/s | ${ms(p.result.latency.p50)} | ${ms(p.result.latency.p99)} | one Node process: \`node:http\`, \`JSON.parse\`, a pg pool of ${f.naive!.poolSize}, the consume transaction (idempotent on (domain, referenceId), no overdraft, an event and an outbox row), the gateway points' autocannon load; CPU per consume: service ${fmt(p.cpuMsPerConsume['naive service'], 2)} ms, postgres ${fmt(p.cpuMsPerConsume['postgres'], 2)} ms |`);
  if (f.jetstream) out(`| (d) raw JetStream async publish | ${fmt(f.jetstream.perSec)} msg/s | ${ms(f.jetstream.latency.p50)} | ${ms(f.jetstream.latency.p99)} | ${f.jetstream.inFlight} in flight, ${f.jetstream.messageBytes}-byte ledger envelope, unique Nats-Msg-Id, file storage |`);
  out();
  out('## Consume');
  out();
  out('Accepted consumes per second (1 credit each, a fresh referenceId per request); latency of accepted requests, measured by the client; consumes per ledger transaction and the mean time a consume spends in the ledger (queued → committed) from the ledger\'s own metrics (`ledger_consume_batch_size`, `ledger_consume_duration_seconds`): what is left of the client\'s latency was spent before the ledger (load generator, HTTP, gateway, NATS).');
  out();
  out('| load | accepted | p50 | p99 | max | refused / errors | consumes per ledger tx | mean time in the ledger | vs floors |');
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const point of r.gateway?.points ?? []) out(loadRow(point, f, 'Gateway (HTTP)'));
  if (r.gateway?.hot) out(loadRow(r.gateway.hot, f, 'Gateway (HTTP)'));
  for (const point of r.nats?.points ?? []) out(loadRow(point, f, 'NATS'));
  if (r.nats?.hot) out(loadRow(r.nats.hot, f, 'NATS'));
  out();
  const batchPoint = r.gateway?.batch;
  if (batchPoint && 'skipped' in batchPoint) {
    out(`Batch API: skipped: ${batchPoint.skipped}.`);
    out();
  } else if (batchPoint) {
    out(`Batch API (\`POST /api/portfolio/credits/consume/batch\`), ${batchPoint.clients} clients × ${batchPoint.batchSize} consumes per request: ${fmt(batchPoint.consumesPerSec)} consumes/s (${ratio(batchPoint.consumesPerSec, f.pg?.txPerSec)} PG tx; ${fmt(batchPoint.consumesRecorded)} CreditsConsumed appended), ${fmt(batchPoint.result.okPerSec)} requests/s, p50 ${ms(batchPoint.result.latency.p50)}, p99 ${ms(batchPoint.result.latency.p99)} per request${batchPoint.result.notOk + batchPoint.result.errors + batchPoint.result.timeouts > 0 ? `, ${JSON.stringify(batchPoint.result.statuses)}` : ''}.`);
    out();
  }
  if (r.gateway?.hot || r.gateway?.overdrawProbe) {
    const hot = r.gateway?.hot?.consistency;
    const probe = r.gateway?.overdrawProbe;
    if (hot) out(`Hot account after its load (gateway): balance ${fmt(hot.funded)} → ${fmt(hot.balanceAfter)}, moved by exactly the ${fmt(hot.recordedCredits)} credits of the ${fmt(hot.recordedConsumes)} CreditsConsumed events appended (${fmt(hot.accepted)} answered before the load stopped, ${fmt(hot.unansweredAtStop)} still in flight)${hot.consistent ? '' : ' — INCONSISTENT'}.`);
    if (probe) out(`Race for the last credits: ${probe.requests} consumes of ${probe.creditsEach} credits, ${probe.concurrency} at a time, on an account holding ${probe.funded}: ${probe.accepted} accepted (expected ${probe.expectedAccepted}), ${probe.refusedInsufficient} refused \`insufficient_credits\`, balance left ${probe.balanceAfter}${probe.exact ? ' — exact' : ' — NOT exact'}.`);
    out();
  }
  const settles = [...(r.gateway?.points ?? []), ...(r.gateway?.hot ? [r.gateway.hot] : []), ...(r.nats?.points ?? []), ...(r.nats?.hot ? [r.nats.hot] : [])];
  if (settles.length > 0) {
    out(`Before each point the bench waits (at most ${r.options['settleSecMax']} s) until the outbox is relayed and every LEDGER consumer has caught up: ${settles.map((p) => `${fmt(p.settleBefore.waitedMs / 1000, 1)} s`).join(', ')} in order${settles.some((p) => !p.settleBefore.settled) ? ' (some points started with a backlog)' : ''}.`);
    out();
  }
  const cpuPoints = settles.filter((p) => p.cpu);
  if (cpuPoints.length > 0) {
    const columns = ['gateway', 'ledger', 'postgres', 'nats-server', 'feedback-analytics', 'refunds', 'billing', 'load generator', 'others'];
    const others = cpuPoints.reduce((sum, p) => sum + (p.cpu!['others'] ?? 0), 0) / cpuPoints.length;
    out(`Where the ${m.nproc} cores went during each point (average cores busy, from /proc; postgres counts the backends of the system's databases and the server's background processes; nats-server the whole server; others is everything not listed: other work on the machine):`);
    if (others > 0.25) {
      out();
      out(`**Other work on the machine used ${fmt(others, 2)} of the ${m.nproc} cores on average during these points: every figure of this run is depressed by it; compare ratios, and rerun on a quiet machine for absolute numbers.**`);
    }
    out();
    out(`| load | ${columns.join(' | ')} | machine busy |`);
    out(`| --- | ${columns.map(() => '---').join(' | ')} | --- |`);
    for (const p of cpuPoints) out(`| ${p.label}${p.accounts === 'hot' ? ' (hot)' : ''} | ${columns.map((c) => fmt(p.cpu![c], 2)).join(' | ')} | ${fmt(p.cpu!['machine'], 2)} |`);
    out();
    out(`CPU time per accepted consume (ms of one core; the cost of a consume in each process, which holds on a busy machine where rates do not); the hub's sum leaves the load generator out (target at gateway-64: ≤ ${cpuPerConsumeTargetMs} ms):`);
    out();
    const costs = [...hubProcesses, 'load generator'];
    out(`| load | ${costs.join(' | ')} | hub sum |`);
    out(`| --- | ${costs.map(() => '---').join(' | ')} | --- |`);
    const costRow = (label: string, per: Record<string, number>) => out(`| ${label} | ${costs.map((c) => fmt(per[c], 2)).join(' | ')} | ${fmt(per['sum'], 2)} |`);
    for (const p of cpuPoints) costRow(`${p.label}${p.accounts === 'hot' ? ' (hot)' : ''}`, p.cpuMsPerConsume ?? cpuPerConsume(p.cpu!, p.result.okPerSec));
    const batch = r.gateway?.batch;
    if (batch && !('skipped' in batch) && batch.cpuMsPerConsume) costRow(`batch API ${batch.clients} × ${batch.batchSize}`, batch.cpuMsPerConsume);
    const lagCpu = r.outbox?.systemCpu?.cpuMsPerConsume;
    if (lagCpu && r.outbox?.system) costRow(`outbox lag, ${fmt(r.outbox.system.achievedPerSec)}/s over NATS`, lagCpu);
    const burstCpu = r.analytics?.realBurst?.cpuMsPerConsume;
    if (burstCpu && r.analytics?.realBurst) costRow(`NATS burst until analytics caught up (per event)`, burstCpu);
    out();
  }
  for (const line of ceilingLines(r)) out(line);
  out('![throughput and p99 against concurrency](performance-chart.svg)');
  out();
  out('## Events after the commit');
  out();
  out('| figure | value | vs floor | notes |');
  out('| --- | --- | --- | --- |');
  const lag = r.outbox?.system;
  if (lag) out(`| Outbox lag through the system | p50 ${ms(lag.toSubscriber.p50)}, p99 ${ms(lag.toSubscriber.p99)}, max ${ms(lag.toSubscriber.max)} | — | consumes driven at ${fmt(lag.targetPerSec)}/s (achieved ${fmt(lag.achievedPerSec)}/s) over NATS; outbox row created_at → a JetStream subject subscriber has it; to published_at: p50 ${ms(lag.toPublishedAt.p50)}, p99 ${ms(lag.toPublishedAt.p99)}; ${fmt(lag.measured)} events |`);
  const relay = r.outbox?.relay;
  if (relay) {
    out(`| Outbox lag of the relay alone | p50 ${ms(relay.lag.toSubscriber.p50)}, p99 ${ms(relay.lag.toSubscriber.p99)}, max ${ms(relay.lag.toSubscriber.max)} | — | one-row commits at ${fmt(relay.lag.achievedPerSec)}/s into a scratch outbox, standalone \`OutboxRelay\` in its own process |`);
    out(`| Relay maximum rate | ${fmt(relay.max.perSec)} events/s | ${ratio(relay.max.perSec, f.jetstream?.perSec)} JetStream publish | ${fmt(relay.max.rows)} rows inserted at once, last published_at ${fmt(relay.max.drainMs / 1000, 2)} s after the commit; ${fmt(relay.max.streamMessages)} messages on the stream |`);
  }
  const real = r.analytics?.realBurst;
  if (real) out(`| Analytics consumer after a real burst | ${fmt(real.perSec)} events/s | ${ratio(real.perSec, f.pg?.txPerSec)} PG tx | ${fmt(real.events)} ledger events from a ${real.load.concurrency}-client NATS burst; backlog at its end ${fmt(real.backlogAtEnd)}; inbox caught up ${fmt(real.catchUpMs / 1000, 1)} s after the burst began${real.backlogAtEnd <= 0 ? ' (it kept up: this is the ledger’s rate, a floor of the consumer’s)' : ''} |`);
  const synthetic = r.analytics?.synthetic;
  if (synthetic?.consumers) {
    for (const c of synthetic.consumers) {
      out(`| LEDGER consumer \`${c.durable}\`, maximum | ${c.caughtUp ? `${fmt(c.perSec)} events/s` : 'not caught up'} | ${ratio(c.perSec, consumerRateTarget)} of the ${fmt(consumerRateTarget)}/s target | ${fmt(synthetic.events)} synthetic \`CreditsConsumed\` published straight to LEDGER in ${fmt(synthetic.publishMs / 1000, 1)} s; nothing pending or unacknowledged ${fmt(c.ms / 1000, 2)} s after the first publish; every consumer shares the burst and the cores |`);
    }
    const perEvent = synthetic.cpuMsPerEvent;
    if (perEvent) out(`| CPU per event of the burst | ${Object.entries(perEvent).filter(([, v]) => v >= 0.0005).map(([name, v]) => `${name} ${fmt(v, 3)} ms`).join(', ')} | — | from the first publish until every consumer caught up; the bench's own publishing is not counted |`);
  } else if (synthetic) {
    out(`| Analytics consumer, maximum | ${fmt(synthetic.analytics.perSec)} events/s | ${ratio(synthetic.analytics.perSec, f.pg?.txPerSec)} PG tx | ${fmt(synthetic.events)} synthetic \`CreditsConsumed\` published straight to LEDGER in ${fmt(synthetic.publishMs / 1000, 1)} s; all in the inbox after ${fmt(synthetic.analytics.ms / 1000, 1)} s${synthetic.analytics.caughtUp ? '' : ' (NOT caught up)'} |`);
    out(`| Refunds consumer, maximum (same burst) | ${fmt(synthetic.refunds.perSec)} events/s | ${ratio(synthetic.refunds.perSec, f.pg?.txPerSec)} PG tx | both consumers share the burst and the cores |`);
  }
  out();
  const replay = r.replay;
  if (replay) {
    out('## Replay');
    out();
    out('| run | events/s | vs COPY fold | elapsed | differences | peak RSS |');
    out('| --- | --- | --- | --- | --- | --- |');
    out(`| \`npm run replay\` on matching projections | ${fmt(replay.replay.eventsPerSecond)} | ${ratio(replay.replay.eventsPerSecond, replay.copyFold.eventsPerSecond)} | ${fmt(replay.replay.elapsedMs / 1000, 1)} s | ${replay.replay.differences} | ${fmt(replay.replay.peakRssMb)} MB |`);
    out(`| first replay, projections rebuilt from empty | ${replay.prime.reportTruncated ? '≈' : ''}${fmt(replay.prime.eventsPerSecond)} | ${ratio(replay.prime.eventsPerSecond, replay.copyFold.eventsPerSecond)} | ${fmt(replay.prime.elapsedMs / 1000, 1)} s | ${fmt(replay.prime.differences)}${replay.prime.reportTruncated ? '+' : ''} (repaired) | ${fmt(replay.prime.peakRssMb)} MB |`);
    out(`| floor: COPY read + fold | ${fmt(replay.copyFold.eventsPerSecond)} | 1.00× | ${fmt(replay.copyFold.elapsedMs / 1000, 1)} s | — | ${fmt(replay.copyFold.maxRssMb)} MB |`);
    out();
    if (replay.prime.reportTruncated) out('The first replay\'s JSON report (thousands of differences) arrives cut at 64 KiB: `replay.main.ts` calls `process.exit` right after writing it to a pipe. Its rate is then taken from the process\'s own run time (≈).');
    if (replay.prime.reportTruncated) out();
    out(`${fmt(replay.events)} events of ${fmt(replay.accounts)} accounts (every account buys a pack, then skewed consumptions of 1-25 credits on two domains, a new pack when one runs short), written with COPY at ${fmt(replay.generate.perSec)} events/s${replay.generate.triggersSkipped ? ' (the gapless trigger skipped for the load; the histories are gapless by construction)' : ''}. ${replay.replay.rssByEventsMb ? `RSS of the measured replay with 25/50/75/100 % of the events folded: ${replay.replay.rssByEventsMb.map((v) => fmt(v)).join(' → ')} MB; peak ${fmt(replay.replay.peakRssMb)} MB.` : ''}`);
    out();
  }
  for (const line of entitlementsSection(r.entitlements)) out(line);
  if (r.entitlements) out();
  if (r.profile) {
    out('## CPU profiles');
    out();
    out(`From \`npm run bench -- --cpu-prof\` (recorded ${r.profile.recordedAt.slice(0, 16).replace('T', ' ')} UTC; profiles in \`${r.profile.directory}\`): ${r.profile.processes.map((p) => p.process).join(', ')} under \`node --cpu-prof\` for the whole run (start-up included), the functions with the most self time. Rerun with \`npm run bench -- --cpu-prof --only=gateway --concurrency=64\` for the 64-client load.`);
    out();
    for (const line of profileMarkdown(r.profile)) out(line);
  }
  out('## Memory of the services at the end of the run');
  out();
  out('| process | RSS | peak RSS (VmHWM) |');
  out('| --- | --- | --- |');
  for (const [name, memory] of Object.entries(r.services)) out(`| ${name}${serviceNames.includes(name) ? '' : ' (test tool, not a service)'} | ${fmt(memory.rssMb)} MB | ${fmt(memory.peakMb)} MB |`);
  out();
  if (r.errors.length > 0) {
    out('## Phases that failed');
    out();
    for (const e of r.errors) out(`- ${e.phase}: ${e.message.split('\n')[0]}`);
    out();
  }
  out('## Running it');
  out();
  out('```bash');
  out('npm run bench                      # builds, starts an isolated system, 10 s per load point, ~10 min on 2 cores (more when they are busy); rewrites this page');
  out('npm run bench -- --smoke           # under a minute, results in tmp/bench/, this page untouched');
  out('npm run bench -- --against-running # the system of `npm start` (127.0.0.1:3000, tmp/demo-api-key)');
  out('npm run bench -- --help            # durations, counts, phases (--only=floors,gateway,nats,analytics,outbox,replay,entitlements)');
  out('npm run bench -- --cpu-prof --only=gateway --concurrency=64   # CPU profiles of the gateway and the ledger under 64 clients, summarised here');
  out('```');
  out();
  out('## Method');
  out();
  out('- `npm run bench` builds, starts an isolated copy of the system (`startSystem` of tools/scripts/system.js: random ports, its own NATS namespace and `bench_*` databases), measures, then stops it, drops its databases and deletes its streams. `--against-running` measures the `npm start` system instead; `--smoke` is a sub-minute run for tests.');
  out('- Loads run in a separate Node process: autocannon for HTTP (keep-alive connections, one request in flight each), a nats.js client for NATS (one connection, closed loop of N workers). Client i spends from account i; the hot-account load puts every client on one account. Each point is preceded by a settle (see above) and each series by a warm-up.');
  out('- Accounts are credited with one `billing.events.payment-succeeded.v1` each on stream BILLING, the message billing sends after a paid checkout.');
  out('- Outbox lag: from the outbox row\'s `created_at` (`clock_timestamp()` of its INSERT, the last statement before COMMIT) to a core NATS subscriber on the event\'s subject receiving the JetStream publish (same machine clock).');
  out('- Replay: a separate database migrated by the ledger itself, a generated history written with COPY, projections built by a first replay (`replay.main.js --json`), then `replay.main.js` measured as `npm run replay` runs it, its RSS read from /proc at each of its progress lines (memory against events folded), every 100 ms, and its exact peak (`maxRSS`) at exit. The floor reads the same columns with `COPY (SELECT …) TO STDOUT` in `position` order (a sequential read: the cheapest; the replay reads in `(stream_id, version)` order to fold one account at a time) (through pg\'s `Submittable` hook, no extra package) and folds them with the domain\'s `evolve`, dropping each consumption record once folded (a fold of balances and lots does not need them).');
  out('- Floor (e), the naive service: one Node process (`node:http`, `JSON.parse`, a pg pool of 10) on a scratch database holding the gateway points\' accounts, serving the consume route with one transaction per consume (SELECT … FOR UPDATE, the (domain, referenceId) check, INSERT event, UPDATE balance, INSERT outbox, COMMIT), driven by the gateway points\' autocannon load at 1 and 64 clients (tools/bench/src/naive-service.ts).');
  out('- CPU per consume: utime + stime of each process from /proc/<pid>/stat before and after each point (PostgreSQL: the backends of the system\'s databases from `pg_stat_activity`, plus the server\'s background processes; nats-server: every nats-server process), divided by the consumes accepted; the load generator\'s own `process.cpuUsage()`. The hub\'s sum leaves the load generator out.');
  out('- Batch API: 8 closed-loop autocannon clients, each request 100 consumes on the client\'s account; consumes counted as the CreditsConsumed events appended to those accounts during the point. Skipped with a note when the route answers 404 (a build without it).');
  out('- LEDGER consumers: the synthetic burst (envelopes made before the clock starts) is published straight to the stream as core publishes with `Nats-Msg-Id` and `Nats-Expected-Stream`, not awaited one by one (awaiting each JetStream publish made the publisher, at about 8,000/s, the measured rate), then the stream is asked until it holds them all (else the point fails); each durable consumer\'s time, from the first publish, is until the server reports nothing pending and nothing awaiting its ack (polled every 25 ms).');
  out('- Memory: VmRSS and VmHWM of each service process from /proc/<pid>/status.');
  out();
  return `${lines.join('\n')}`;
}

/** docs/performance-chart.svg: accepted consumes/s and p99 against concurrency, gateway and NATS. */
export function renderPerformanceChart(r: BenchResults): string {
  const series = (points: LoadPoint[] | undefined, pick: (p: LoadPoint) => number): [number, number][] => (points ?? []).map((p) => [p.clients, pick(p)]);
  const rate = (p: LoadPoint) => p.result.okPerSec;
  const p99 = (p: LoadPoint) => p.result.latency.p99;
  const hot = (point: LoadPoint | undefined, pick: (p: LoadPoint) => number): [number, number][] => (point ? [[point.clients, pick(point)]] : []);
  const throughput: ChartPanel = {
    title: 'Accepted consumes per second',
    yLabel: 'consumes/s',
    series: [
      { name: 'gateway (HTTP), distinct accounts', color: '#1f77b4', points: series(r.gateway?.points, rate) },
      { name: 'NATS, distinct accounts', color: '#2ca02c', points: series(r.nats?.points, rate) },
      { name: 'gateway, one hot account', color: '#ff7f0e', points: hot(r.gateway?.hot, rate), markersOnly: true, marker: 'square' },
      { name: 'NATS, one hot account', color: '#9467bd', points: hot(r.nats?.hot, rate), markersOnly: true, marker: 'diamond' },
    ],
    lines: [
      ...(r.floors.pg ? [{ name: `raw PG consume tx floor ${fmt(r.floors.pg.txPerSec)}/s`, color: '#555', value: r.floors.pg.txPerSec, dash: '6 4' }] : []),
      ...(r.floors.naive ? r.floors.naive.points.filter((p) => p.clients > 1).map((p) => ({ name: `naive service (e) ${p.clients} clients ${fmt(p.result.okPerSec)}/s`, color: '#8c564b', value: p.result.okPerSec, dash: '1 3' })) : []),
      ...(r.floors.pg ? [{ name: `target: max(1× PG floor, 1.5× naive (e) at 64)`, color: '#d62728', value: Math.max(r.floors.pg.txPerSec, 1.5 * (r.floors.naive?.points.find((p) => p.clients === 64)?.result.okPerSec ?? 0)), dash: '3 3' }] : []),
      ...(r.floors.nats ? [{ name: `raw NATS request/reply floor ${fmt(r.floors.nats.okPerSec)}/s`, color: '#2ca02c', value: r.floors.nats.okPerSec, dash: '2 4' }] : []),
    ],
  };
  const latency: ChartPanel = {
    title: 'p99 latency of accepted consumes',
    yLabel: 'ms',
    series: [
      { name: 'gateway (HTTP), distinct accounts', color: '#1f77b4', points: series(r.gateway?.points, p99) },
      { name: 'NATS, distinct accounts', color: '#2ca02c', points: series(r.nats?.points, p99) },
      { name: 'gateway, one hot account', color: '#ff7f0e', points: hot(r.gateway?.hot, p99), markersOnly: true, marker: 'square' },
      { name: 'NATS, one hot account', color: '#9467bd', points: hot(r.nats?.hot, p99), markersOnly: true, marker: 'diamond' },
    ],
    lines: [{ name: 'target: gateway p99 ≤ 50 ms', color: '#d62728', value: 50, dash: '3 3' }],
  };
  return renderChart(
    `credit-hub consume: throughput and p99 against concurrency (${r.startedAt.slice(0, 10)}, ${r.machine.nproc} cores)`,
    `npm run bench, ${r.mode} run; ${r.options['durationSec']} s per point; dashed lines: floors and targets measured in the same run`,
    [throughput, latency],
  );
}
