import 'reflect-metadata';
import { connect } from 'nats';
import { Client } from 'pg';
import { CliUsageError, ExitCode, loadConfigOrExit, runCommandLine, runEntryPoint, strictProgram } from '@credit-hub/service-kit';
import { AnalyticsConfig } from '../analytics.config';
import { rebuildReadModels, RebuildReport } from '../read-models/rebuild';

/**
 * The analytics rebuild's compiled entry point, run by `npm run ops -- replay analytics` (and its
 * alias `npm run replay -- analytics`), which states the plan and asks for --yes before a repair;
 * this entry point itself does not ask. Rebuilds every registered read model
 * (read-models/read-model.registry.ts) from the streams, compares it row by row with the live
 * tables, and with --replace repairs the rows that differ.
 * Exit codes (libs/service-kit cli.ts): 0 equal; 1 differences found (repaired with --replace);
 * 64 usage; 69/75/78 could not run.
 */
interface RebuildFlags {
  dryRun?: boolean;
  replace?: boolean;
  domain?: string;
  until?: string;
  json?: boolean;
}

async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const program = strictProgram('replay-analytics')
    .description('rebuild every analytics read model from the streams, compare it row by row with the live tables, repair with --replace')
    .option('--dry-run', 'rebuild and compare only (the default without --replace)')
    .option('--replace', 'repair the live rows that differ from the rebuilt ones (only those rows are written)')
    .option('--domain <domain>', 'compare (and repair) only this domain’s rows')
    .option('--until <time>', 'a point-in-time view up to this ISO-8601 time, left in schema analytics_rebuild; no compare, no repair')
    .option('--json', 'print the report as one JSON line')
    .addHelpText('after', '\nEnvironment: ANALYTICS_DATABASE_URL, NATS_URL, HUB_NAMESPACE.')
    .action(async (flags: RebuildFlags) => {
      code = await rebuild(flags);
    });
  return runCommandLine(program, argv, () => code);
}

async function rebuild(flags: RebuildFlags): Promise<number> {
  if (flags.dryRun && flags.replace) throw new CliUsageError('--dry-run and --replace contradict each other');
  if (flags.until !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(flags.until)) throw new CliUsageError(`--until must be an ISO-8601 time, got ${JSON.stringify(flags.until)}`);
  if (flags.until !== undefined && Number.isNaN(Date.parse(flags.until))) throw new CliUsageError(`--until must be an ISO-8601 time, got ${JSON.stringify(flags.until)}`);
  if (flags.until !== undefined && flags.replace) throw new CliUsageError('--until builds a point-in-time view: it cannot --replace');
  const domain = flags.domain?.trim().toLowerCase();
  if (flags.domain !== undefined && !domain) throw new CliUsageError('--domain needs a domain');
  const config = loadConfigOrExit('replay-analytics', AnalyticsConfig);
  const db = new Client({ connectionString: config.ANALYTICS_DATABASE_URL, application_name: 'analytics-replay' });
  await db.connect();
  let nc;
  try {
    nc = await connect({ servers: config.NATS_URL.split(','), name: 'analytics-replay', maxReconnectAttempts: 2 });
  } catch (error) {
    await db.end();
    throw error;
  }
  let lastLine = 0;
  try {
    const report = await rebuildReadModels(db, nc, {
      ...(domain ? { domain } : {}),
      ...(flags.until ? { until: flags.until } : {}),
      replace: flags.replace === true,
      onProgress: (stream, done, total) => {
        if (flags.json || (done !== total && Date.now() - lastLine < 1000)) return;
        lastLine = Date.now();
        process.stderr.write(`replay analytics: ${stream} ${done}/${total} messages\n`);
      },
    });
    if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else printReport(report, domain, flags.until);
    if (report.notReplacedBecause !== undefined) return ExitCode.tempfail;
    return report.tables.some((t) => t.differing > 0) ? ExitCode.found : ExitCode.ok;
  } finally {
    await nc.drain().catch(() => undefined);
    await db.end();
  }
}

function printReport(report: RebuildReport, domain: string | undefined, until: string | undefined): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const counts = Object.entries(report.messages).map(([stream, count]) => `${stream} ${count}`).join(', ');
  out(`rebuilt from ${counts} messages in ${report.elapsedMs} ms (${report.messagesPerSecond} messages/s); ${report.skippedMalformed} malformed skipped`);
  if (!report.compared) {
    out(`point-in-time view up to ${until}: in schema analytics_rebuild (not compared, live left unchanged)`);
    return;
  }
  out(`read model  table                 compared  differing  repaired${domain ? `   (domain ${domain})` : ''}`);
  for (const t of report.tables) out(`${t.readModel.padEnd(11)} ${t.table.padEnd(20)} ${String(t.compared).padStart(9)}  ${String(t.differing).padStart(9)}  ${String(t.repaired).padStart(8)}`);
  for (const d of report.differences) out(`DIFFERS ${d.detail}`);
  const differing = report.tables.reduce((sum, t) => sum + t.differing, 0);
  if (differing > report.differences.length) out(`(${differing - report.differences.length} more differing rows not listed; the counts above are exact)`);
  if (differing === 0) out(`verified: the rebuilt read models equal the live ones${domain ? ` for ${domain}` : ''}; nothing written`);
  else if (report.replaced) out(`repaired ${report.tables.reduce((sum, t) => sum + t.repaired, 0)} rows; every other row left as it was`);
  else if (report.notReplacedBecause) out(`not repaired: ${report.notReplacedBecause}`);
  else out('live read models left unchanged (repair the differing rows with --replace)');
}

runEntryPoint('replay analytics', main);
