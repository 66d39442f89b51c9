import { Command } from 'commander';
import { captureCompiledEntry, connectDatabase, runCompiledEntry } from '../connections';
import { readEnvironment } from '../env';
import { ExitCode, Output, parsePositiveInteger, parseSince } from '../output';
import { AccountSelection, renderVerifyReport, verifyAccounts } from '../verify/accounts';

const replayEntry = 'dist/apps/ledger/src/replay/replay.main.js';

interface ReplayOptions {
  dryRun?: boolean;
  json?: boolean;
  fromSnapshots?: boolean;
  customer?: string[];
  domain?: string;
  fromPosition?: string;
  fromTime?: string;
}

/** `ops replay`: the ledger replay, and a read-only verification of some accounts. */
export function replayCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const replay = program
    .command('replay')
    .description('rebuild the ledger projections from the event log and verify them (npm run replay)')
    .option('--dry-run', 'rebuild and compare only; the live projections stay as they are')
    .option('--json', 'print the report as one JSON line')
    .option('--from-snapshots', 'start each account from its latest verified snapshot (ops snapshot verify) and fold only the events after it')
    .option('--customer <email>', 'verify only this customer (repeatable); read-only, see below', collect)
    .option('--domain <domain>', 'verify only accounts with events on this domain; read-only')
    .option('--from-position <n>', 'verify only accounts with events at or after this global position; read-only')
    .option('--from-time <time>', 'verify only accounts with events since this time (ISO-8601, or an age: 15m, 12h, 3d); read-only')
    .addHelpText(
      'after',
      `
Without a filter this runs the ledger's replay (apps/ledger/src/replay, the same as npm run replay):
all accounts are rebuilt from ledger_events in one transaction that blocks writers for its duration,
compared with the live projections, checked, and (unless --dry-run) the live projections are replaced.
Exit codes: 0 equal and sound; 1 differences found (repaired unless --dry-run); 2 an invariant broke
(nothing replaced); 3 could not run.
With --from-snapshots each account starts from its latest snapshot marked verified by ops snapshot verify
(accounts without one fold from their first event); ledger_history and ledger_purchases, per-event logs
a snapshot cannot rebuild, are then left as they are.

The replay function rebuilds every account or none: it has no per-customer, per-domain, from-position
or from-time mode yet. With --customer, --domain, --from-position or --from-time this command
therefore VERIFIES instead of rebuilding, read-only and without locks: it picks the accounts the
filters name (an account qualifies when one of its events matches; filters combine with AND), folds
each one's whole stream with @credit-hub/ledger-domain's fold (the ledger's own code) and compares the
result with its projection rows (balance, version, owed credits, every lot, consumption and
reservation). --dry-run is implied. To repair what it finds, run the full replay without --dry-run.
Exit codes: 0 equal and sound; 1 differences (or a --customer not found); 2 an invariant broke; 3 could not run.

Environment: LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger).`,
    )
    .action((options: ReplayOptions) => run(() => replayAction(options, output)));

  replay
    .command('analytics')
    .description("rebuild feedback-analytics' read models from the streams")
    .option('--json', 'print the outcome as JSON')
    .action((options: { json?: boolean }) => run(async () => analyticsAction(options, output)));
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function replayAction(options: ReplayOptions, output: Output): Promise<number> {
  const partial = options.customer !== undefined || options.domain !== undefined || options.fromPosition !== undefined || options.fromTime !== undefined;
  if (!partial) {
    const args = [...(options.dryRun ? ['--dry-run'] : []), ...(options.json ? ['--json'] : []), ...(options.fromSnapshots ? ['--from-snapshots'] : [])];
    return runCompiledEntry(replayEntry, args);
  }
  const selection: AccountSelection = {};
  if (options.customer) selection.customers = options.customer;
  if (options.domain !== undefined) selection.domain = options.domain;
  if (options.fromPosition !== undefined) selection.fromPosition = parsePositiveInteger('--from-position', options.fromPosition);
  if (options.fromTime !== undefined) selection.fromTime = parseSince(options.fromTime);
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
    if (report.violations.length > 0) return ExitCode.unavailable;
    return report.differences.length > 0 || report.notFound.length > 0 ? ExitCode.found : ExitCode.ok;
  } finally {
    await client.end();
  }
}

/**
 * The analytics rebuild belongs to `npm run replay -- analytics` once the replay entry point offers
 * it (it says so in its --help); until then this says what to do by hand and exits 2.
 */
function analyticsAction(options: { json?: boolean }, output: Output): number {
  const help = captureCompiledEntry(replayEntry, ['--help']);
  const supported = help !== null && /\banalytics\b/i.test(help.stdout);
  if (supported) {
    if (options.json) output.out(JSON.stringify({ available: true, command: 'npm run replay -- analytics' }));
    else output.out('The analytics rebuild is `npm run replay -- analytics` (see `npm run replay -- --help`).');
    return ExitCode.ok;
  }
  const manual = [
    'stop feedback-analytics (every replica)',
    'delete its durable consumers: nats consumer rm LEDGER feedback-analytics (and feedback-analytics-webhooks on LEDGER, BILLING, REFUNDS if you rebuild webhooks too)',
    'truncate its read models and inbox in hub_analytics',
    'start it: the durable consumers are recreated at sequence 1 and the streams keep every event',
  ];
  if (options.json) {
    output.out(JSON.stringify({ available: false, missing: 'npm run replay -- analytics (the ledger replay entry point has no analytics mode yet)', manual }));
  } else {
    output.err('replay analytics: not available yet. The analytics rebuild will be `npm run replay -- analytics`;');
    output.err('the replay entry point (apps/ledger/src/replay/replay.main.ts) has no analytics mode today.');
    output.err('Rebuild by hand (docs/operations.md, "Replaying JetStream consumers"):');
    manual.forEach((step, i) => output.err(`  ${i + 1}. ${step}`));
  }
  return ExitCode.unavailable;
}
