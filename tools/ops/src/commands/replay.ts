import { Command } from 'commander';
import { confirmWrite, CliUsageError } from '@credit-hub/service-kit';
import { connectDatabase, runCompiledEntry } from '../connections';
import { databaseName, readEnvironment } from '../env';
import { ExitCode, Output, parsePositiveInteger, parseSince } from '../output';
import { AccountSelection, renderVerifyReport, verifyAccounts } from '../verify/accounts';

const replayEntry = 'dist/apps/ledger/src/replay/replay.main.js';
const analyticsEntry = 'dist/apps/feedback-analytics/src/cli/replay-analytics.main.js';

interface ReplayOptions {
  dryRun?: boolean;
  json?: boolean;
  fromSnapshots?: boolean;
  customer?: string[];
  domain?: string;
  fromPosition?: string;
  fromTime?: string;
  yes?: boolean;
}

interface AnalyticsOptions {
  dryRun?: boolean;
  replace?: boolean;
  domain?: string;
  until?: string;
  json?: boolean;
  yes?: boolean;
}

/** `ops replay`: the ledger replay, and a read-only verification of some accounts. */
export function replayCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const replay = program
    .command('replay')
    .description('rebuild the ledger projections from the event log and verify them (npm run replay)')
    .option('--dry-run', 'rebuild and compare only; the live projections stay as they are')
    .option('--yes', 'repair without asking (needed when stdin is not a terminal)')
    .option('--json', 'print the report as one JSON line')
    .option('--from-snapshots', 'start each account from its latest verified snapshot (ops snapshot verify) and fold only the events after it')
    .option('--customer <email>', 'verify only this customer (repeatable); read-only, see below', collect)
    .option('--domain <domain>', 'verify only accounts with events on this domain; read-only')
    .option('--from-position <n>', 'verify only accounts with events at or after this global position; read-only')
    .option('--from-time <time>', 'verify only accounts with events since this time (ISO-8601, or an age: 15m, 12h, 3d); read-only')
    .addHelpText(
      'after',
      `
Without a filter this runs the ledger's replay (apps/ledger/src/replay): every account is rebuilt
from ledger_events in one transaction that holds EXCLUSIVE locks on the ledger_* projection tables
(writers wait for its duration), compared row by row with the live projections, and the invariants
are checked. Unless --dry-run (or an invariant broke), the rows that differ, and only those, are
repaired: an UPDATE of the differing columns, an INSERT of a missing row, a DELETE of a row the
events do not produce. It reports per table: rows compared, differing, repaired; and each
differing row: its key, column, live and rebuilt value (--json: the same as data).
Exit codes: 0 equal and sound; 1 differences found (repaired unless --dry-run); 65 an invariant broke
(nothing repaired); 64 usage or no --yes off a terminal; 69/75/78 could not run.
With --from-snapshots each account starts from its latest snapshot marked verified by ops snapshot verify
(accounts without one fold from their first event); ledger_history and ledger_purchases, per-event logs
a snapshot cannot rebuild, are then left as they are.

With --customer, --domain, --from-position or --from-time this command VERIFIES instead of rebuilding,
read-only and without locks: it picks the accounts the filters name (an account qualifies when one of
its events matches; filters combine with AND), folds each one's whole stream with
@credit-hub/ledger-domain's fold (the ledger's own code) and compares the result with its projection
rows (balance, version, owed credits, every lot, consumption and reservation). To repair what it
finds, run the full replay (it repairs only the differing rows).
Exit codes: 0 equal and sound; 1 differences (or a --customer not found); 65 an invariant broke.

Environment: LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger).`,
    )
    .action((options: ReplayOptions) => run(() => replayAction(options, output)));

  replay
    .command('analytics')
    .description("rebuild every feedback-analytics read model from the streams, compare row by row, repair with --replace")
    .option('--dry-run', 'rebuild and compare only (the default without --replace)')
    .option('--replace', 'repair the live rows that differ from the rebuilt ones (only those rows are written)')
    .option('--domain <domain>', "compare (and repair) only this domain's rows")
    .option('--until <time>', 'a point-in-time view up to this ISO-8601 time in schema analytics_rebuild; no compare, no repair')
    .option('--yes', 'repair without asking (needed with --replace when stdin is not a terminal)')
    .option('--json', 'print the report as one JSON line')
    .addHelpText(
      'after',
      `
Every read model registers itself (apps/feedback-analytics/src/read-models/read-model.registry.ts:
its tables with their keys, the streams and durable consumers it reads, its fold of one message);
this rebuild covers exactly that list: the dashboard read models (rm_*) and usage_daily and
purchases_daily. It waits until the live durable consumers have acknowledged the streams' last
sequences, copies the live tables (schema analytics_snapshot), folds every message of LEDGER,
BILLING and REFUNDS into schema analytics_rebuild, and compares each table row by row: key, column,
live and rebuilt value. With --replace it then repairs only the differing rows, in one transaction
under a table lock, and only if no new message arrived meanwhile (else exit 75: run it again).
Exit codes: 0 equal; 1 differences found (repaired with --replace); 64 usage or no --yes off a
terminal; 69 database or NATS unreachable; 75 the live consumers lag or traffic kept moving; 78 configuration.
Environment: ANALYTICS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_analytics), NATS_URL, HUB_NAMESPACE.`,
    )
    .action((options: AnalyticsOptions) => run(async () => analyticsAction(options)));
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function replayAction(options: ReplayOptions, output: Output): Promise<number> {
  const partial = options.customer !== undefined || options.domain !== undefined || options.fromPosition !== undefined || options.fromTime !== undefined;
  if (!partial) {
    if (!options.dryRun) {
      const database = databaseName(readEnvironment().databases.ledger);
      const stop = await confirmWrite({
        command: 'replay',
        yes: options.yes === true,
        changes: [
          `rebuild every account of ${database} from ledger_events${options.fromSnapshots ? ' (from verified snapshots)' : ''}, holding EXCLUSIVE locks on the ledger_* projection tables while it runs (writers wait)`,
          'repair the projection rows that differ from the rebuilt ones (UPDATE/INSERT/DELETE of those rows only; equal rows are not written), unless an invariant broke',
        ],
      });
      if (stop !== null) return stop;
    }
    const args = [...(options.dryRun ? ['--dry-run'] : []), ...(options.json ? ['--json'] : []), ...(options.fromSnapshots ? ['--from-snapshots'] : [])];
    return runCompiledEntry(replayEntry, args);
  }
  if (options.fromSnapshots) throw new CliUsageError('--from-snapshots is for the full replay; --customer, --domain, --from-position and --from-time verify read-only');
  const selection: AccountSelection = {};
  if (options.customer) selection.customers = options.customer;
  if (options.domain !== undefined) selection.domain = options.domain;
  if (options.fromPosition !== undefined) selection.fromPosition = parsePositiveInteger('--from-position', options.fromPosition);
  if (options.fromTime !== undefined) selection.fromTime = parseSince(options.fromTime, new Date(), '--from-time');
  const env = readEnvironment();
  const client = await connectDatabase(env.databases.ledger, 'replay-verify');
  try {
    const report = await verifyAccounts(client, selection, (done, total) => {
      if (!options.json && total > 2000 && process.stderr.isTTY) process.stderr.write(`verify: ${done}/${total} accounts\r`);
    });
    if (options.json) output.out(JSON.stringify({ mode: 'verification', readOnly: true, replaced: false, ...report }));
    else {
      output.out('partial replay = read-only verification (the replay rebuilds all accounts or none; see --help)');
      for (const line of renderVerifyReport(report, 'verified')) output.out(line);
    }
    if (report.violations.length > 0) return ExitCode.data;
    return report.differences.length > 0 || report.notFound.length > 0 ? ExitCode.found : ExitCode.ok;
  } finally {
    await client.end();
  }
}

/** `ops replay analytics`: the analytics rebuild's entry point, after the write gate when it repairs. */
async function analyticsAction(options: AnalyticsOptions): Promise<number> {
  if (options.dryRun && options.replace) throw new CliUsageError('--dry-run and --replace contradict each other');
  if (options.replace) {
    const database = databaseName(readEnvironment().databases.analytics);
    const stop = await confirmWrite({
      command: 'replay analytics --replace',
      yes: options.yes === true,
      changes: [
        `rebuild every registered read model of ${database} from the streams into schema analytics_rebuild (and copy the live tables to analytics_snapshot)`,
        `repair the live rows that differ${options.domain ? ` on domain ${options.domain}` : ''} (UPDATE/INSERT/DELETE of those rows only), under a table lock, if no new message arrived meanwhile`,
      ],
    });
    if (stop !== null) return stop;
  }
  return runCompiledEntry(analyticsEntry, [
    ...(options.dryRun ? ['--dry-run'] : []),
    ...(options.replace ? ['--replace'] : []),
    ...(options.domain !== undefined ? ['--domain', options.domain] : []),
    ...(options.until !== undefined ? ['--until', options.until] : []),
    ...(options.json ? ['--json'] : []),
  ]);
}
