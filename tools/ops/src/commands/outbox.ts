import { Command } from 'commander';
import { Client } from 'pg';
import { connectDatabase } from '../connections';
import { databaseName, readEnvironment, redactUrl, serviceDatabases, ServiceName } from '../env';
import { parseDuration } from '@credit-hub/service-kit';
import { ExitCode, humanSeconds, Output, table, UsageError } from '../output';

/** Rows looked at, newest first, to count what was published in the last minute (bounded work). */
const recentWindow = 500_000;

export interface OutboxStatus {
  service: ServiceName;
  database: string;
  ok: boolean;
  error?: string;
  unpublished?: number;
  /** Age of the oldest unpublished row, seconds; null when none is waiting. */
  oldestUnpublishedSeconds?: number | null;
  publishedLastMinute?: number;
  /** True when the count stopped at the newest `recentWindow` rows. */
  publishedLastMinuteCapped?: boolean;
  /** Connections named `<service>-relay` (the LISTEN connection of each relay: one holds the lock, others stand by). */
  relayConnections?: number;
  /** Whether some session holds an advisory lock in this database (the active relay's). */
  relayLockHeld?: boolean;
}

/** `ops outbox status`: the transactional outboxes' backlog, one row per service database. */
export function outboxCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const outbox = program.command('outbox').description('the transactional outboxes (rows waiting to be relayed to JetStream)');
  outbox
    .command('status')
    .description('per service database: unpublished rows, age of the oldest, published in the last minute, relays connected')
    .option('--service <name>', `only this service (${outboxServices().join(', ')}); repeatable`, (v: string, p: string[] = []) => [...p, v])
    .option('--max-age <duration>', 'exit 1 when a row has waited longer than this (an alert threshold): 30s, 5m, 1h')
    .option('--json', 'print a JSON array')
    .addHelpText(
      'after',
      `
Databases: LEDGER_DATABASE_URL, BILLING_DATABASE_URL, REFUNDS_DATABASE_URL (defaults
postgres://postgres@127.0.0.1:5432/hub_<service>). The gateway and feedback-analytics have no outbox.
"published in the last minute" looks at the newest ${recentWindow} rows (marked capped beyond).
Exit codes: 0 ok; 1 a backlog older than --max-age; 69 a database could not be read.`,
    )
    .action((options: { service?: string[]; maxAge?: string; json?: boolean }) => run(() => outboxStatus(options, output)));
}

function outboxServices(): ServiceName[] {
  return (Object.keys(serviceDatabases) as ServiceName[]).filter((s) => serviceDatabases[s].outbox);
}

async function outboxStatus(options: { service?: string[]; maxAge?: string; json?: boolean }, output: Output): Promise<number> {
  const env = readEnvironment();
  const maxAge = options.maxAge === undefined ? undefined : parseDuration('--max-age', options.maxAge) / 1000;
  const services = options.service ?? outboxServices();
  for (const s of services) {
    if (!outboxServices().includes(s as ServiceName)) throw new UsageError(`--service must be one of ${outboxServices().join(', ')}`);
  }
  const statuses = await Promise.all((services as ServiceName[]).map((service) => statusOf(service, env.databases[service])));
  if (options.json) output.out(JSON.stringify(statuses));
  else {
    output.out(
      table(
        ['SERVICE', 'DATABASE', 'UNPUBLISHED', 'OLDEST WAITING', 'PUBLISHED/1MIN', 'RELAYS'],
        statuses.map((s) =>
          s.ok
            ? [s.service, s.database, s.unpublished ?? 0, humanSeconds(s.oldestUnpublishedSeconds ?? null),
               `${s.publishedLastMinute}${s.publishedLastMinuteCapped ? '+' : ''}`, `${s.relayConnections}${s.relayLockHeld ? ' (lock held)' : ''}`]
            : [s.service, s.database, 'ERROR', s.error ?? '', '', ''],
        ),
      ),
    );
  }
  if (statuses.some((s) => !s.ok)) return ExitCode.unavailable;
  if (maxAge !== undefined && statuses.some((s) => (s.oldestUnpublishedSeconds ?? 0) > maxAge)) {
    if (!options.json) output.err(`outbox: a row has waited longer than ${maxAge} s: is the relay running and NATS reachable?`);
    return ExitCode.found;
  }
  return ExitCode.ok;
}

async function statusOf(service: ServiceName, url: string): Promise<OutboxStatus> {
  const base = { service, database: databaseName(url) };
  let client: Client;
  try {
    client = await connectDatabase(url, 'outbox-status');
  } catch (error) {
    return { ...base, ok: false, error: `cannot connect to ${redactUrl(url)}: ${(error as Error).message}` };
  }
  try {
    const exists = await client.query(`SELECT to_regclass('outbox') IS NOT NULL AS present`);
    if (!exists.rows[0].present) return { ...base, ok: false, error: 'no outbox table (service never started on this database?)' };
    const waiting = await client.query(
      `SELECT count(*)::bigint AS unpublished, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
         FROM outbox WHERE published_at IS NULL`,
    );
    const recent = await client.query(
      `SELECT count(*) FILTER (WHERE published_at > clock_timestamp() - interval '1 minute')::bigint AS published, count(*)::bigint AS looked
         FROM (SELECT published_at FROM outbox ORDER BY id DESC LIMIT ${recentWindow}) newest`,
    );
    const relays = await client.query(
      `SELECT count(*)::int AS connections,
              EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS lock_held
         FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%-relay'`,
    );
    const oldest = waiting.rows[0].oldest;
    return {
      ...base,
      ok: true,
      unpublished: Number(waiting.rows[0].unpublished),
      oldestUnpublishedSeconds: oldest === null ? null : Math.round(Number(oldest) * 10) / 10,
      publishedLastMinute: Number(recent.rows[0].published),
      publishedLastMinuteCapped: Number(recent.rows[0].looked) >= recentWindow && Number(recent.rows[0].published) >= Number(recent.rows[0].looked),
      relayConnections: relays.rows[0].connections,
      relayLockHeld: relays.rows[0].lock_held,
    };
  } catch (error) {
    return { ...base, ok: false, error: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}
