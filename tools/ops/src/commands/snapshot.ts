import { Command } from 'commander';
import { connectDatabase } from '../connections';
import { readEnvironment } from '../env';
import { ExitCode, Output, parsePositiveInteger } from '../output';
import { AccountSelection, renderVerifyReport, verifyAccounts } from '../verify/accounts';

/**
 * `ops snapshot take|verify`. The ledger's projections ARE its per-account snapshots: the account
 * row (balance, version), its lots and its records are written in the same transaction as every
 * append, so a command loads the state without folding the stream. `verify` checks them against
 * the fold of the events; `take` has nothing to do unless a `ledger_snapshots` table appears.
 */
export function snapshotCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const snapshot = program
    .command('snapshot')
    .description("the ledger's per-account snapshots (its projection rows, written in each append's transaction)");

  snapshot
    .command('take')
    .description('take snapshots (the ledger takes them continuously: this reports how)')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => run(() => take(options, output)));

  snapshot
    .command('verify')
    .description("fold each chosen account's events and compare with its snapshot (projection rows); read-only")
    .option('--customer <email>', 'only this customer (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--sample <n>', 'a random sample of n accounts (default: every account)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
For each chosen account: its whole stream is folded with @credit-hub/ledger-domain's fold (the ledger's
own code) and compared with ledger_accounts (balance, version, owed credits), ledger_lots (initial,
remaining, held, expired, refunded as money), ledger_consumptions and ledger_reservations; the fold's
invariants are checked (lots sum to the balance, nothing negative). One read-only REPEATABLE READ
transaction: no locks, the ledger keeps serving. Repair with npm run ops -- replay.
Exit codes: 0 all equal and sound; 1 differences (or a --customer not found); 2 an invariant broke
in the events themselves; 3 could not run.
Environment: LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger).`,
    )
    .action((options: { customer?: string[]; sample?: string; json?: boolean }) => run(() => verify(options, output)));
}

async function take(options: { json?: boolean }, output: Output): Promise<number> {
  const env = readEnvironment();
  const client = await connectDatabase(env.databases.ledger, 'snapshot');
  try {
    const found = await client.query(`SELECT to_regclass('ledger_snapshots') IS NOT NULL AS present`);
    const accounts = await client.query(
      'SELECT (SELECT count(*) FROM ledger_accounts)::bigint AS accounts, (SELECT recorded_at FROM ledger_events ORDER BY position DESC LIMIT 1) AS latest',
    );
    const table = found.rows[0].present as boolean;
    const snapshots = table ? Number((await client.query('SELECT count(*)::bigint AS n FROM ledger_snapshots')).rows[0].n) : null;
    const result = {
      continuous: true,
      accounts: Number(accounts.rows[0].accounts),
      latestWrite: accounts.rows[0].latest,
      ledgerSnapshotsTable: table,
      ledgerSnapshotsRows: snapshots,
    };
    if (options.json) output.out(JSON.stringify(result));
    else {
      output.out('Snapshots are taken continuously: every append writes the account row (balance, version), its lots and');
      output.out('its records in the same transaction as the events (docs/operations.md, docs/scaling.md). There is nothing to take.');
      output.out(`${result.accounts} account snapshots, last written ${result.latestWrite ? new Date(result.latestWrite).toISOString() : '-'}.`);
      if (table) output.out(`A ledger_snapshots table exists (${snapshots} rows): the ledger writes it; this command does not.`);
      output.out('Check them with: npm run ops -- snapshot verify [--sample N]');
    }
    return ExitCode.ok;
  } finally {
    await client.end();
  }
}

async function verify(options: { customer?: string[]; sample?: string; json?: boolean }, output: Output): Promise<number> {
  const selection: AccountSelection = {};
  if (options.customer) selection.customers = options.customer;
  if (options.sample !== undefined) selection.sample = parsePositiveInteger('--sample', options.sample);
  const env = readEnvironment();
  const client = await connectDatabase(env.databases.ledger, 'snapshot-verify');
  try {
    const report = await verifyAccounts(client, selection, (done, total) => {
      if (!options.json && total > 2000 && process.stderr.isTTY) process.stderr.write(`verify: ${done}/${total} accounts\r`);
    });
    if (options.json) output.out(JSON.stringify(report));
    else for (const line of renderVerifyReport(report, 'snapshot verify')) output.out(line);
    if (report.violations.length > 0) return ExitCode.unavailable;
    return report.differences.length > 0 || report.notFound.length > 0 ? ExitCode.found : ExitCode.ok;
  } finally {
    await client.end();
  }
}
