import fs from 'node:fs';
import os from 'node:os';
import { Pool } from 'pg';

/**
 * Where the CPU went during a load point (Linux /proc): cores used on average by each service,
 * by PostgreSQL (the system's backends and the server's background processes), by the NATS
 * server, and by the whole machine, so a figure
 * can be read as "the gateway was saturated" or "something else was running".
 */

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

export interface CpuSnapshot {
  atMs: number;
  ticks: Record<string, number>;
  /** Ticks of every postgres and nats-server process by pid (they come and go: deltas per pid). */
  shared: Record<'postgres' | 'nats-server', Map<number, number>>;
  machineBusy: number;
  machineTotal: number;
}

function processTicks(pid: number): { comm: string; ticks: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may contain spaces; the fields after it are space-separated.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the comm.
  return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * The PostgreSQL processes that work for a system: the backends connected to its `databases`
 * (the services' pools, and parallel or autovacuum workers on them) and the server's background
 * processes (WAL writer, checkpointer, background writer, launchers: no database), which also
 * serve any other database on the server. Other databases' backends are left out, so other work
 * on a shared server does not count as this system's. Read from `pg_stat_activity` through `db`.
 */
export async function postgresPids(db: Pool, databases: string[]): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[]) OR datname IS NULL`, [databases]);
  return rows.map((row) => row.pid);
}

/**
 * Ticks of the named processes, of every `nats-server` process, and of the PostgreSQL processes
 * `postgres` lists (see `postgresPids`), else of every `postgres` process on the machine.
 */
export function cpuSnapshot(pids: Record<string, number | undefined>, postgres?: number[]): CpuSnapshot {
  const ticks: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const sample = pid ? processTicks(pid) : undefined;
    if (sample) ticks[name] = sample.ticks;
  }
  const shared: CpuSnapshot['shared'] = { postgres: new Map(), 'nats-server': new Map() };
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const sample = processTicks(Number(entry));
    if (sample?.comm === 'nats-server' || (sample?.comm === 'postgres' && !postgres)) shared[sample.comm as 'postgres' | 'nats-server'].set(Number(entry), sample.ticks);
  }
  for (const pid of postgres ?? []) {
    const sample = processTicks(pid);
    if (sample) shared.postgres.set(pid, sample.ticks);
  }
  const [, ...values] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const machineBusy = user + nice + system + irq + softirq + (steal || 0);
  return { atMs: performance.now(), ticks, shared, machineBusy, machineTotal: machineBusy + idle + (iowait || 0) };
}

/**
 * Average cores used between two snapshots by each named process, `machine` (all of it) and
 * `others` (the machine minus everything named and minus `extraCpuSeconds`, e.g. the load child).
 */
export function coresBetween(before: CpuSnapshot, after: CpuSnapshot, extra: Record<string, number> = {}): Record<string, number> {
  const seconds = (after.atMs - before.atMs) / 1000;
  const cores: Record<string, number> = {};
  let named = 0;
  for (const [name, ticks] of Object.entries(after.ticks)) {
    if (before.ticks[name] === undefined) continue;
    const used = (ticks - before.ticks[name]) / ticksPerSecond / seconds;
    cores[name] = Math.round(used * 10_000) / 10_000;
    named += used;
  }
  for (const name of ['postgres', 'nats-server'] as const) {
    // Per process: one that started during the interval counts all its ticks, one that ended is lost.
    let ticks = 0;
    for (const [pid, now] of after.shared[name]) ticks += now - (before.shared[name].get(pid) ?? 0);
    const used = ticks / ticksPerSecond / seconds;
    cores[name] = Math.round(used * 10_000) / 10_000;
    named += used;
  }
  for (const [name, cpuSeconds] of Object.entries(extra)) {
    const used = cpuSeconds / seconds;
    cores[name] = Math.round(used * 10_000) / 10_000;
    named += used;
  }
  const machine = ((after.machineBusy - before.machineBusy) / Math.max(1, after.machineTotal - before.machineTotal)) * os.availableParallelism();
  cores['machine'] = Math.round(machine * 10_000) / 10_000;
  cores['others'] = Math.round(Math.max(0, machine - named) * 10_000) / 10_000;
  return cores;
}
