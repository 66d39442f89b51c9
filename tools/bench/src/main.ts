import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { realBurst, syntheticBurst } from './analytics-bench';
import { runChild } from './children';
import { entitlementsBench } from './entitlements-bench';
import { jetstreamFloor, natsFloor, pgFloor } from './floors';
import { accountState, balanceOf, consumedSince, fundAccounts, waitFunded } from './funding';
import { coresBetween, CpuSnapshot, cpuSnapshot, postgresPids } from './cpu';
import { benchPool, connectNats, count, databaseName, databaseUrl, nsSubject, progress, repoRoot, sleep, StartedSystem, systemScripts, Target, withAdmin } from './harness';
import { ConsumeBody, LoadConfig, LoadResult } from './load-types';
import { BenchOptions, parseOptions, usage, UsageError } from './options';
import { relayBench, systemOutboxLag } from './outbox-bench';
import { cpuPerConsume, evaluateTargets, renderDocs, renderPerformanceChart } from './report';
import { naiveFloor } from './naive-bench';
import { profileMarkdown, ProfileSummary, summarizeDirectory } from './profile-summary';
import { consumeBatchBody, consumeBatchPath } from './http-load';
import { BatchPoint, BenchResults, HotConsistency, LoadPoint, LoadSeries, Machine, OverdrawProbe } from './results';
import { replayBench } from './replay-bench';
import { pidsListeningOn, readMemory } from './rss';
import { batchesBetween, meanBetween, scrapeSumCount, SumCount } from './metrics';
import { consumedEnvelope } from './samples';
import { settle } from './settle';
import { round } from './stats';

/**
 * `npm run bench`: measures the system and the floors it runs on in one run, writes the figures to
 * bench/results/<timestamp>.json (and latest.json) and regenerates docs/performance.md with the
 * chart docs/performance-chart.svg. See `npm run bench -- --help`.
 */

const fundedCredits = 100_000_000;
const benchRateLimitPerKey = 1_000_000;

interface Context {
  options: BenchOptions;
  runId: string;
  target: Target;
  nc: NatsConnection;
  ledger: Pool;
  analytics: Pool;
  refunds: Pool;
  results: BenchResults;
  accounts: { gateway: string[]; gatewayHot: string; nats: string[]; natsHot: string; lag: string[]; probe: string };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${usage}`);
    return 64;
  }
  const startedAt = new Date();
  const hex = randomBytes(3).toString('hex');
  const runId = `bench${hex}`;
  const cleanups: (() => Promise<void>)[] = [];
  const errors: BenchResults['errors'] = [];
  const loadStart = os.loadavg().map((v) => round(v, 2));
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse()) await step().catch((error: Error) => progress(`cleanup: ${error.message}`));
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping and cleaning up…`);
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  // Whatever goes wrong, the bench system must not be left running.
  const fatal = (error: unknown) => {
    progress(`unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    void cleanup().then(() => process.exit(1));
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  try {
    progress(`run ${runId}: ${options.smoke ? 'smoke' : 'full'} bench, ${options.durationSec} s per load point, phases ${options.phases.join(', ')}`);
    // Cleanups run in reverse: pools closed, system stopped, databases dropped, then its streams deleted.
    const nc = await connectNats(options.natsUrl, 'bench');
    cleanups.push(async () => {
      if (!options.keep) await deleteRunStreams(nc, runId);
      await nc.drain();
    });
    const target = await resolveTarget(options, runId, hex, cleanups, () => errors.length > 0);
    const pool = (url: string) => benchPool(url, 2, 'bench');
    const ledger = pool(target.databases.ledger);
    const analytics = pool(target.databases.analytics);
    const refunds = pool(target.databases.refunds);
    cleanups.push(async () => {
      await Promise.all([ledger.end(), analytics.end(), refunds.end()]);
    });
    const results: BenchResults = {
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      elapsedSec: 0,
      mode: options.smoke ? 'smoke' : 'full',
      system: target.owned ? 'started by the bench' : 'npm start (already running)',
      options: { ...options, runId },
      machine: await machine(nc, options.postgresUrl),
      floors: {},
      services: {},
      targets: [],
      errors,
    };
    const email = (kind: string, i: number) => `${runId}-${kind}-${i}@bench.localhost`;
    const fanout = Math.max(...options.concurrencies, options.hotClients, 64);
    const context: Context = {
      options,
      runId,
      target,
      nc,
      ledger,
      analytics,
      refunds,
      results,
      accounts: {
        gateway: Array.from({ length: fanout }, (_, i) => email('gw', i)),
        gatewayHot: email('gwhot', 0),
        nats: Array.from({ length: fanout }, (_, i) => email('nats', i)),
        natsHot: email('natshot', 0),
        lag: Array.from({ length: 64 }, (_, i) => email('lag', i)),
        probe: email('probe', 0),
      },
    };

    const phase = async (name: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        const message = (error as Error).stack ?? String(error);
        progress(`phase ${name} FAILED: ${message}`);
        results.errors.push({ phase: name, message });
      }
    };
    const wants = (name: BenchOptions['phases'][number]) => options.phases.includes(name);

    if (wants('floors')) await phase('floors', () => floors(context));
    if (['gateway', 'nats', 'analytics', 'outbox'].some((p) => wants(p as BenchOptions['phases'][number]))) await phase('funding', () => fund(context));
    if (wants('gateway')) await phase('gateway', () => gatewaySeries(context));
    if (wants('nats')) await phase('nats', () => natsSeries(context));
    if (wants('analytics')) await phase('analytics', () => analyticsPhase(context));
    if (wants('outbox')) await phase('outbox', () => outboxPhase(context));
    if (wants('replay')) {
      await phase('replay', async () => {
        results.replay = await replayBench(nc, options.postgresUrl, options.natsUrl, runId, options.replayEvents, options.replayAccounts, options.keep);
        results.floors.copyFold = results.replay.copyFold;
      });
    }
    if (wants('entitlements')) await phase('entitlements', async () => void (results.entitlements = await entitlementsBench(nc, target, runId, options.concurrencies, options.durationSec)));
    for (const [name, pid] of Object.entries(target.pids())) {
      const memory = readMemory(pid);
      results.services[name] = { pid, rssMb: memory?.rssMb, peakMb: memory?.peakMb };
    }
    progress(`memory: ${Object.entries(results.services).map(([name, m]) => `${name} ${m.rssMb ?? '?'} MB (peak ${m.peakMb ?? '?'})`).join(', ')}`);
    const profile = options.cpuProf.length > 0 ? await profileSummary(runId) : latestProfileSummary();
    if (profile) results.profile = profile;

    const finishedAt = new Date();
    results.finishedAt = finishedAt.toISOString();
    results.machine.loadAverage = { start: loadStart, end: os.loadavg().map((v) => round(v, 2)) };
    results.elapsedSec = Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000);
    results.targets = evaluateTargets(results);
    writeResults(options, results);
    printSummary(results);
    return results.errors.length > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }
}

/** Where a `--cpu-prof` run writes its profiles and their summary. */
const profilesRoot = path.join(repoRoot, 'bench', 'results', 'profiles');
const profileDir = (runId: string) => path.join(profilesRoot, runId);

/** Stops the system the bench started before the cleanup does (a profiled run needs its profiles before writing results). */
let stopSystemEarly: (() => Promise<void>) | undefined;

/**
 * Stops the profiled services (V8 writes their profiles at exit), summarizes the profiles (top
 * functions by self time) into <dir>/summary.json and summary.md, and keeps that summary as the
 * latest (profiles/latest-summary.json), which the docs of later runs show.
 */
async function profileSummary(runId: string): Promise<ProfileSummary | undefined> {
  if (!stopSystemEarly) return undefined;
  progress('stopping the profiled system (its profiles are written at exit)…');
  await stopSystemEarly();
  const dir = profileDir(runId);
  if (!fs.existsSync(dir)) return undefined;
  const summary = summarizeDirectory(dir, repoRoot);
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, 'summary.json'), json);
  fs.writeFileSync(path.join(dir, 'summary.md'), `${profileMarkdown(summary).join('\n')}\n`);
  fs.writeFileSync(path.join(profilesRoot, 'latest-summary.json'), json);
  progress(`CPU profiles: ${summary.processes.map((p) => `${p.process} (busy ${(p.busyMs / 1000).toFixed(1)} s)`).join(', ')} in ${path.relative(repoRoot, dir)}; summary.md beside them`);
  return summary;
}

/** The latest `--cpu-prof` run's summary, if any (shown in docs/performance.md). */
function latestProfileSummary(): ProfileSummary | undefined {
  const file = path.join(profilesRoot, 'latest-summary.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileSummary) : undefined;
}

/** Starts an isolated system (or finds the running one) and registers its teardown. */
async function resolveTarget(options: BenchOptions, runId: string, hex: string, cleanups: (() => Promise<void>)[], failed: () => boolean): Promise<Target> {
  const scripts = systemScripts();
  cleanups.push(async () => {
    if (options.keep) return;
    // Every database of this run, whatever step created it (the system's, the floors', the replay's).
    await withAdmin(options.postgresUrl, async (admin) => {
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`bench\\_${hex}\\_%`]);
      for (const row of rows) await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      if (rows.length > 0) progress(`dropped ${rows.map((r) => r.datname).join(', ')}`);
    });
  });
  if (options.againstRunning) {
    const keyFile = path.resolve(repoRoot, options.apiKeyFile);
    if (!fs.existsSync(keyFile)) throw new Error(`--against-running: no API key at ${keyFile} (start the system with npm start first)`);
    const prefix = options.databasePrefix;
    const db = (name: string) => databaseUrl(options.postgresUrl, `${prefix}_${name}`);
    const health = await fetch(new URL('/health', options.gatewayUrl)).catch((error: Error) => error);
    if (health instanceof Error || !health.ok) throw new Error(`--against-running: the gateway at ${options.gatewayUrl} is not healthy (${health instanceof Error ? health.message : health.status})`);
    const ports = scripts.defaultPorts;
    progress(`measuring the running system at ${options.gatewayUrl} (namespace "${options.namespace}", databases ${prefix}_*)`);
    return {
      owned: false,
      namespace: options.namespace,
      gatewayUrl: options.gatewayUrl,
      standinUrl: `http://127.0.0.1:${ports['standin']}`,
      apiKey: fs.readFileSync(keyFile, 'utf8').trim(),
      natsUrl: options.natsUrl,
      databases: { gateway: db('gateway'), ledger: db('ledger'), billing: db('billing'), refunds: db('refunds'), analytics: db('analytics') },
      ledgerMetricsUrl: `http://127.0.0.1:${ports['ledger']}/metrics`,
      pids: () => {
        const found = pidsListeningOn({ gateway: ports['gateway'], ledger: ports['ledger'], billing: ports['billing'], refunds: ports['refunds'], 'feedback-analytics': ports['analytics'], 'stripe-standin': ports['standin'] });
        return found;
      },
    };
  }
  progress(`starting an isolated system (namespace ${runId}, databases bench_${hex}_*)…`);
  const logDir = path.join(repoRoot, 'tmp', 'bench', 'logs', runId);
  let system: StartedSystem | undefined;
  cleanups.push(async () => {
    if (!system || options.keep) return;
    progress('stopping the bench system…');
    await system.stop();
    if (!failed()) fs.rmSync(logDir, { recursive: true, force: true });
    else progress(`service logs kept in ${path.relative(repoRoot, logDir)}`);
  });
  // The gateway's per-key rate limit would measure itself, not the system: raised for the bench
  // system (one API key carries the whole load here; real traffic spreads over many keys).
  const env = { GATEWAY_RATE_LIMIT_PER_KEY: String(benchRateLimitPerKey) };
  // --cpu-prof: V8 writes a profile when the process exits (the system's stop, SIGTERM → graceful exit).
  const profileArgs = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${profileDir(runId)}`, `--cpu-prof-name=${name}.cpuprofile`];
  const nodeArgs = options.cpuProf.length > 0 ? Object.fromEntries(options.cpuProf.map((name) => [name, profileArgs(name)])) : undefined;
  system = await scripts.startSystem({ ports: 'random', namespace: runId, databasePrefix: `bench_${hex}`, logDir, postgresBaseUrl: options.postgresUrl, natsUrl: options.natsUrl, env, nodeArgs });
  stopSystemEarly = () => system!.stop();
  const created = JSON.parse(await scripts.runApiKeyCli(system, ['create', '--domain', 'demo.localhost', '--label', 'bench', '--json'])) as { key: string };
  progress(`system up: gateway ${system.urls.gateway} (logs in ${path.relative(repoRoot, logDir)})`);
  const processes = system.processes;
  return {
    owned: true,
    namespace: runId,
    gatewayUrl: system.urls.gateway,
    standinUrl: system.urls.standin,
    apiKey: created.key,
    natsUrl: system.natsUrl,
    databases: system.databases,
    ledgerMetricsUrl: `http://127.0.0.1:${system.ports['ledger']}/metrics`,
    pids: () => Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, child.pid])),
    system,
  };
}

/** Deletes every stream of this run: the bench system's (owned only) and the bench's own scratch streams. */
async function deleteRunStreams(nc: NatsConnection, runId: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const tag = runId.toUpperCase();
  const names: string[] = [];
  for await (const name of jsm.streams.names()) names.push(name);
  // The run id is random: only this run's streams carry it (the system's when owned, the floors', the relay's, the replay ledger's).
  const mine = names.filter((name) => name.includes(tag));
  for (const name of mine) await jsm.streams.delete(name).catch(() => false);
  if (mine.length > 0) progress(`deleted streams ${mine.join(', ')}`);
}

async function machine(nc: NatsConnection, postgresUrl: string): Promise<Machine> {
  const postgres = await withAdmin(postgresUrl, async (admin) => (await admin.query<{ version: string }>('SELECT version()')).rows[0].version);
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    postgres: postgres.split(' on ')[0],
    nats: nc.info?.version ?? 'unknown',
    kernel: os.release(),
  };
}

function consumeBody(accounts: string[], referencePrefix: string): ConsumeBody {
  return { accounts, domain: 'demo.localhost', credits: 1, actionType: 'bench', referencePrefix };
}

async function floors(c: Context): Promise<void> {
  const { options, runId, nc, results } = c;
  progress(`floor (a): raw PostgreSQL consume transaction, ${options.floorConnections} connections, ${options.floorAccounts} accounts…`);
  results.floors.pg = await pgFloor(options.postgresUrl, `bench_${runId.slice(5)}_floor`, options.floorConnections, options.floorAccounts, options.durationSec);
  progress(`floor (a): ${Math.round(results.floors.pg.txPerSec)} tx/s, p99 ${results.floors.pg.latency.p99} ms`);
  progress(`floor (b): raw NATS request/reply, empty responder, ${options.natsFloorInFlight} in flight…`);
  results.floors.nats = await natsFloor(nc, {
    natsUrl: options.natsUrl,
    subject: `${runId}.echo`,
    durationSec: options.durationSec,
    concurrency: options.natsFloorInFlight,
    body: consumeBody(c.accounts.nats, `${runId}-echo`),
  });
  progress(`floor (b): ${Math.round(results.floors.nats.okPerSec)} req/s, p99 ${results.floors.nats.latency.p99} ms`);
  progress(`floor (d): raw JetStream async publish, ${options.jetstreamInFlight} in flight…`);
  results.floors.jetstream = await jetstreamFloor(nc, `BENCHJS_${runId.toUpperCase()}`, `${runId}.js.floor`, options.jetstreamInFlight, options.durationSec, JSON.stringify(consumedEnvelope(0, runId)));
  progress(`floor (d): ${Math.round(results.floors.jetstream.perSec)} msg/s`);
  const naiveClients = [...new Set([1, Math.max(...options.concurrencies)])];
  progress(`floor (e): the naive service (node:http, JSON.parse, a pg pool, one transaction per consume) under the gateway's load generator, ${naiveClients.join(' and ')} clients…`);
  results.floors.naive = await naiveFloor(options.postgresUrl, `bench_${runId.slice(5)}_naive`, c.accounts.gateway, naiveClients, options.durationSec, (clients) =>
    consumeBody(c.accounts.gateway.slice(0, clients), `${runId}-naive-${clients}`),
  );
}

async function fund(c: Context): Promise<void> {
  const { accounts } = c;
  const all = [...accounts.gateway, accounts.gatewayHot, ...accounts.nats, accounts.natsHot, ...accounts.lag];
  progress(`crediting ${all.length + 1} bench accounts (payment-succeeded messages on BILLING)…`);
  await fundAccounts(c.nc, c.target.namespace, c.runId, [...all.map((email) => ({ email, credits: fundedCredits })), { email: accounts.probe, credits: 100 }]);
  await waitFunded(c.ledger, [...all, accounts.probe], 120_000);
  progress('accounts credited');
}

/** The names of the system's databases (the services' own). */
function systemDatabases(target: Target): string[] {
  return Object.values(target.databases).map(databaseName);
}

/**
 * CPU ticks of the system's processes now: the services, nats-server, and the PostgreSQL backends
 * of the system's databases plus the server's background processes (`before`: the same backends
 * as that earlier snapshot too, so one that closed meanwhile is not lost from the set).
 */
async function cpuNow(c: Context, before?: CpuSnapshot): Promise<CpuSnapshot> {
  const pids = await postgresPids(c.ledger, systemDatabases(c.target));
  return cpuSnapshot(c.target.pids(), [...new Set([...pids, ...(before ? before.shared.postgres.keys() : [])])]);
}

async function settled(c: Context): Promise<LoadPoint['settleBefore']> {
  const outcome = await settle(c.nc, c.ledger, c.target.namespace, c.options.settleSecMax * 1000);
  return { waitedMs: outcome.waitedMs, settled: outcome.settled, backlog: outcome.backlogBefore };
}

interface LedgerMetrics {
  batches?: SumCount;
  duration?: SumCount;
}

/** The ledger's group-commit batch sizes and consume durations so far (its /metrics). */
async function ledgerMetrics(target: Target): Promise<LedgerMetrics> {
  return {
    batches: await scrapeSumCount(target.ledgerMetricsUrl, 'ledger_consume_batch_size'),
    duration: await scrapeSumCount(target.ledgerMetricsUrl, 'ledger_consume_duration_seconds'),
  };
}

function ledgerFigures(before: LedgerMetrics, after: LedgerMetrics): { ledgerBatches?: LoadPoint['ledgerBatches']; ledgerMeanMs?: number } {
  const meanSeconds = meanBetween(before.duration, after.duration);
  return {
    ledgerBatches: batchesBetween(before.batches, after.batches),
    ledgerMeanMs: meanSeconds === undefined ? undefined : Math.round(meanSeconds * 10_000) / 10,
  };
}

function batchNote(batches: LoadPoint['ledgerBatches'], meanMs?: number): string {
  return `${batches ? `, ${batches.meanSize} consumes per ledger transaction` : ''}${meanMs !== undefined ? `, ${meanMs} ms in the ledger (mean)` : ''}`;
}

/** The biggest CPU users of a point, e.g. `cpu: gateway 0.95, postgres 0.40, others 0.30 of 2.00`. */
function cpuNote(cpu: Record<string, number>): string {
  const top = Object.entries(cpu)
    .filter(([name]) => name !== 'machine')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`);
  return `; cores: ${top.join(', ')} of ${cpu['machine']?.toFixed(2)} busy`;
}

function describe(result: LoadResult): string {
  const problems = result.notOk + result.errors + result.timeouts;
  return `${Math.round(result.okPerSec)} consumes/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms${problems ? `, ${JSON.stringify(result.statuses)}` : ''}`;
}

/** Runs one load series (1, 16, 64 clients on distinct accounts, then all on one hot account) through `via`. */
async function series(c: Context, via: 'gateway' | 'nats', accounts: string[], hotAccount: string): Promise<LoadSeries> {
  const { options, runId, target } = c;
  const config = (clients: number, body: ConsumeBody, durationSec: number): LoadConfig =>
    via === 'gateway'
      ? { mode: 'http', url: target.gatewayUrl, apiKey: target.apiKey, connections: clients, durationSec, body }
      : { mode: 'nats', natsUrl: options.natsUrl, subject: nsSubject(target.namespace, 'ledger.commands.consume-credits.v1'), durationSec, concurrency: clients, body };
  const label = via === 'gateway' ? 'gateway' : 'NATS';
  if (options.warmupSec > 0) {
    progress(`${label}: warm-up ${options.warmupSec} s…`);
    await runChild<LoadResult>(config(Math.min(16, Math.max(...options.concurrencies)), consumeBody(accounts, `${runId}-${via}-warm`), options.warmupSec));
  }
  const points: LoadPoint[] = [];
  for (const clients of options.concurrencies) {
    const settleBefore = await settled(c);
    const ledgerBefore = await ledgerMetrics(target);
    const cpuBefore = await cpuNow(c);
    const result = await runChild<LoadResult>(config(clients, consumeBody(accounts.slice(0, clients), `${runId}-${via}-${clients}`), options.durationSec));
    const cpu = coresBetween(cpuBefore, await cpuNow(c, cpuBefore), { 'load generator': result.cpuSeconds ?? 0 });
    const cpuMsPerConsume = cpuPerConsume(cpu, result.okPerSec);
    const { ledgerBatches, ledgerMeanMs } = ledgerFigures(ledgerBefore, await ledgerMetrics(target));
    points.push({ label: `${label} ${clients}`, clients, accounts: 'distinct', result, settleBefore, cpu, cpuMsPerConsume, ...(ledgerBatches ? { ledgerBatches } : {}), ...(ledgerMeanMs !== undefined ? { ledgerMeanMs } : {}) });
    progress(`${label} ${clients} client${clients > 1 ? 's' : ''}, distinct accounts: ${describe(result)}${batchNote(ledgerBatches, ledgerMeanMs)}${cpuNote(cpu)}; ${cpuMsPerConsume['sum'] ?? '—'} ms CPU per consume (settled ${(settleBefore.waitedMs / 1000).toFixed(1)} s before)`);
  }
  const settleBefore = await settled(c);
  const before = await accountState(c.ledger, hotAccount);
  const ledgerBefore = await ledgerMetrics(target);
  const cpuBefore = await cpuNow(c);
  const result = await runChild<LoadResult>(config(options.hotClients, consumeBody([hotAccount], `${runId}-${via}-hot`), options.durationSec));
  const cpu = coresBetween(cpuBefore, await cpuNow(c, cpuBefore), { 'load generator': result.cpuSeconds ?? 0 });
  const cpuMsPerConsume = cpuPerConsume(cpu, result.okPerSec);
  const { ledgerBatches, ledgerMeanMs } = ledgerFigures(ledgerBefore, await ledgerMetrics(target));
  await sleep(500); // answers the load stopped waiting for
  const after = await accountState(c.ledger, hotAccount);
  const recorded = await consumedSince(c.ledger, hotAccount, before.version);
  const consistency: HotConsistency = {
    funded: before.balance,
    balanceAfter: after.balance,
    debited: before.balance - after.balance,
    recordedConsumes: recorded.events,
    recordedCredits: recorded.credits,
    accepted: result.ok,
    unansweredAtStop: recorded.events - result.ok,
    consistent:
      after.balance >= 0 &&
      before.balance - after.balance === recorded.credits &&
      recorded.events >= result.ok &&
      recorded.events <= result.ok + options.hotClients,
  };
  progress(`${label} ${options.hotClients} clients, one hot account: ${describe(result)}${batchNote(ledgerBatches, ledgerMeanMs)}${cpuNote(cpu)}; ${recorded.events} consumes recorded for ${result.ok} accepted, balance moved by ${consistency.debited}`);
  return { points, hot: { label: `${label} ${options.hotClients}`, clients: options.hotClients, accounts: 'hot', result, settleBefore, consistency, cpu, cpuMsPerConsume, ...(ledgerBatches ? { ledgerBatches } : {}), ...(ledgerMeanMs !== undefined ? { ledgerMeanMs } : {}) } };
}

async function gatewaySeries(c: Context): Promise<void> {
  const result = await series(c, 'gateway', c.accounts.gateway, c.accounts.gatewayHot);
  result.overdrawProbe = await overdrawProbe(c, c.accounts.probe, 100, 3, 300, Math.min(64, c.options.hotClients));
  progress(`race for the last credits: ${result.overdrawProbe.accepted} of ${result.overdrawProbe.requests} accepted (expected ${result.overdrawProbe.expectedAccepted}), balance ${result.overdrawProbe.balanceAfter}`);
  c.results.gateway = result;
  result.batch = await batchPoint(c, c.accounts.gateway.slice(0, c.options.batchClients));
  if ('skipped' in result.batch) progress(`batch API: skipped: ${result.batch.skipped}`);
}

/**
 * The batch API: `batchClients` closed-loop clients, each request `batchSize` consumes on the
 * client's own account (fresh referenceIds). Consumes are counted in the event store (the
 * CreditsConsumed events appended to those accounts during the point). A route that answers 404
 * (a build without the batch API) or refuses the bench's body skips the point with that reason.
 */
async function batchPoint(c: Context, accounts: string[]): Promise<BatchPoint | { skipped: string }> {
  const { options, target, runId } = c;
  const probe = await fetch(new URL(consumeBatchPath, target.gatewayUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(consumeBatchBody([{ email: accounts[0], domain: 'demo.localhost', deltaCredits: -1, actionType: 'bench', referenceId: `${runId}-batch-probe` }])),
  });
  const answer = await probe.text();
  if (probe.status === 404) return { skipped: `POST ${consumeBatchPath} answered 404: the batch API is not in this build` };
  if (probe.status !== 200) return { skipped: `POST ${consumeBatchPath} answered ${probe.status} to a batch of one (${answer.slice(0, 200)}): the bench's body (tools/bench/src/http-load.ts consumeBatchBody) does not match the route` };
  const recorded = () => count(c.ledger, `SELECT count(*) FROM ledger_events WHERE type = 'CreditsConsumed' AND stream_id = ANY($1::text[])`, [accounts.map((email) => `account-${email}`)]);
  const settleBefore = await settled(c);
  const before = await recorded();
  const cpuBefore = await cpuNow(c);
  const result = await runChild<LoadResult>({
    mode: 'http', url: target.gatewayUrl, apiKey: target.apiKey, connections: accounts.length, durationSec: options.durationSec,
    body: consumeBody(accounts, `${runId}-batch`), batchSize: options.batchSize,
  });
  const cpu = coresBetween(cpuBefore, await cpuNow(c, cpuBefore), { 'load generator': result.cpuSeconds ?? 0 });
  await sleep(500); // batches the load stopped waiting for
  const consumesRecorded = (await recorded()) - before;
  const consumesPerSec = Math.round(consumesRecorded / result.durationSec);
  const cpuMsPerConsume = cpuPerConsume(cpu, consumesPerSec);
  progress(`batch API, ${accounts.length} clients × ${options.batchSize} consumes: ${consumesPerSec} consumes/s (${Math.round(result.okPerSec)} requests/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms per request)${cpuNote(cpu)}; ${cpuMsPerConsume['sum'] ?? '—'} ms CPU per consume (settled ${(settleBefore.waitedMs / 1000).toFixed(1)} s before)`);
  return { clients: accounts.length, batchSize: options.batchSize, result, consumesRecorded, consumesPerSec, cpu, cpuMsPerConsume };
}

async function natsSeries(c: Context): Promise<void> {
  c.results.nats = await series(c, 'nats', c.accounts.nats, c.accounts.natsHot);
}

/** `requests` consumes of `creditsEach`, `concurrency` at a time through the gateway, on an account holding `funded`. */
async function overdrawProbe(c: Context, email: string, funded: number, creditsEach: number, requests: number, concurrency: number): Promise<OverdrawProbe> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const url = new URL('/api/portfolio/credits/consume', c.target.gatewayUrl);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${c.target.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email, domain: 'demo.localhost', deltaCredits: -creditsEach, actionType: 'bench', referenceId: `${c.runId}-probe-${i}` }),
        });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  const balanceAfter = await balanceOf(c.ledger, email);
  const expectedAccepted = Math.floor(funded / creditsEach);
  const accepted = statuses['200'] ?? 0;
  const refusedInsufficient = statuses['402'] ?? 0;
  const other = Object.fromEntries(Object.entries(statuses).filter(([status]) => status !== '200' && status !== '402'));
  return {
    funded,
    creditsEach,
    requests,
    concurrency,
    accepted,
    refusedInsufficient,
    other,
    balanceAfter,
    expectedAccepted,
    exact: accepted === expectedAccepted && refusedInsufficient === requests - expectedAccepted && balanceAfter === funded - accepted * creditsEach,
  };
}

async function analyticsPhase(c: Context): Promise<void> {
  const { options, target } = c;
  await settled(c);
  const clients = Math.max(...options.concurrencies);
  progress(`analytics: a ${options.durationSec} s burst of ${clients}-client NATS consumes, then the time until the read model's inbox catches up…`);
  const cpuBefore = await cpuNow(c);
  const real = await realBurst(c.ledger, c.analytics, options.natsUrl, target.namespace, options.durationSec, clients, consumeBody(c.accounts.nats.slice(0, clients), `${c.runId}-burst`), options.smoke ? 20_000 : 120_000);
  // From the burst's start until the usage read model caught up: every process's CPU per consume of the burst, fan-out included.
  const cpu = coresBetween(cpuBefore, await cpuNow(c, cpuBefore), { 'load generator': real.load.cpuSeconds ?? 0 });
  real.cpuMsPerConsume = cpuPerConsume(cpu, (real.events * 1000) / real.catchUpMs);
  c.results.analytics = { realBurst: real };
  progress(`analytics after a real burst: ${real.events} events, backlog ${real.backlogAtEnd} at its end, caught up after ${(real.catchUpMs / 1000).toFixed(1)} s: ${real.perSec} events/s`);
  if (target.owned && options.analyticsBurst > 0) {
    await settled(c);
    progress(`analytics: ${options.analyticsBurst} synthetic events published straight to LEDGER…`);
    const synthetic = await syntheticBurst(c.nc, target.namespace, c.runId, options.analyticsBurst, options.smoke ? 20_000 : 180_000, () => cpuNow(c));
    c.results.analytics.synthetic = synthetic;
    const perEvent = synthetic.cpuMsPerEvent ?? {};
    progress(`LEDGER consumers on the synthetic burst: ${(synthetic.consumers ?? []).map((r) => `${r.durable} ${r.caughtUp ? `${r.perSec} events/s` : 'NOT caught up'}`).join(', ')}; CPU ms per event: ${Object.entries(perEvent).filter(([, v]) => v >= 0.001).map(([name, v]) => `${name} ${v}`).join(', ')}`);
  }
}

async function outboxPhase(c: Context): Promise<void> {
  const { options, target } = c;
  await settled(c);
  progress(`outbox: consumes at ${options.lagRate}/s for ${options.durationSec} s, lag from commit to JetStream…`);
  const cpuBefore = await cpuNow(c);
  const system = await systemOutboxLag(c.nc, c.ledger, options.natsUrl, target.namespace, options.lagRate, options.durationSec, consumeBody(c.accounts.lag, `${c.runId}-lag`));
  const cpu = coresBetween(cpuBefore, await cpuNow(c, cpuBefore), { 'load generator': system.load.cpuSeconds ?? 0 });
  c.results.outbox = { system, systemCpu: { cpu, cpuMsPerConsume: cpuPerConsume(cpu, system.achievedPerSec) } };
  progress(`outbox lag at ${Math.round(system.achievedPerSec)}/s achieved: p50 ${system.toSubscriber.p50} ms, p99 ${system.toSubscriber.p99} ms (${system.measured} events)`);
  await settled(c);
  progress(`outbox: the relay alone on a scratch database (lag at ${options.lagRate}/s, then ${options.relayRows} rows at once)…`);
  const relay = await relayBench(c.nc, options.postgresUrl, options.natsUrl, c.runId, options.lagRate, options.durationSec, options.relayRows);
  c.results.outbox.relay = relay;
  progress(`relay maximum: ${relay.max.perSec} events/s (${relay.max.rows} rows in ${(relay.max.drainMs / 1000).toFixed(2)} s)`);
}

function writeResults(options: BenchOptions, results: BenchResults): void {
  const dir = path.resolve(repoRoot, options.outDir);
  fs.mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = path.join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  progress(`results: ${path.relative(repoRoot, file)} (and latest.json)`);
  if (options.writeDocs) {
    fs.writeFileSync(path.join(repoRoot, 'docs', 'performance.md'), renderDocs(results));
    fs.writeFileSync(path.join(repoRoot, 'docs', 'performance-chart.svg'), renderPerformanceChart(results));
    progress('docs/performance.md and docs/performance-chart.svg regenerated');
  }
}

function printSummary(results: BenchResults): void {
  const lines = ['', 'targets:'];
  for (const t of results.targets) lines.push(`  [${t.met === null ? ' ? ' : t.met ? 'met' : ' X '}] ${t.target}: ${t.measured}`);
  if (results.errors.length > 0) lines.push('', `phases that failed: ${results.errors.map((e) => e.phase).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
