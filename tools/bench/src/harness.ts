import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect, NatsConnection } from 'nats';
import { Client, Pool } from 'pg';

/**
 * What the bench needs of the system it measures, whether it started it (tools/scripts/system.js)
 * or found it running (`npm start`), plus helpers to reach NATS and PostgreSQL and to clean up.
 */

/** The repository root: the directory holding tools/scripts/system.js above this file (src or dist). */
export const repoRoot = findRoot(__dirname);

function findRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'tools', 'scripts', 'system.js')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
}

/** The `startSystem` handle of tools/scripts/system.js. */
export interface StartedSystem {
  urls: { gateway: string; standin: string; docs: string };
  ports: Record<string, number>;
  databases: { gateway: string; ledger: string; billing: string; refunds: string; analytics: string };
  natsUrl: string;
  env: NodeJS.ProcessEnv;
  processes: Record<string, ChildProcess>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** tools/scripts/system.js (plain CommonJS, no types of its own). */
export interface SystemScripts {
  startSystem(options: { ports?: 'default' | 'random'; namespace?: string; databasePrefix?: string; postgresBaseUrl?: string; natsUrl?: string; logDir?: string; env?: Record<string, string>; nodeArgs?: Record<string, string[]> }): Promise<StartedSystem>;
  runApiKeyCli(system: StartedSystem, args: string[]): Promise<string>;
  freePort(): Promise<number>;
  waitHealthy(name: string, url: string, timeoutMs: number, child?: ChildProcess): Promise<void>;
  defaultPorts: Record<string, number>;
}

export function systemScripts(): SystemScripts {
  return require(path.join(repoRoot, 'tools', 'scripts', 'system.js')) as SystemScripts;
}

/** The system under measurement, however it came to run. */
export interface Target {
  /** True when the bench started it (and may publish synthetic messages, then stops and drops it). */
  owned: boolean;
  namespace: string;
  gatewayUrl: string;
  standinUrl: string;
  apiKey: string;
  natsUrl: string;
  databases: StartedSystem['databases'];
  /** Process ids of the services (from the started children, or found by their listening ports). */
  pids: () => Record<string, number | undefined>;
  /** The ledger's Prometheus endpoint. */
  ledgerMetricsUrl: string;
  system?: StartedSystem;
}

/** A subject under the namespace (`HUB_NAMESPACE` rules of libs/contracts). */
export function nsSubject(namespace: string, name: string): string {
  return namespace ? `${namespace}.${name}` : name;
}

/** A stream name under the namespace. */
export function nsStream(namespace: string, name: string): string {
  return namespace ? `${name}_${namespace.toUpperCase()}` : name;
}

const started = Date.now();

/** Progress line on stderr with the time since the bench started. */
export function progress(message: string): void {
  const seconds = Math.round((Date.now() - started) / 1000);
  const stamp = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  process.stderr.write(`[bench ${stamp}] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url.split(','), name, maxReconnectAttempts: 10, reconnectTimeWait: 500 });
}

/** A URL of database `name` on the server of `baseUrl`. */
export function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A pg pool of the bench. pg-pool's end() resolves before its connections have closed, so a
 * connection can still be closing when the bench drops its database (WITH FORCE); the error
 * that raises on an idle connection is expected then, and must not crash the run.
 */
export function benchPool(connectionString: string, max: number, applicationName: string): Pool {
  const pool = new Pool({ connectionString, max, application_name: applicationName });
  pool.on('error', (error) => progress(`${applicationName}: idle connection closed (${error.message})`));
  return pool;
}

/** A pg client of the bench, with the same tolerance for a connection terminated under it. */
export function benchClient(connectionString: string, applicationName: string): Client {
  const client = new Client({ connectionString, application_name: applicationName });
  client.on('error', (error) => progress(`${applicationName}: connection closed (${error.message})`));
  return client;
}

export async function withAdmin<T>(postgresUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = benchClient(databaseUrl(postgresUrl, 'postgres'), 'bench-admin');
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates (or re-creates) an empty database; only `bench_*` names, so nothing else is ever dropped. */
export async function createBenchDatabase(postgresUrl: string, name: string): Promise<string> {
  if (!/^bench_[a-z0-9_]+$/.test(name)) throw new Error(`refusing database name ${name}: bench databases are bench_*`);
  await withAdmin(postgresUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  return databaseUrl(postgresUrl, name);
}

/** Drops the given `bench_*` databases. */
export async function dropBenchDatabases(postgresUrl: string, names: string[]): Promise<void> {
  await withAdmin(postgresUrl, async (admin) => {
    for (const name of names) {
      if (!/^bench_[a-z0-9_]+$/.test(name)) continue;
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch((error: Error) => progress(`could not drop ${name}: ${error.message}`));
    }
  });
}

/** Deletes JetStream streams by name, ignoring the ones already gone. */
export async function deleteStreams(nc: NatsConnection, names: string[]): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const name of names) await jsm.streams.delete(name).catch(() => false);
}

/** `SELECT count(*)` helper. */
export async function count(pool: Pool | Client, sql: string, parameters: unknown[] = []): Promise<number> {
  const result = await pool.query<{ count: string }>(sql, parameters);
  return Number(result.rows[0].count);
}

/** The database name of a postgres URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
