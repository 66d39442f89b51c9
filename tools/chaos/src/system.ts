import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import { deleteNamespaceStreams, repoRoot, systemScripts } from '@credit-hub/testing';
import type { DatabaseName, ServiceName, StartedSystem, StartOptions } from '@credit-hub/testing';

/**
 * A started copy of the whole system (tools/scripts/system.js: random ports, own databases and
 * NATS namespace) with what a fault run needs on top: kill one service (SIGKILL, SIGSTOP) and
 * start it again exactly as it was started, create API keys, and drop everything at the end.
 * Used by `npm run chaos` and by the fuzz, security and races end-to-end specs.
 */

// The started system's types and tools/scripts/system.js itself come from the typed harness.
export { repoRoot, systemScripts } from '@credit-hub/testing';
export type { DatabaseName, ServiceName, StartedSystem, StartOptions } from '@credit-hub/testing';

/** How a service was launched: enough to launch it again identically after a kill. */
interface LaunchSpec {
  args: string[];
  env: NodeJS.ProcessEnv;
  healthUrl: string;
}

/** The health URL of each service of a started system. */
function healthUrlOf(system: StartedSystem, name: ServiceName): string {
  const local = (port: number, suffix = '/health') => `http://127.0.0.1:${port}${suffix}`;
  switch (name) {
    case 'stripe-standin':
      return local(system.ports.standin, '/test/health');
    case 'ledger':
      return local(system.ports.ledger);
    case 'billing':
      return local(system.ports.billing);
    case 'refunds':
      return local(system.ports.refunds);
    case 'feedback-analytics':
      return local(system.ports.analytics);
    case 'gateway':
      return local(system.ports.gateway);
    default: {
      const unreachable: never = name;
      throw new Error(`unknown service ${String(unreachable)}`);
    }
  }
}

/** The environment a running process was started with (Linux: /proc/<pid>/environ). */
function environmentOf(pid: number): NodeJS.ProcessEnv {
  const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  const env: NodeJS.ProcessEnv = {};
  for (const entry of raw.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/** A started system plus process control, keys and clean-up. */
export class HubSystem {
  private readonly launches = new Map<ServiceName, LaunchSpec>();
  /** Times each service was (re)started after the first start. */
  readonly restarts: Partial<Record<ServiceName, number>> = {};
  /** Exits nobody asked for (a crash): what a fault run must report. */
  readonly crashes: { name: ServiceName; code: number | null; signal: string | null; at: Date; logTail: string }[] = [];
  private readonly expectedExits = new WeakSet<ChildProcess>();
  /**
   * Restart a crashed service after a second, as a process supervisor (systemd, Kubernetes) would.
   * The crash is still recorded: a fault run reports it, then checks that nothing was lost anyway.
   */
  supervise = false;

  private constructor(
    readonly started: StartedSystem,
    readonly namespace: string,
    readonly postgresBaseUrl: string,
  ) {
    for (const name of Object.keys(started.processes) as ServiceName[]) {
      const child = started.processes[name];
      if (child.pid === undefined) continue;
      this.launches.set(name, { args: child.spawnargs.slice(1), env: environmentOf(child.pid), healthUrl: healthUrlOf(started, name) });
      this.watch(name, child);
    }
  }

  /** Records an exit of `child` that no kill() or stop asked for. */
  private watch(name: ServiceName, child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (this.expectedExits.has(child)) return;
      this.crashes.push({ name, code, signal, at: new Date(), logTail: this.logTail(name, 40) });
      if (this.supervise) {
        setTimeout(() => {
          if (this.started.processes[name] === child) void this.restart(name).catch(() => undefined);
        }, 1000);
      }
    });
  }

  /** The last lines of a service's log that are not plain info lines (for a crash report). */
  logTail(name: ServiceName, lines = 12): string {
    try {
      const text = fs.readFileSync(path.join(this.started.logDir, `${name}.log`), 'utf8').slice(-200_000);
      return text.split('\n').filter((line) => !line.includes('"level":30')).slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Starts a fresh system under a random namespace and database prefix. */
  static async start(label: string, options: StartOptions = {}): Promise<HubSystem> {
    const suffix = randomBytes(3).toString('hex');
    const namespace = options.namespace ?? `${label}${suffix}`;
    const postgresBaseUrl = options.postgresBaseUrl ?? process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432';
    const databasePrefix = options.databasePrefix ?? `test_${label}_${suffix}`;
    let started: StartedSystem;
    try {
      started = await systemScripts().startSystem({
        ports: 'random',
        logDir: path.join(repoRoot, 'tmp', 'logs', `${label}-${suffix}`),
        ...options,
        databasePrefix,
        namespace,
        postgresBaseUrl,
      });
    } catch (error) {
      // startSystem stopped what it started; the databases and streams the services made stay: drop them.
      const names = ['gateway', 'ledger', 'billing', 'refunds', 'analytics'].map((name) => `${databasePrefix}_${name}`);
      await dropEverything(postgresBaseUrl, names, options.natsUrl ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222', namespace);
      throw error;
    }
    return new HubSystem(started, namespace, postgresBaseUrl);
  }

  get urls(): StartedSystem['urls'] {
    return this.started.urls;
  }

  get databases(): StartedSystem['databases'] {
    return this.started.databases;
  }

  /** The process id of a service now. */
  pid(name: ServiceName): number | undefined {
    return this.started.processes[name].pid;
  }

  /** Whether the service's process is alive. */
  alive(name: ServiceName): boolean {
    const child = this.started.processes[name];
    return child.exitCode === null && child.signalCode === null;
  }

  /** Sends `signal` (SIGKILL by default: no shutdown hook runs) and waits for the exit. */
  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.started.processes[name];
    if (!this.alive(name)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.expectedExits.add(child);
    child.kill(signal);
    await exited;
  }

  /** SIGSTOP / SIGCONT: the process stays, but answers nothing while stopped. */
  pause(name: ServiceName): void {
    this.started.processes[name].kill('SIGSTOP');
  }

  resume(name: ServiceName): void {
    this.started.processes[name].kill('SIGCONT');
  }

  /** Starts a killed service again with its first start's arguments and environment; resolves when healthy. */
  async restart(name: ServiceName, healthyTimeoutMs = 60_000): Promise<void> {
    const launch = this.launches.get(name);
    if (!launch) throw new Error(`no launch record of ${name}`);
    if (this.alive(name)) await this.kill(name);
    const log = fs.openSync(path.join(this.started.logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, launch.args, { cwd: repoRoot, env: launch.env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.started.processes[name] = child;
    this.watch(name, child);
    this.restarts[name] = (this.restarts[name] ?? 0) + 1;
    await systemScripts().waitHealthy(name, launch.healthUrl, healthyTimeoutMs, child);
  }

  /** A new domain API key (the key in clear, and its id). */
  async createKey(domain: string, label?: string): Promise<{ key: string; id: string }> {
    const args = ['create', '--domain', domain, '--json', ...(label ? ['--label', label] : [])];
    const created = JSON.parse(await systemScripts().runApiKeyCli(this.started, args)) as { key: string; record?: { id: string }; id?: string };
    const id = created.record?.id ?? created.id;
    if (!id) throw new Error(`apikey create answered without an id: ${JSON.stringify(Object.keys(created))}`);
    return { key: created.key, id };
  }

  /** Revokes a key by id through the operator CLI. */
  async revokeKey(id: string): Promise<void> {
    await systemScripts().runApiKeyCli(this.started, ['revoke', id]);
  }

  /** `npm run replay -- --dry-run --json` on the ledger's database. */
  async replayDryRun(): Promise<{ code: number | null; report: ReplayReport | undefined; stderr: string }> {
    const result = await systemScripts().runReplay(this.started, ['--dry-run', '--json']);
    const line = result.stdout.trim().split('\n').pop() ?? '';
    let report: ReplayReport | undefined;
    try {
      report = JSON.parse(line) as ReplayReport;
    } catch {
      report = undefined;
    }
    return { code: result.code, report, stderr: result.stderr };
  }

  /** One query on one of the system's databases. */
  async query<R = Record<string, unknown>>(database: DatabaseName, sql: string, parameters: unknown[] = []): Promise<R[]> {
    const client = new Client({ connectionString: this.started.databases[database], application_name: 'chaos-check' });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows as R[];
    } finally {
      await client.end();
    }
  }

  /** A count(*)-shaped query's number. */
  async count(database: DatabaseName, sql: string, parameters: unknown[] = []): Promise<number> {
    const rows = await this.query<{ count: string }>(database, sql, parameters);
    return Number(rows[0]?.count ?? 0);
  }

  /** A stream's name in this system's namespace. */
  stream(name: 'LEDGER' | 'BILLING' | 'REFUNDS'): string {
    return `${name}_${this.namespace.toUpperCase()}`;
  }

  /** Stops every process (SIGTERM), without counting it as a crash. */
  async stop(): Promise<void> {
    this.supervise = false;
    for (const child of Object.values(this.started.processes)) this.expectedExits.add(child);
    await this.started.stop();
  }

  /** Stops every process, drops the databases and deletes the streams. */
  async destroy(): Promise<void> {
    await this.stop();
    const names = Object.values(this.started.databases).map((url) => new URL(url).pathname.slice(1));
    await dropEverything(this.postgresBaseUrl, names, this.started.natsUrl, this.namespace);
  }
}

/** Drops the databases and deletes the namespace's streams (each step best effort). */
async function dropEverything(postgresBaseUrl: string, databases: string[], natsUrl: string, namespace: string): Promise<void> {
  const admin = new Client({ connectionString: `${postgresBaseUrl}/postgres` });
  const connected = await admin.connect().then(() => true, () => false);
  if (connected) {
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  const nc = await connect({ servers: natsUrl, timeout: 3000 }).catch(() => undefined);
  if (!nc) return;
  const jsm = await nc.jetstreamManager();
  await deleteNamespaceStreams(jsm, namespace);
  await nc.close();
}

/** What `npm run replay -- --json` prints. */
export interface ReplayReport {
  events: number;
  accounts: number;
  differences: { streamId: string; table: string; detail: string }[];
  violations: { streamId: string; detail: string }[];
  replaced: boolean;
  eventsPerSecond: number;
  elapsedMs: number;
}
