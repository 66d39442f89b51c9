import { randomBytes } from 'node:crypto';
import { settleAndCompare, Verdict } from './checks';
import { HubApi, pause } from './hub-api';
import { Load, percentiles, retry } from './load';
import { answersVerdict, balanceVerdict, consumeVerdict, purchaseVerdict, refundVerdict } from './load-checks';
import { PrivateNats, PrivatePostgres } from './private-servers';
import { progress, resultOf, ScenarioResult } from './report';
import { HubSystem } from './system';

/**
 * One fault run: a private NATS and PostgreSQL, the whole system on them, customers funded
 * through checkout, then a steady load through the gateway (consumes, purchases, refunds) for
 * `durationSec` while `fault` does its damage, then every comparison of the end of a run.
 */

/** The gateway's NATS timeout in the chaos system (its default); slower answers are hangs. */
export const gatewayTimeoutMs = 5000;

export interface FaultContext {
  system: HubSystem;
  nats: PrivateNats;
  postgres: PrivatePostgres;
  /** Resolves after `seconds` unless the run is over sooner. */
  until(seconds: number): Promise<void>;
  /** Seconds since the load started. */
  elapsedSec(): number;
  /** Figures the fault reports (merged into the scenario's). */
  figures: Record<string, unknown>;
  verdicts: Verdict[];
}

export interface FaultRunOptions {
  scenario: string;
  title: string;
  durationSec: number;
  fault: (context: FaultContext) => Promise<void>;
  customers?: number;
  consumeWorkers?: number;
  consumePauseMs?: number;
}

export async function faultRun(options: FaultRunOptions): Promise<ScenarioResult> {
  const startedMs = Date.now();
  const runId = `chaos${randomBytes(3).toString('hex')}`;
  const nats = await PrivateNats.start();
  const postgres = await PrivatePostgres.start();
  let system: HubSystem | undefined;
  try {
    progress(`${options.scenario}: private NATS on ${nats.port}, PostgreSQL on ${postgres.port}; starting the system`);
    system = await HubSystem.start(options.scenario.replace(/[^a-z]/g, ''), {
      natsUrl: nats.url,
      postgresBaseUrl: postgres.baseUrl,
      env: { NATS_REQUEST_TIMEOUT_MS: String(gatewayTimeoutMs), GATEWAY_RATE_LIMIT_PER_KEY: '1000000', GATEWAY_RATE_LIMIT_ANONYMOUS: '1000000', LOG_LEVEL: 'warn' },
    });
    system.supervise = true; // a crash is reported, and the service comes back as under a supervisor
    const key = await system.createKey('demo.localhost', 'chaos');
    const api = new HubApi(system.urls.gateway, system.urls.standin, key.key, 'demo.localhost', gatewayTimeoutMs * 3);
    const customers = Array.from({ length: options.customers ?? 40 }, (_, i) => `load-${i}-${runId}@example.com`);
    await fund(api, customers);
    const load = new Load({
      api,
      runId,
      customers,
      consumeWorkers: options.consumeWorkers ?? 8,
      consumePauseMs: options.consumePauseMs ?? 20,
      purchaseEveryMs: 2000,
      refundEveryMs: 3000,
      gatewayTimeoutMs,
    });
    const loadStartedMs = Date.now();
    const endMs = loadStartedMs + options.durationSec * 1000;
    const context: FaultContext = {
      system,
      nats,
      postgres,
      until: (seconds) => pause(Math.max(0, Math.min(loadStartedMs + seconds * 1000, endMs) - Date.now())),
      elapsedSec: () => (Date.now() - loadStartedMs) / 1000,
      figures: {},
      verdicts: [],
    };
    progress(`${options.scenario}: load for ${options.durationSec} s with the fault`);
    load.start();
    await options.fault(context);
    await pause(Math.max(0, endMs - Date.now()));
    await load.stop();
    const open = await load.settle(60_000);
    progress(`${options.scenario}: load stopped (${load.consumes.size} consumes, ${open} still open); comparing`);
    // Refunds first: a saga still retrying appends ledger events, and the comparisons need quiet.
    const refunds = await refundVerdict(system, `%${runId}%`, 60_000);
    const settled = await settleAndCompare(system, 30_000);
    const verdicts: Verdict[] = [
      answersVerdict(load),
      await consumeVerdict(system, load, runId),
      await balanceVerdict(system, load, customers),
      await purchaseVerdict(system, load),
      refunds,
      crashVerdict(system),
      ...context.verdicts,
      ...settled.verdicts,
    ];
    const seconds = (Date.now() - loadStartedMs) / 1000;
    const acknowledged = load.acknowledged().length;
    const figures: Record<string, unknown> = {
      'load duration (s)': options.durationSec,
      'consumes sent / acknowledged / refused': `${load.consumes.size} / ${acknowledged} / ${load.consumes.size - acknowledged - load.open().length}`,
      'acknowledged consumes per second': acknowledged / options.durationSec,
      'consume latency ms (p50 / p99 / max)': ((p) => `${p.p50} / ${p.p99} / ${p.max}`)(percentiles(load.latenciesMs)),
      'purchases (delivered / attempted)': `${load.purchases.filter((p) => p.delivered).length} / ${load.purchases.length}`,
      'refund attempts': summarize(load.refunds.map((r) => `${r.kind}: ${r.outcome}`)),
      'seconds with 503 or no answer': load.timeline.filter((s) => s && s.unavailable > 0).length,
      'service crashes (restarted by the harness)': system.crashes.map((c) => c.name).join(', ') || 'none',
      'outbox drained after (ms)': settled.drainedAfterMs ?? 'not within 30 s',
      ...context.figures,
      'answers seen': load.outcomes,
      'checks took (s)': Math.round(seconds - options.durationSec),
    };
    return resultOf(options.scenario, options.title, startedMs, figures, verdicts);
  } finally {
    if (process.env['CHAOS_KEEP']) {
      progress(`CHAOS_KEEP: left running: PostgreSQL ${postgres.baseUrl} (${postgres.directory}), NATS ${nats.url}, namespace ${system?.namespace}`);
      await system?.stop();
    } else {
      await system?.destroy().catch((error: Error) => progress(`clean-up: ${error.message}`));
      await nats.destroy();
      await postgres.destroy();
    }
  }
}

/** Every customer buys team_1000 (1,000 credits) and the credits arrive. */
async function fund(api: HubApi, customers: string[]): Promise<void> {
  for (let i = 0; i < customers.length; i += 8) {
    await Promise.all(
      customers.slice(i, i + 8).map(async (email) => {
        const bought = await api.buy(email, 'team_1000');
        if (!bought?.delivered) throw new Error(`funding ${email} failed`);
      }),
    );
  }
  for (const email of customers) {
    const funded = await retry(async () => ((await api.balance(email)).body?.balance === 1000 ? true : undefined), 100, 200);
    if (!funded) throw new Error(`${email} never got its 1,000 credits`);
  }
}

/** No service exited on its own during the run (the ones the fault killed were started again). */
function crashVerdict(system: HubSystem): Verdict {
  const cause = (tail: string) => {
    const lines = tail.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
    const unhandled = lines.some((line) => line.includes("Unhandled 'error' event"));
    const error = lines.find((line) => /\b[Ee]rror: /.test(line))?.replace(/^.*?(\w*[Ee]rror: )/, '$1').slice(0, 200) ?? lines.filter(Boolean).pop() ?? '';
    return unhandled ? `unhandled 'error' event: ${error}` : error;
  };
  return {
    name: 'no service crashed (a crashed one was restarted after 1 s, as a supervisor would)',
    ok: system.crashes.length === 0,
    figures: { crashes: system.crashes.length },
    failures: system.crashes.map((c) => `${c.name} exited (code ${String(c.code)}, signal ${String(c.signal)}) at ${c.at.toISOString()}: ${cause(c.logTail).trim()}`),
  };
}

function summarize(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
