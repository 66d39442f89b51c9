import { Pool } from 'pg';
import { runChild, startChild } from './children';
import { coresBetween, cpuSnapshot, postgresPids } from './cpu';
import { benchPool, createBenchDatabase, databaseName, dropBenchDatabases, progress, sleep } from './harness';
import { ConsumeBody, LoadResult } from './load-types';
import { naiveSchemaSql } from './naive-service';
import { cpuPerConsume } from './report';

/** One load point of floor (e): the naive service under the gateway's load generator. */
export interface NaivePoint {
  clients: number;
  result: LoadResult;
  /** Average cores used during the point: `naive service`, `postgres` (its database's backends and the server's background processes), `load generator`, `machine`, `others`. */
  cpu: Record<string, number>;
  /** CPU ms per accepted consume, per process and `sum` (naive service + postgres). */
  cpuMsPerConsume: Record<string, number>;
}

export interface NaiveFloorResult {
  poolSize: number;
  accounts: number;
  points: NaivePoint[];
}

/**
 * Floor (e): the naive service (naive-service.ts) on a scratch database holding the gateway
 * points' accounts, driven by the same autocannon load as the gateway points (same bodies, same
 * client → account mapping) at each of `clients`.
 */
export async function naiveFloor(postgresUrl: string, database: string, accounts: string[], clients: number[], durationSec: number, body: (clients: number) => ConsumeBody): Promise<NaiveFloorResult> {
  const poolSize = 10; // pg's default pool: what the afternoon's service would have
  const url = await createBenchDatabase(postgresUrl, database);
  const admin: Pool = benchPool(url, 1, 'bench-naive-setup');
  try {
    for (const statement of naiveSchemaSql) await admin.query(statement);
    await admin.query(`INSERT INTO accounts SELECT 'account-' || email, 0, 1000000000 FROM unnest($1::text[]) AS email`, [accounts]);
    await admin.query('VACUUM ANALYZE accounts');
    const service = await startChild({ mode: 'naive', databaseUrl: url, poolSize });
    const points: NaivePoint[] = [];
    try {
      const serviceUrl = `http://127.0.0.1:${String(service.ready['port'])}`;
      for (const n of clients) {
        const pgPids = await postgresPids(admin, [database]);
        const before = cpuSnapshot({ 'naive service': service.pid }, pgPids);
        const result = await runChild<LoadResult>({ mode: 'http', url: serviceUrl, apiKey: 'naive', connections: n, durationSec, body: body(n) });
        const cpu = coresBetween(before, cpuSnapshot({ 'naive service': service.pid }, [...new Set([...pgPids, ...(await postgresPids(admin, [database]))])]), { 'load generator': result.cpuSeconds ?? 0 });
        const cpuMsPerConsume = cpuPerConsume(cpu, result.okPerSec, ['naive service', 'postgres']);
        points.push({ clients: n, result, cpu, cpuMsPerConsume });
        progress(`floor (e) naive service, ${n} client${n > 1 ? 's' : ''}: ${Math.round(result.okPerSec)} consumes/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ${cpuMsPerConsume['sum'] ?? '—'} ms CPU per consume`);
      }
    } finally {
      await service.stop();
    }
    return { poolSize, accounts: accounts.length, points };
  } finally {
    await admin.end();
    await sleep(200); // pool.end() resolves before its connections have closed
    await dropBenchDatabases(postgresUrl, [databaseName(url)]);
  }
}
