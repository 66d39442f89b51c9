import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect, ConnectionOptions, NatsConnection } from 'nats';
import { Client } from 'pg';
import { OpsEnvironment } from './env';

/**
 * The workspace root: the nearest directory above this file with tools/scripts/register-paths.js
 * (this file runs as dist/tools/ops/src/connections.js, or from tools/ops/src under ts-jest).
 */
export const workspaceRoot = findRoot(__dirname);

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'tools', 'scripts', 'register-paths.js'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Opens a NATS connection as the operator (no reconnect loop: a CLI fails fast, exit 69). */
export async function connectOps(env: OpsEnvironment, timeoutMs = 5000): Promise<NatsConnection> {
  const options: ConnectionOptions = {
    servers: env.natsServers,
    name: 'credit-hub-ops',
    timeout: timeoutMs,
    maxReconnectAttempts: 2,
    reconnectTimeWait: 250,
  };
  if (env.natsUser !== undefined) options.user = env.natsUser;
  if (env.natsPassword !== undefined) options.pass = env.natsPassword;
  if (env.natsTlsCaFile !== undefined) options.tls = { caFile: env.natsTlsCaFile };
  return connect(options);
}

/** Opens a PostgreSQL connection named after the CLI (visible in pg_stat_activity). */
export async function connectDatabase(url: string, purpose: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: `ops-${purpose}`, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

/**
 * Runs a compiled entry point of an app (dist/apps/…) with the workspace's path aliases, the
 * arguments given and this process' environment, its output straight to this terminal; returns
 * its exit code. Tools may not import app code (Nx module boundaries), so the CLI delegates to
 * the apps' own command-line entry points.
 */
export function runCompiledEntry(entry: string, args: string[]): number {
  const main = path.join(workspaceRoot, entry);
  if (!fs.existsSync(main)) throw new Error(`${entry} is missing: build first (npm run build)`);
  const register = path.join(workspaceRoot, 'tools', 'scripts', 'register-paths.js');
  const result = spawnSync(process.execPath, ['-r', register, main, ...args], { cwd: workspaceRoot, env: process.env, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 70; // killed by a signal: EX_SOFTWARE
}
