import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { Client } from 'pg';
import { ExitCode, loadConfigOrExit, runCommandLine, runEntryPoint, strictProgram } from '@credit-hub/service-kit';
import { LedgerConfig } from '../ledger.config';
import { replayLedger, ReplayReport } from './replay';

/**
 * The ledger replay's compiled entry point, run by `npm run ops -- replay` (and `npm run replay`,
 * its alias), which states the plan and asks for --yes first; this entry point itself does not ask.
 * Rebuilds the balance and lot projections from the event log, compares them row by row with the
 * live ones, verifies the invariants, and (unless --dry-run) repairs the rows that differ.
 * Exit codes (libs/service-kit cli.ts): 0 all equal and sound; 1 differences found (repaired
 * unless --dry-run); 65 an invariant broke (nothing repaired); 69/75/78 could not run.
 */
interface ReplayFlags {
  dryRun?: boolean;
  json?: boolean;
  fromSnapshots?: boolean;
}

async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const program = strictProgram('replay')
    .description("rebuild the ledger's projections from the event log, compare them row by row, repair the rows that differ")
    .option('--dry-run', 'rebuild and compare only; the live projections stay as they are')
    .option('--json', 'print the report as one JSON line')
    .option('--from-snapshots', 'start each account from its latest verified snapshot; ledger_history and ledger_purchases are then left as they are')
    .addHelpText('after', '\nEnvironment: LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger).')
    .action(async (flags: ReplayFlags) => {
      code = await replay(flags);
    });
  return runCommandLine(program, argv, () => code);
}

async function replay(flags: ReplayFlags): Promise<number> {
  const config = loadConfigOrExit('replay', LedgerConfig);
  const client = new Client({ connectionString: config.LEDGER_DATABASE_URL, application_name: 'ledger-replay' });
  await client.connect();
  const bar = process.stderr.isTTY && !flags.json ? new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} events | {eta}s left' }, Presets.shades_classic) : undefined;
  let lastLine = 0;
  try {
    const report = await replayLedger(client, {
      dryRun: flags.dryRun === true,
      fromSnapshots: flags.fromSnapshots === true,
      onProgress: (done, total) => {
        if (bar) {
          if (done <= 10_000) bar.start(total, 0);
          bar.update(done);
        } else if (!flags.json && (done === total || Date.now() - lastLine > 1000)) {
          lastLine = Date.now();
          process.stderr.write(`replay: ${done}/${total} events\n`);
        }
      },
    });
    bar?.stop();
    if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else printReport(report);
    if (report.violations.length > 0) return ExitCode.data;
    return report.tables.some((t) => t.differing > 0) ? ExitCode.found : ExitCode.ok;
  } finally {
    await client.end();
  }
}

function printReport(report: ReplayReport): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`replayed ${report.events} events of ${report.accounts} accounts in ${report.elapsedMs} ms (${report.eventsPerSecond} events/s)`);
  const p = report.phasesMs;
  out(`time: read + fold + copy ${p.foldAndCopy} ms (of which waiting for COPY ${p.copy} ms), compare ${p.compare} ms, repair ${p.replace} ms`);
  out('table                    compared  differing  repaired');
  for (const t of report.tables) out(`${t.table.padEnd(24)} ${String(t.compared).padStart(8)}  ${String(t.differing).padStart(9)}  ${String(t.repaired).padStart(8)}`);
  for (const d of report.differences) out(`DIFFERS ${d.detail}`);
  const listed = report.differences.length;
  const differing = report.tables.reduce((sum, t) => sum + t.differing, 0);
  if (differing > listed) out(`(${differing - listed} more differing rows not listed; the counts above are exact)`);
  for (const v of report.violations) out(`INVARIANT ${v.streamId}: ${v.detail}`);
  if (differing === 0 && report.violations.length === 0) {
    out('verified: every balance and lot equals the fold of its events; no negative balance; lots sum to balances');
  }
  if (report.violations.length > 0) out('nothing repaired: an invariant broke in the events (see docs/operations.md, "A projection is wrong")');
  else if (!report.replaced) out('dry run: nothing repaired');
  else out(differing === 0 ? 'nothing to repair' : `repaired ${report.tables.reduce((sum, t) => sum + t.repaired, 0)} rows; every other row left as it was`);
}

runEntryPoint('replay', main);
