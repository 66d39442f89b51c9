import { NatsConnection } from 'nats';
import { nsSubject, progress, Target } from './harness';
import { TargetResult } from './results';
import { LatencySummary, round, Samples, summarize } from './stats';

/**
 * The entitlement check under load: `POST /api/portfolio/entitlements/check` through
 * the gateway (what a product sees), and billing's `check-entitlement` over NATS request/reply
 * (billing alone: one primary-key read of the projection and the caps from memory). Closed loop:
 * `clients` workers, each sends its next check when the previous one answered; latencies are
 * measured per request with `performance.now()` (ms), 2xx / `ok` replies only.
 *
 * Customers: a few subscribed through the stand-in's checkout (their rows exist: trialing, the
 * plan's caps) and as many never seen (no row: the free tier), asked in turn, over a rotation of
 * features (a flag, a limit at its edge, a feature not in the plan).
 */

/** One load point of the check. */
export interface CheckLoadPoint {
  via: 'gateway' | 'nats';
  clients: number;
  durationSec: number;
  requests: number;
  ok: number;
  okPerSec: number;
  /** Answers by HTTP status (gateway) or `ok` / refusal code / `error` (NATS). */
  statuses: Record<string, number>;
  /** Of the ok answers: how many were `allowed` (the rest: refused by the caps, answers too). */
  allowed: number;
  latency: LatencySummary;
}

export interface EntitlementsBenchResult {
  subscribed: number;
  unknown: number;
  points: CheckLoadPoint[];
}

/** The checks the load sends, in turn: a flag, a limit exactly at its edge, one over, a feature not in any plan. */
export const checkRotation: readonly { feature: string; requested?: number; inUse?: number }[] = [
  { feature: 'scheduled_runs' },
  { feature: 'workspaces', requested: 1, inUse: 0 },
  { feature: 'workspaces', requested: 1, inUse: 3 },
  { feature: 'teleport' },
];

/** The body of request `n` of a worker (customers and features in turn). */
export function checkBody(customers: readonly string[], domain: string, n: number): Record<string, unknown> {
  return { email: customers[n % customers.length], domain, ...checkRotation[n % checkRotation.length] };
}

/** Tally of one load point, turned into a CheckLoadPoint by `checkPoint`. */
export interface CheckTally {
  requests: number;
  ok: number;
  allowed: number;
  statuses: Record<string, number>;
  latencies: Samples;
}

export function newTally(): CheckTally {
  return { requests: 0, ok: 0, allowed: 0, statuses: {}, latencies: new Samples() };
}

/** The figures of one point: rates over the measured wall time (s), latencies of ok answers (ms). */
export function checkPoint(via: CheckLoadPoint['via'], clients: number, durationSec: number, tally: CheckTally): CheckLoadPoint {
  return {
    via,
    clients,
    durationSec: round(durationSec, 3),
    requests: tally.requests,
    ok: tally.ok,
    okPerSec: durationSec > 0 ? round(tally.ok / durationSec, 1) : 0,
    statuses: tally.statuses,
    allowed: tally.allowed,
    latency: summarize(tally.latencies.values()),
  };
}

const count = (tally: CheckTally, key: string) => (tally.statuses[key] = (tally.statuses[key] ?? 0) + 1);

/** Runs `clients` closed-loop workers for `durationSec`, each calling `once(n)` and recording it. */
async function closedLoop(clients: number, durationSec: number, once: (n: number, tally: CheckTally) => Promise<void>): Promise<{ tally: CheckTally; elapsedSec: number }> {
  const tally = newTally();
  const startedAt = performance.now();
  const deadline = startedAt + durationSec * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) await once(n++, tally);
  }));
  return { tally, elapsedSec: (performance.now() - startedAt) / 1000 };
}

async function gatewayPoint(target: Target, customers: string[], domain: string, clients: number, durationSec: number): Promise<CheckLoadPoint> {
  const url = new URL('/api/portfolio/entitlements/check', target.gatewayUrl);
  const headers = { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' };
  const { tally, elapsedSec } = await closedLoop(clients, durationSec, async (n, t) => {
    t.requests++;
    const startedAt = performance.now();
    try {
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(checkBody(customers, domain, n)) });
      const body = (await response.json()) as { allowed?: boolean };
      const elapsed = performance.now() - startedAt;
      count(t, String(response.status));
      if (response.status === 200) {
        t.ok++;
        if (body.allowed) t.allowed++;
        t.latencies.push(elapsed);
      }
    } catch {
      count(t, 'error');
    }
  });
  return checkPoint('gateway', clients, elapsedSec, tally);
}

async function natsPoint(nc: NatsConnection, target: Target, customers: string[], domain: string, clients: number, durationSec: number): Promise<CheckLoadPoint> {
  const subject = nsSubject(target.namespace, 'billing.queries.check-entitlement.v1');
  const { tally, elapsedSec } = await closedLoop(clients, durationSec, async (n, t) => {
    t.requests++;
    const payload = Buffer.from(JSON.stringify({ pattern: subject, data: checkBody(customers, domain, n), id: String(n) }));
    const startedAt = performance.now();
    try {
      const reply = await nc.request(subject, payload, { timeout: 10_000 });
      const elapsed = performance.now() - startedAt;
      const packet = JSON.parse(Buffer.from(reply.data).toString('utf8')) as { response?: { ok?: boolean; value?: { allowed?: boolean }; refusal?: { code?: string } } };
      if (packet.response?.ok === true) {
        t.ok++;
        count(t, 'ok');
        if (packet.response.value?.allowed) t.allowed++;
        t.latencies.push(elapsed);
      } else count(t, packet.response?.refusal?.code ?? 'error');
    } catch {
      count(t, 'error');
    }
  });
  return checkPoint('nats', clients, elapsedSec, tally);
}

/** Subscribes `emails` to the demo's trial plan through the gateway and the stand-in's checkout. */
async function subscribe(target: Target, domain: string, emails: string[]): Promise<void> {
  for (const email of emails) {
    const checkout = await fetch(new URL('/api/billing/checkout', target.gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ domain, offeringId: 'builder_monthly', email, successUrl: 'https://demo.localhost/ok', cancelUrl: 'https://demo.localhost/x' }),
    });
    if (checkout.status !== 200) throw new Error(`checkout for ${email}: ${checkout.status} ${await checkout.text()}`);
    const { sessionId } = (await checkout.json()) as { sessionId: string };
    const completed = await fetch(new URL(`/test/checkout/sessions/${sessionId}/complete`, target.standinUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!completed.ok) throw new Error(`completing ${sessionId}: ${completed.status}`);
  }
}

/**
 * The entitlement bench: subscribes a few customers (own system only: it needs the stand-in's
 * checkout), then one point per client count through the gateway and over NATS.
 */
export async function entitlementsBench(nc: NatsConnection, target: Target, runId: string, concurrencies: number[], durationSec: number): Promise<EntitlementsBenchResult> {
  const domain = 'demo.localhost';
  const subscribed = target.owned ? Array.from({ length: 8 }, (_, i) => `${runId}-ent-sub-${i}@bench.localhost`) : [];
  const unknown = Array.from({ length: 8 }, (_, i) => `${runId}-ent-free-${i}@bench.localhost`);
  if (subscribed.length > 0) {
    progress(`entitlements: subscribing ${subscribed.length} customers through the stand-in's checkout…`);
    await subscribe(target, domain, subscribed);
  }
  const customers = [...subscribed, ...unknown];
  const points: CheckLoadPoint[] = [];
  for (const clients of concurrencies) {
    for (const via of ['gateway', 'nats'] as const) {
      const point = via === 'gateway' ? await gatewayPoint(target, customers, domain, clients, durationSec) : await natsPoint(nc, target, customers, domain, clients, durationSec);
      points.push(point);
      progress(`entitlement check via ${via}, ${clients} client${clients > 1 ? 's' : ''}: ${Math.round(point.okPerSec)}/s, p50 ${point.latency.p50} ms, p99 ${point.latency.p99} ms (${JSON.stringify(point.statuses)})`);
    }
  }
  return { subscribed: subscribed.length, unknown: unknown.length, points };
}

/**
 * Target: one check through the gateway (1 client: its own cost, no queueing behind other
 * clients) answers with p99 ≤ 10 ms; billing alone over NATS and the highest client count are
 * reported with it (under concurrency the gateway's throughput, not the check, sets the latency).
 */
export function entitlementsTarget(result: EntitlementsBenchResult | undefined): TargetResult {
  const points = result?.points ?? [];
  const one = points.filter((p) => p.via === 'gateway').sort((a, b) => a.clients - b.clients)[0];
  if (!one) return { target: 'Entitlement check (gateway, 1 client): p99 ≤ 10 ms', measured: 'not measured', met: null };
  const nats = points.find((p) => p.via === 'nats' && p.clients === one.clients);
  const top = points.filter((p) => p.via === 'gateway').sort((a, b) => b.clients - a.clients)[0];
  return {
    target: `Entitlement check (gateway, ${one.clients} client${one.clients > 1 ? 's' : ''}): p99 ≤ 10 ms`,
    measured: `p99 ${one.latency.p99} ms, p50 ${one.latency.p50} ms${nats ? `; billing alone over NATS: p99 ${nats.latency.p99} ms` : ''}${top !== one ? `; ${top.clients} clients: ${Math.round(top.okPerSec)}/s, p99 ${top.latency.p99} ms` : ''}`,
    met: one.ok > 0 && one.ok === one.requests && one.latency.p99 <= 10,
  };
}

/** The docs/performance.md section of the check (empty when not measured). */
export function entitlementsSection(result: EntitlementsBenchResult | undefined): string[] {
  if (!result) return [];
  return [
    '',
    '## Entitlement check',
    '',
    `\`POST /api/portfolio/entitlements/check\` through the gateway, and billing's \`check-entitlement\` over NATS, closed loop; ${result.subscribed} subscribed customers (projection rows) and ${result.unknown} never seen (free tier), features in turn (a flag, a limit at its edge, one over, not in the plan).`,
    '',
    '| via | clients | checks/s | p50 | p99 | max | answers |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...result.points.map((p) => `| ${p.via} | ${p.clients} | ${Math.round(p.okPerSec)} | ${p.latency.p50} ms | ${p.latency.p99} ms | ${p.latency.max} ms | ${Object.entries(p.statuses).map(([k, v]) => `${v}× ${k}`).join(', ')} |`),
  ];
}
