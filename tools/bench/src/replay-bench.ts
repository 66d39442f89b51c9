import path from 'node:path';
import { Client } from 'pg';
import { MeasuredRun, runChild, runMeasured, spawnNode } from './children';
import { copyIn } from './copy';
import { eventCopyChunks, ledgerEventCopyColumns } from './event-generator';
import { benchClient, count, createBenchDatabase, databaseName, deleteStreams, dropBenchDatabases, nsStream, progress, repoRoot, systemScripts } from './harness';
import { CopyFoldResult } from './load-types';
import { NatsConnection } from 'nats';

/**
 * Replay of a generated history: a separate database with the ledger's own schema (the ledger
 * service booted on it once, so its migrations run as in production), `events` valid events
 * written with COPY, projections built by a first replay (which repairs them from nothing: the
 * bench never writes projection rows itself, so it cannot drift from the ledger's schema), then
 * the measured replay (`replay.main.js --json`, as `npm run replay`) and the floor: the same read
 * and fold through `COPY … TO STDOUT`.
 */

export interface ReplayReport {
  events: number;
  accounts: number;
  differences: unknown[];
  violations: unknown[];
  replaced: boolean;
  eventsPerSecond: number;
  elapsedMs: number;
}

export interface ReplayRun {
  exitCode: number | null;
  /** The JSON report arrived cut short (see jsonReplayRun): differences is then a lower bound, the rate from the process time. */
  reportTruncated: boolean;
  events: number;
  accounts: number;
  differences: number;
  violations: number;
  eventsPerSecond: number;
  elapsedMs: number;
  peakRssMb: number;
  /** RSS when 25 %, 50 %, 75 % and 100 % of the events had been folded (from replay's progress lines), MB. */
  rssByEventsMb?: number[];
  /** [ms, MB] samples, thinned to at most 40. */
  rssSeries: [number, number][];
}

export interface ReplayBenchResult {
  events: number;
  accounts: number;
  generate: { ms: number; perSec: number; triggersSkipped: boolean };
  /** The first replay: projections rebuilt from empty (differences expected, repaired). */
  prime: ReplayRun;
  /** The measured replay on projections that match: 0 differences expected. */
  replay: ReplayRun;
  copyFold: CopyFoldResult;
  /** RSS after the whole log is folded ÷ RSS after a quarter of it; ≤ 1.2 counts as flat (memory does not grow with events). */
  memoryGrowth: number;
  memoryFlat: boolean;
}

const replayMain = path.join(repoRoot, 'dist', 'apps', 'ledger', 'src', 'replay', 'replay.main.js');
const ledgerMain = path.join(repoRoot, 'dist', 'apps', 'ledger', 'src', 'main.js');

/** Boots the ledger on `url` until healthy (its migrations create the schema), then stops it and deletes the streams it ensured. */
async function migrateWithLedger(nc: NatsConnection, url: string, natsUrl: string, namespace: string): Promise<void> {
  const scripts = systemScripts();
  const port = await scripts.freePort();
  const child = spawnNode(ledgerMain, [], {
    ...process.env,
    LEDGER_DATABASE_URL: url,
    LEDGER_HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    NATS_URL: natsUrl,
    HUB_NAMESPACE: namespace,
    LEDGER_DATABASE_POOL_SIZE: '2',
  });
  let log = '';
  child.stdout!.on('data', (chunk) => (log += chunk));
  child.stderr!.on('data', (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await scripts.waitHealthy('ledger (replay schema)', `http://127.0.0.1:${port}/health`, 60_000, child);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`);
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await deleteStreams(nc, ['LEDGER', 'BILLING', 'REFUNDS'].map((name) => nsStream(namespace, name)));
  }
}

function thin(series: [number, number][]): [number, number][] {
  const step = Math.max(1, Math.ceil(series.length / 40));
  return series.filter((_, i) => i % step === 0);
}

/**
 * The first replay, run with `--json`. replay.main.ts calls process.exit right after writing its
 * JSON, so a report longer than the pipe's 64 KiB (thousands of differences, as here) can arrive
 * cut short; then the leading fields (events, accounts) are read from what arrived and the rate
 * from the process's own run time.
 */
function jsonReplayRun(run: MeasuredRun, expectedEvents: number): ReplayRun {
  const last = run.stdout.trim().split('\n').pop() ?? '';
  const base = { exitCode: run.code, peakRssMb: run.peakRssMb, rssSeries: thin(run.rssSeries) };
  try {
    const report = JSON.parse(last) as ReplayReport;
    return { ...base, reportTruncated: false, events: report.events, accounts: report.accounts, differences: report.differences.length, violations: report.violations.length, eventsPerSecond: report.eventsPerSecond, elapsedMs: report.elapsedMs };
  } catch {
    if (!last.startsWith('{"events":')) throw new Error(`replay printed no JSON report (exit ${run.code}): ${run.stderr.slice(-2000)}`);
    const field = (name: string) => Number(new RegExp(`"${name}":(\\d+)`).exec(last)?.[1] ?? Number.NaN);
    const events = Number.isFinite(field('events')) ? field('events') : expectedEvents;
    return { ...base, reportTruncated: true, events, accounts: field('accounts'), differences: 10_000, violations: 0, eventsPerSecond: Math.round((events * 1000) / run.elapsedMs), elapsedMs: run.elapsedMs };
  }
}

/** `replay: <done>/<total> events`: the progress line replay.main.ts writes to stderr about every second when not on a terminal. */
const progressLine = /^replay: (\d+)\/(\d+) events$/;

/**
 * The measured replay, run as `npm run replay` prints for a pipe: its progress lines let memory be
 * read against events folded; the summary line gives the figures, DIFFERS / INVARIANT lines the
 * differences and violations (0 expected, so the output is short).
 */
function textReplayRun(run: MeasuredRun): ReplayRun {
  const summary = /replayed (\d+) events of (\d+) accounts in (\d+) ms \((\d+) events\/s\)/.exec(run.stdout);
  if (!summary) throw new Error(`replay printed no summary (exit ${run.code}): ${run.stdout.slice(-1000)} ${run.stderr.slice(-1000)}`);
  const lines = run.stdout.split('\n');
  const at = (fraction: number) => run.progress.find(([done, total]) => done >= fraction * total)?.[2] ?? Number.NaN;
  return {
    exitCode: run.code,
    reportTruncated: false,
    events: Number(summary[1]),
    accounts: Number(summary[2]),
    differences: lines.filter((line) => line.startsWith('DIFFERS ')).length,
    violations: lines.filter((line) => line.startsWith('INVARIANT ')).length,
    eventsPerSecond: Number(summary[4]),
    elapsedMs: Number(summary[3]),
    peakRssMb: run.peakRssMb,
    ...(run.progress.length > 0 ? { rssByEventsMb: [at(0.25), at(0.5), at(0.75), at(1)] } : {}),
    rssSeries: thin(run.rssSeries),
  };
}

export async function replayBench(nc: NatsConnection, postgresUrl: string, natsUrl: string, runId: string, events: number, accounts: number, keep: boolean): Promise<ReplayBenchResult> {
  const url = await createBenchDatabase(postgresUrl, `bench_${runId.slice(5)}_replay`);
  try {
    progress('replay: migrating a fresh database with the ledger (booted once on it)…');
    await migrateWithLedger(nc, url, natsUrl, `${runId}rp`);

    progress(`replay: writing ${events.toLocaleString('en')} events of ${accounts.toLocaleString('en')} accounts with COPY…`);
    const client = benchClient(url, 'bench-replay-writer');
    await client.connect();
    let triggersSkipped = true;
    const generateStarted = performance.now();
    try {
      // The generator's histories are gapless by construction; skipping the per-row deferred
      // gapless trigger (replica role, superuser only) only makes the load faster.
      await client.query('SET session_replication_role = replica').catch(() => (triggersSkipped = false));
      await client.query('BEGIN');
      await copyIn(client, `COPY ledger_events ${ledgerEventCopyColumns} FROM STDIN`, () => eventCopyChunks({ events, accounts }));
      await client.query('COMMIT');
      await client.query('RESET session_replication_role');
      await client.query('ANALYZE ledger_events');
      const written = await count(client, 'SELECT count(*) FROM ledger_events');
      if (written !== events) throw new Error(`wrote ${written} events, expected ${events}`);
    } finally {
      await client.end();
    }
    const generateMs = performance.now() - generateStarted;
    progress(`replay: ${events.toLocaleString('en')} events written in ${(generateMs / 1000).toFixed(1)} s; building the projections with a first replay…`);

    const env = { ...process.env, LEDGER_DATABASE_URL: url, NATS_URL: natsUrl };
    const prime = jsonReplayRun(await runMeasured(replayMain, ['--json'], env), events);
    if (prime.exitCode !== 0 && prime.exitCode !== 1) throw new Error(`the first replay exited ${prime.exitCode} (2: an invariant broke, 3: it could not run)`);
    await vacuum(url);
    progress(`replay: projections built (${prime.eventsPerSecond} events/s from empty); measuring the replay…`);

    const replay = textReplayRun(await runMeasured(replayMain, [], env, progressLine));
    progress(`replay: ${replay.eventsPerSecond} events/s, ${replay.differences} differences, peak RSS ${replay.peakRssMb} MB; measuring the COPY fold floor…`);

    const copyFold = await runChild<CopyFoldResult>({ mode: 'copyfold', databaseUrl: url });
    progress(`replay: COPY fold floor ${copyFold.eventsPerSecond} events/s (peak RSS ${copyFold.maxRssMb} MB)`);
    const byEvents = replay.rssByEventsMb ?? [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
    const memoryGrowth = byEvents[3] / byEvents[0];
    return {
      events,
      accounts,
      generate: { ms: Math.round(generateMs), perSec: Math.round((events * 1000) / generateMs), triggersSkipped },
      prime,
      replay,
      copyFold,
      memoryGrowth: Math.round(memoryGrowth * 100) / 100,
      memoryFlat: Number.isFinite(memoryGrowth) && memoryGrowth <= 1.2,
    };
  } finally {
    if (!keep) await dropBenchDatabases(postgresUrl, [databaseName(url)]);
  }
}

async function vacuum(url: string): Promise<void> {
  const client = benchClient(url, 'bench-vacuum');
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}
