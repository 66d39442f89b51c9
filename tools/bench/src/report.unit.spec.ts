import { renderChart } from './chart';
import { ceilingLines, evaluateTargets, renderDocs } from './report';
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
    // 40% of 10,000/s = 4,000/s needs 2 cores × 1000 / 4000 = 0.5 ms per consume: postgres alone spends 0.50, not less.
    expect(lines).toContain('40% of the empty request/reply rate is 4,000/s: that needs ≤ 0.50 ms per consume.');
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
});
