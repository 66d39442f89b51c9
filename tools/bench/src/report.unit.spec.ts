import { renderChart } from './chart';
import { ceilingLines, cpuPerConsume, evaluateTargets, renderDocs } from './report';
import { summarizeProfile } from './profile-summary';
import { BenchResults } from './results';

function emptyResults(): BenchResults {
  return {
    version: 1,
    startedAt: '2026-11-21T00:00:00.000Z',
    finishedAt: '2026-11-21T00:05:00.000Z',
    elapsedSec: 300,
    mode: 'smoke',
    system: 'started by the bench',
    options: { durationSec: 1, settleSecMax: 3 },
    machine: { nproc: 2, cpuModel: 'cpu', memoryGb: 4, node: 'v20', postgres: 'PostgreSQL 15', nats: '2.9', kernel: '6' },
    floors: {},
    services: {},
    targets: [],
    errors: [],
  };
}

describe('the report', () => {
  it('marks every target not measured when no phase ran, never met', () => {
    const targets = evaluateTargets(emptyResults());
    expect(targets.length).toBeGreaterThanOrEqual(10);
    expect(targets.every((t) => t.met === null)).toBe(true);
  });

  it('judges a measured target against its floor from the same run', () => {
    const results = emptyResults();
    results.floors.pg = { connections: 8, accounts: 10, durationSec: 1, transactions: 1000, txPerSec: 1000, latency: { count: 1, mean: 1, p50: 1, p90: 1, p99: 1, max: 1 } };
    const latency = { count: 1, mean: 5, p50: 5, p90: 9, p99: 20, max: 30 };
    const result = { mode: 'http' as const, concurrency: 64, durationSec: 1, responses: 2500, sent: 2500, ok: 2500, okPerSec: 2500, responsesPerSec: 2500, statuses: {}, notOk: 0, errors: 0, timeouts: 0, latency };
    const settleBefore = { waitedMs: 0, settled: true, backlog: { unpublishedOutbox: 0, consumers: {}, total: 0 } };
    results.gateway = { points: [{ label: 'gateway 64', clients: 64, accounts: 'distinct', result, settleBefore }] };
    const [rate, p99] = evaluateTargets(results);
    expect(rate.met).toBe(true);
    expect(rate.measured).toContain('2.50×');
    expect(p99.met).toBe(true);
    expect(renderDocs({ ...results, targets: evaluateTargets(results) })).toContain('| Gateway (HTTP) consume, 64 clients, distinct accounts | 2,500/s |');
  });

  it('works out the CPU ceiling of a consume point and what its target would need', () => {
    const results = emptyResults();
    const latency = { count: 1, mean: 5, p50: 5, p90: 9, p99: 20, max: 30 };
    const result = { mode: 'nats' as const, concurrency: 64, durationSec: 1, responses: 1000, sent: 1000, ok: 1000, okPerSec: 1000, responsesPerSec: 1000, statuses: {}, notOk: 0, errors: 0, timeouts: 0, latency };
    results.floors.nats = { ...result, responses: 10_000, sent: 10_000, ok: 10_000, okPerSec: 10_000, responsesPerSec: 10_000 };
    const settleBefore = { waitedMs: 0, settled: true, backlog: { unpublishedOutbox: 0, consumers: {}, total: 0 } };
    // 1,000 consumes/s using 0.2 ledger + 0.5 postgres + 0.3 others cores: 0.7 ms of the system's CPU per consume.
    const cpu = { ledger: 0.2, postgres: 0.5, others: 0.3, machine: 1 };
    results.nats = { points: [{ label: 'NATS 64', clients: 64, accounts: 'distinct', result, settleBefore, cpu }] };
    const lines = ceilingLines(results).join('\n');
    expect(lines).toContain('NATS, 64 clients: the system spent 0.70 ms of CPU per accepted consume (ledger 0.20, postgres 0.50)');
    expect(lines).toContain('could not pass ≈2,857/s');
    // 20% of 10,000/s = 2,000/s needs 2 cores × 1000 / 2000 = 1 ms per consume.
    expect(lines).toContain('20% of the empty request/reply rate is 2,000/s: that needs ≤ 1.00 ms per consume.');
    expect(ceilingLines(emptyResults())).toEqual([]);
  });

  it('draws a two-panel SVG with log axes', () => {
    const svg = renderChart('t', 'c', [
      { title: 'rate', yLabel: '/s', series: [{ name: 'a', color: '#000', points: [[1, 100], [16, 400], [64, 450]] }], lines: [{ name: 'floor', color: '#555', value: 2000, dash: '4 4' }] },
      { title: 'p99', yLabel: 'ms', series: [{ name: 'a', color: '#000', points: [[1, 5], [16, 50], [64, 200]] }], lines: [] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('concurrent clients (log scale)');
  });

  const latency = (p50: number, p99: number) => ({ count: 1, mean: p50, p50, p90: p99, p99, max: p99 });
  const load = (okPerSec: number, p50 = 5, p99 = 20) => ({ mode: 'http' as const, concurrency: 64, durationSec: 1, responses: okPerSec, sent: okPerSec, ok: okPerSec, okPerSec, responsesPerSec: okPerSec, statuses: {}, notOk: 0, errors: 0, timeouts: 0, latency: latency(p50, p99) });
  const settleBefore = { waitedMs: 0, settled: true, backlog: { unpublishedOutbox: 0, consumers: {}, total: 0 } };
  const target = (results: ReturnType<typeof emptyResults>, starts: string) => evaluateTargets(results).find((t) => t.target.startsWith(starts))!;

  it('takes CPU per consume as cores × 1000 / consumes per second, summed over the hub without the load generator', () => {
    // 2,000 consumes/s: 0.4 cores of gateway = 0.2 ms each; 0.3 of postgres = 0.15 ms; the load generator's 0.2 cores (0.1 ms) are not summed.
    const per = cpuPerConsume({ gateway: 0.4, postgres: 0.3, 'feedback-analytics': 0.1, 'load generator': 0.2, machine: 1.5, others: 0.5 }, 2000);
    expect(per).toEqual({ gateway: 0.2, postgres: 0.15, 'feedback-analytics': 0.05, 'load generator': 0.1, sum: 0.4 });
    expect(cpuPerConsume({ gateway: 1 }, 0)).toEqual({});
    expect(cpuPerConsume({ 'naive service': 0.5, postgres: 0.5, 'load generator': 0.5 }, 1000, ['naive service', 'postgres'])['sum']).toBe(1);
  });

  it('judges the summed CPU per consume at gateway-64 against 0.6 ms, at its edge', () => {
    for (const [cores, met] of [[1.2, true], [1.202, false]] as const) {
      const results = emptyResults();
      // 2,000 consumes/s: 1.2 cores = exactly 0.6 ms per consume.
      results.gateway = { points: [{ label: 'gateway 64', clients: 64, accounts: 'distinct', result: load(2000), settleBefore, cpu: { gateway: cores / 2, postgres: cores / 2, 'load generator': 0.5, machine: 2, others: 0 } }] };
      const cpu = target(results, 'CPU per accepted consume');
      expect(cpu.met).toBe(met);
      expect(cpu.measured).toContain('load generator 0.25 not counted');
    }
  });

  it('judges gateway-64 against 1.5× the naive service (e) and gateway-1 p50 against the PostgreSQL floor p50 + 2 ms', () => {
    const results = emptyResults();
    results.floors.pg = { connections: 8, accounts: 10, durationSec: 1, transactions: 1000, txPerSec: 1000, latency: latency(2, 6) };
    results.floors.naive = { poolSize: 10, accounts: 64, points: [{ clients: 64, result: load(1000), cpu: {}, cpuMsPerConsume: {} }] };
    results.gateway = {
      points: [
        { label: 'gateway 1', clients: 1, accounts: 'distinct', result: load(100, 4.0), settleBefore },
        { label: 'gateway 64', clients: 64, accounts: 'distinct', result: load(1499), settleBefore },
      ],
    };
    expect(target(results, 'Gateway consume, 64 clients ≥ 1.5× the naive').met).toBe(false);
    expect(target(results, 'Gateway consume, 64 clients ≥ 1.5× the naive').measured).toContain('1.50× of 1,000/s'); // 1.499 shown rounded
    expect(target(results, 'Gateway consume, 64 clients ≥ 1.0×').met).toBe(true);
    expect(target(results, 'Gateway consume, 1 client').met).toBe(true); // p50 4.0 ≤ 2 + 2
    results.gateway.points[0]!.result = load(100, 4.01);
    expect(target(results, 'Gateway consume, 1 client').met).toBe(false);
    results.gateway.points[1]!.result = load(1500);
    expect(target(results, 'Gateway consume, 64 clients ≥ 1.5× the naive').met).toBe(true);
    expect(renderDocs({ ...results, targets: evaluateTargets(results) })).toContain('| (e) naive service, 64 clients | 1,000 consumes/s |');
  });

  it('judges the batch API against 10× the floor, and reports a skipped batch point as not measured with its reason', () => {
    const results = emptyResults();
    results.floors.pg = { connections: 8, accounts: 10, durationSec: 1, transactions: 1000, txPerSec: 1000, latency: latency(2, 6) };
    results.gateway = { points: [], batch: { skipped: 'POST /api/portfolio/credits/consume/batch answered 404' } };
    const skipped = target(results, 'Batch API');
    expect(skipped.met).toBeNull();
    expect(skipped.measured).toContain('answered 404');
    results.gateway.batch = { clients: 8, batchSize: 100, result: load(100), consumesRecorded: 10_000, consumesPerSec: 10_000 };
    expect(target(results, 'Batch API').met).toBe(true);
    results.gateway.batch.consumesPerSec = 9_999;
    expect(target(results, 'Batch API').met).toBe(false);
  });

  it('needs every LEDGER consumer caught up at ≥ 15,000 events/s on the synthetic burst', () => {
    const results = emptyResults();
    const synthetic = (rates: [string, number, boolean][]) => ({
      events: 20_000,
      publishMs: 500,
      analytics: { ms: 1000, perSec: 20_000, caughtUp: true },
      refunds: { ms: 1000, perSec: 20_000, caughtUp: true },
      consumers: rates.map(([durable, perSec, caughtUp]) => ({ durable, ms: 1000, perSec, caughtUp })),
    });
    results.analytics = { synthetic: synthetic([['feedback-analytics', 15_000, true], ['analytics-rm-ledger', 16_000, true]]) };
    expect(target(results, 'Each LEDGER consumer').met).toBe(true);
    results.analytics = { synthetic: synthetic([['feedback-analytics', 14_999, true], ['analytics-rm-ledger', 16_000, true]]) };
    expect(target(results, 'Each LEDGER consumer').met).toBe(false);
    results.analytics = { synthetic: synthetic([['feedback-analytics', 0, false]]) };
    expect(target(results, 'Each LEDGER consumer').measured).toContain('feedback-analytics not caught up');
  });

  it('sums self time per function from a V8 profile, leaving idle time out of the busy share', () => {
    const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('parse', 'file:///repo/dist/a.js', 9) },
        { id: 4, callFrame: frame('', 'node:internal/x', 0) },
      ],
      startTime: 0,
      endTime: 10_000,
      // Each sample lasts the delta that follows it (µs): idle 4 ms, parse 3 + 2 ms, anonymous 1 ms, the last sample 0.
      samples: [2, 3, 4, 3, 3],
      timeDeltas: [0, 4000, 3000, 1000, 2000],
    };
    const summary = summarizeProfile(profile, 'gateway', 'gateway.cpuprofile', '/repo');
    expect(summary.busyMs).toBe(6);
    expect(summary.top).toEqual([
      { name: 'parse', location: 'dist/a.js:10', selfMs: 5, selfPercent: 83.3 },
      { name: '(anonymous)', location: 'node:internal/x:1', selfMs: 1, selfPercent: 16.7 },
    ]);
  });
});
