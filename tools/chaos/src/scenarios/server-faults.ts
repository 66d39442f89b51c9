import { Verdict } from '../checks';
import { gatewayTimeoutMs, faultRun, FaultContext } from '../fault-run';
import { isProblem } from '../http';
import { HubApi, pause } from '../hub-api';
import { percentiles } from '../load';
import { ScenarioResult } from '../report';

/**
 * The three fault runs that stop a process under load: the ledger (kill -9 every 5 s, it restarts),
 * NATS (stop, 5 s, start) and PostgreSQL (stop -m immediate, 5 s, start). NATS and PostgreSQL are
 * the run's private servers (see private-servers.ts), never the machine's shared ones.
 */

/** kill -9 the ledger every 5 s and start it again at once. */
export function ledgerKill(durationSec: number): Promise<ScenarioResult> {
  return faultRun({
    scenario: 'ledger-kill',
    title: 'kill -9 the ledger every 5 s under load',
    durationSec,
    fault: async (context) => {
      const restartMs: number[] = [];
      for (let at = 5; at < durationSec; at += 5) {
        await context.until(at);
        if (context.elapsedSec() >= durationSec) break;
        await context.system.kill('ledger', 'SIGKILL');
        const killedAt = Date.now();
        await context.system.restart('ledger');
        restartMs.push(Date.now() - killedAt);
      }
      const p = percentiles(restartMs);
      context.figures['ledger kill -9'] = restartMs.length;
      context.figures['kill → healthy again ms (p50 / max)'] = `${p.p50} / ${p.max}`;
    },
  });
}

/** Stops NATS twice (at 15 s and 40 s of a 60 s run), 5 s each time. */
export function natsRestart(durationSec: number): Promise<ScenarioResult> {
  return faultRun({
    scenario: 'nats',
    title: 'restart NATS (stop, wait 5 s, start) under load',
    durationSec,
    fault: (context) =>
      outages(context, durationSec, 'NATS', async () => context.nats.stop('SIGTERM'), async () => context.nats.start()),
  });
}

/** Stops PostgreSQL with `-m immediate` twice (at 15 s and 40 s of a 60 s run), 5 s each time. */
export function postgresRestart(durationSec: number): Promise<ScenarioResult> {
  return faultRun({
    scenario: 'postgres',
    title: 'restart PostgreSQL (stop -m immediate, wait 5 s, start) under load',
    durationSec,
    fault: (context) =>
      outages(context, durationSec, 'PostgreSQL', async () => context.postgres.stopImmediate(), async () => context.postgres.start()),
  });
}

/** What the gateway answered to probes sent while a server was down. */
interface Probe {
  status: number;
  code: string | undefined;
  retryable: boolean | undefined;
  retryAfter: string | null;
  problem: boolean;
  elapsedMs: number;
}

/** A key and a funded customer of the probes' own, so probing changes no load customer's balance. */
interface Prober {
  api: HubApi;
  email: string;
}

/**
 * Takes the server down at 15 s (and again at 40 s when the run is long enough) for 5 s. While it
 * is down, probes the gateway every 500 ms (a consume and a balance): each must be a 503 problem
 * with `Retry-After` and `retryable: true` (or a success), within the gateway's timeout plus 2 s.
 * After each start, measures how long until a consume succeeds again.
 */
async function outages(context: FaultContext, durationSec: number, what: string, stop: () => Promise<void>, start: () => Promise<void>): Promise<void> {
  const at = durationSec >= 50 ? [15, 40] : [Math.max(5, Math.floor(durationSec / 3))];
  const prober = await makeProber(context);
  const probes: Probe[] = [];
  const recoveryMs: number[] = [];
  for (const second of at) {
    await context.until(second);
    await stop();
    const downUntil = Date.now() + 5000;
    const inFlight: Promise<void>[] = [];
    while (Date.now() < downUntil) {
      inFlight.push(probe(prober).then((result) => void probes.push(...result)));
      await pause(500);
    }
    await start();
    const startedAt = Date.now();
    await Promise.all(inFlight);
    recoveryMs.push(await untilConsumeWorks(prober, startedAt));
  }
  const bad = probes.filter((p) => !(p.status >= 200 && p.status < 300) && !(p.status === 503 && p.problem && p.retryAfter && p.retryable === true));
  const slow = probes.filter((p) => p.elapsedMs > gatewayTimeoutMs + 2000);
  const statuses: Record<string, number> = {};
  for (const p of probes) statuses[`${p.status} ${p.code ?? ''}`.trim()] = (statuses[`${p.status} ${p.code ?? ''}`.trim()] ?? 0) + 1;
  const verdict: Verdict = {
    name: `while ${what} is down the gateway answers 503 problem+json with Retry-After (retryable), never 500, never past its timeout`,
    ok: bad.length === 0 && slow.length === 0 && probes.length > 0,
    figures: { probes: probes.length, statuses },
    failures: [
      ...[...new Set(bad.map((p) => `${p.status} ${p.code ?? ''} (problem+json: ${p.problem}, Retry-After: ${p.retryAfter}, retryable: ${String(p.retryable)})`))].map(
        (what) => `${bad.filter((p) => `${p.status} ${p.code ?? ''} (problem+json: ${p.problem}, Retry-After: ${p.retryAfter}, retryable: ${String(p.retryable)})` === what).length} of ${probes.length} probes answered ${what}`,
      ),
      ...(slow.length > 0 ? [`${slow.length} probes answered after more than ${gatewayTimeoutMs + 2000} ms (slowest ${Math.round(Math.max(...slow.map((p) => p.elapsedMs)))} ms)`] : []),
      ...(probes.length === 0 ? ['no probe was sent'] : []),
    ],
  };
  context.verdicts.push(verdict);
  context.figures[`${what} outages`] = at.length;
  context.figures[`answers to probes while ${what} was down`] = statuses;
  context.figures[`${what} back → first acknowledged consume (ms)`] = recoveryMs.join(', ');
}

async function makeProber(context: FaultContext): Promise<Prober> {
  const key = await context.system.createKey('demo.localhost', 'probe');
  const api = new HubApi(context.system.urls.gateway, context.system.urls.standin, key.key, 'demo.localhost', gatewayTimeoutMs * 3);
  const email = `probe-${context.system.namespace}@example.com`;
  await api.buy(email, 'team_1000');
  return { api, email };
}

/** One consume and one balance read. */
async function probe(prober: Prober): Promise<Probe[]> {
  const answers = await Promise.all([
    prober.api.consume(prober.email, 1, `probe-${Date.now()}-${Math.random().toString(36).slice(2)}`, 'probe'),
    prober.api.balance(prober.email),
  ]);
  return answers.map((answer) => ({
    status: answer.status,
    code: answer.body?.code,
    retryable: answer.body?.retryable,
    retryAfter: answer.retryAfter,
    problem: isProblem(answer),
    elapsedMs: answer.elapsedMs,
  }));
}

/** Milliseconds from `since` until a consume is acknowledged again. */
async function untilConsumeWorks(prober: Prober, since: number): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const answer = await prober.api.consume(prober.email, 1, `recovery-${since}-${attempt}`, 'probe');
    if (answer.status === 200) return Date.now() - since;
    await pause(100);
  }
  return -1;
}
