import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { systemScripts } from './system';

/**
 * Servers of the chaos run's own: a NATS server with JetStream and a PostgreSQL cluster, each on a
 * free port with its data in a temporary directory. The machine's shared NATS (4222) and
 * PostgreSQL (5432) serve everyone else's tests at the same time: the faults that stop a server
 * (`--scenario nats|postgres`) stop these private ones instead and hurt nobody.
 */

/** Resolves when something accepts TCP connections on 127.0.0.1:`port`, or throws after `timeoutMs`. */
export async function waitPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** `nats-server -js` on a free port, storing JetStream in its own temporary directory. */
export class PrivateNats {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly directory: string,
    private readonly binary: string,
  ) {}

  static async start(binary = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server'): Promise<PrivateNats> {
    if (!fs.existsSync(binary)) throw new Error(`${binary} not found (set NATS_SERVER_BIN)`);
    const port = await systemScripts().freePort();
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-nats-'));
    const server = new PrivateNats(port, directory, binary);
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, on the same port and store). */
  async start(): Promise<void> {
    const log = fs.openSync(path.join(this.directory, 'nats-server.log'), 'a');
    this.child = spawn(this.binary, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', path.join(this.directory, 'store')], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    await waitPort(this.port, 15_000);
  }

  /** Stops the server (SIGTERM: its clients see the connection close) and waits for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

/** A PostgreSQL cluster of its own (initdb in a temporary directory, trust auth, user postgres). */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly directory: string,
    private readonly bin: string,
  ) {}

  /** Creates and starts the cluster. As root, the server runs as the `postgres` user (it refuses root). */
  static async start(): Promise<PrivatePostgres> {
    const bin = process.env['PG_BIN'] ?? postgresBin();
    const port = await systemScripts().freePort();
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-pg-'));
    fs.chmodSync(directory, 0o755);
    if (asRoot()) spawnSync('chown', ['-R', 'postgres:postgres', directory]);
    const server = new PrivatePostgres(port, directory, bin);
    server.run('initdb', ['-D', server.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await server.start();
    return server;
  }

  private get data(): string {
    return path.join(this.directory, 'data');
  }

  /** Base URL for system.js's `postgresBaseUrl`. */
  get baseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.directory} -c listen_addresses=127.0.0.1 -c max_connections=300`;
    this.run('pg_ctl', ['-D', this.data, '-o', options, '-l', path.join(this.directory, 'postgres.log'), '-w', '-t', '60', 'start']);
    await waitPort(this.port, 30_000);
  }

  /** `pg_ctl stop -m immediate`: no checkpoint, connections cut, recovery from the WAL at the next start. */
  async stopImmediate(): Promise<void> {
    this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    spawnSync(...this.command('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private run(program: string, args: string[]): void {
    const [file, argv] = this.command(program, args);
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: this.directory });
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${String(result.status)}): ${result.stderr || result.stdout}`);
  }

  private command(program: string, args: string[]): [string, string[]] {
    const binary = path.join(this.bin, program);
    return asRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  }
}

function asRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The newest /usr/lib/postgresql/<version>/bin. */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error('no PostgreSQL under /usr/lib/postgresql (set PG_BIN)');
  return path.join(base, versions[0], 'bin');
}
