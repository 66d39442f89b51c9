import { checkBody, checkPoint, checkRotation, entitlementsSection, entitlementsTarget, newTally } from './entitlements-bench';

describe('the entitlement bench\'s arithmetic', () => {
  it('sends customers and features in turn', () => {
    const customers = ['a@x', 'b@x', 'c@x'];
    const bodies = Array.from({ length: 12 }, (_, n) => checkBody(customers, 'demo.localhost', n));
    expect(bodies.map((b) => b['email'])).toEqual(['a@x', 'b@x', 'c@x', 'a@x', 'b@x', 'c@x', 'a@x', 'b@x', 'c@x', 'a@x', 'b@x', 'c@x']);
    expect(bodies.slice(0, 4).map((b) => b['feature'])).toEqual(checkRotation.map((c) => c.feature));
    expect(bodies[2]).toEqual({ email: 'c@x', domain: 'demo.localhost', feature: 'workspaces', requested: 1, inUse: 3 });
  });

  it('rates over the measured time and exact quantiles of the ok answers only', () => {
    const tally = newTally();
    for (let i = 1; i <= 100; i++) tally.latencies.push(i); // 1..100 ms
    Object.assign(tally, { requests: 101, ok: 100, allowed: 50, statuses: { '200': 100, '503': 1 } });
    const point = checkPoint('gateway', 16, 2, tally);
    expect(point).toMatchObject({ via: 'gateway', clients: 16, requests: 101, ok: 100, okPerSec: 50, allowed: 50 });
    expect(point.latency).toMatchObject({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(checkPoint('nats', 1, 0, newTally()).okPerSec).toBe(0);
  });

  it('judges the target on one client through the gateway, reports NATS and the highest count, unmet when any check failed', () => {
    expect(entitlementsTarget(undefined)).toMatchObject({ met: null, measured: 'not measured' });
    const fast = newTally();
    for (let i = 0; i < 100; i++) fast.latencies.push(2);
    Object.assign(fast, { requests: 100, ok: 100 });
    const slow = newTally();
    slow.latencies.push(50);
    Object.assign(slow, { requests: 1, ok: 1 });
    const result = { subscribed: 8, unknown: 8, points: [checkPoint('gateway', 1, 1, fast), checkPoint('nats', 1, 1, fast), checkPoint('gateway', 64, 1, slow)] };
    expect(entitlementsTarget(result)).toMatchObject({ met: true, target: 'Entitlement check (gateway, 1 client): p99 ≤ 10 ms' });
    expect(entitlementsTarget(result).measured).toBe('p99 2 ms, p50 2 ms; billing alone over NATS: p99 2 ms; 64 clients: 1/s, p99 50 ms');
    expect(entitlementsTarget({ ...result, points: [checkPoint('gateway', 1, 1, slow)] }).met).toBe(false); // 50 ms
    expect(entitlementsTarget({ ...result, points: [checkPoint('gateway', 1, 1, { ...fast, requests: 101 })] }).met).toBe(false); // one failed
    expect(entitlementsSection(result).join('\n')).toContain('| gateway | 1 | 100 | 2 ms | 2 ms | 2 ms |');
    expect(entitlementsSection(undefined)).toEqual([]);
  });
});
