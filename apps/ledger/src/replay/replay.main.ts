import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { Client } from 'pg';
import { loadConfigOrExit } from '@credit-hub/service-kit';
import { LedgerConfig } from '../ledger.config';
import { replayLedger } from './replay';

/**
 * `npm run replay [-- --dry-run] [-- --json] [-- --from-snapshots]`: rebuilds the ledger's balance and lot projections
 * from the event log, compares them with the live ones, verifies the invariants, and replaces the
 * live projections. Exit codes: 0 all equal and sound; 1 differences found (the projection was
 * repaired from the events); 2 an invariant broke (nothing replaced); 3 the replay could not run.
 */
async function main(): Promise<number> {
  const args = new Set(process.argv.slice(2));
  if (args.has('--help') || args.has('-h')) {
    process.stdout.write('usage: npm run replay [-- --dry-run] [--json] [--from-snapshots]\n  --from-snapshots  start each account from its latest verified snapshot (ops snapshot verify) and fold only the tail;\n                    ledger_history and ledger_purchases are then left as they are\n  env LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger)\n');
    return 0;
  }
  const config = loadConfigOrExit('replay', LedgerConfig);
  const client = new Client({ connectionString: config.LEDGER_DATABASE_URL, application_name: 'ledger-replay' });
  await client.connect();
  const bar = process.stderr.isTTY && !args.has('--json') ? new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} events | {eta}s left' }, Presets.shades_classic) : undefined;
  let lastLine = 0;
  try {
    const report = await replayLedger(client, {
      dryRun: args.has('--dry-run'),
      fromSnapshots: args.has('--from-snapshots'),
      onProgress: (done, total) => {
        if (bar) {
          if (done <= 10_000) bar.start(total, 0);
          bar.update(done);
        } else if (!args.has('--json') && (done === total || Date.now() - lastLine > 1000)) {
          lastLine = Date.now();
          process.stderr.write(`replay: ${done}/${total} events\n`);
        }
      },
    });
    bar?.stop();
    if (args.has('--json')) process.stdout.write(`${JSON.stringify(report)}\n`);
    else printReport(report);
    if (report.violations.length > 0) return 2;
    return report.differences.length > 0 ? 1 : 0;
  } finally {
    await client.end();
  }
}

function printReport(report: Awaited<ReturnType<typeof replayLedger>>): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`replayed ${report.events} events of ${report.accounts} accounts in ${report.elapsedMs} ms (${report.eventsPerSecond} events/s)`);
  const p = report.phasesMs;
  out(`time: read + fold + copy ${p.foldAndCopy} ms (of which waiting for COPY ${p.copy} ms), compare ${p.compare} ms, rewrite live tables ${p.replace} ms`);
  for (const d of report.differences) out(`DIFFERS ${d.streamId} in ${d.table}: ${d.detail}`);
  for (const v of report.violations) out(`INVARIANT ${v.streamId}: ${v.detail}`);
  if (report.differences.length === 0 && report.violations.length === 0) {
    out('verified: every balance and lot equals the fold of its events; no negative balance; lots sum to balances');
  }
  out(report.replaced ? 'projections replaced with the rebuilt ones' : 'projections left unchanged');
}

// exitCode, not exit(): a piped stdout must be flushed before the process ends (a large --json
// report was cut at 64 KiB by exit()).
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`replay failed: ${error.message}\n`);
    process.exitCode = 3;
  },
);
