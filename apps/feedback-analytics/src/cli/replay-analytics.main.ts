import 'reflect-metadata';
import { connect } from 'nats';
import { Client } from 'pg';
import { loadConfigOrExit } from '@credit-hub/service-kit';
import { AnalyticsConfig } from '../analytics.config';
import { rebuildReadModels } from '../read-models/rebuild';

/**
 * `npm run replay:analytics [-- --dry-run] [-- --replace] [-- --domain X] [-- --until ISO] [-- --json]`:
 * rebuilds the analytics read models from streams LEDGER, BILLING and REFUNDS (read-models/rebuild.ts).
 * Exit codes: 0 rebuilt and equal to the live read models (replaced unless --dry-run); 1 differences
 * found (live replaced only with --replace); 3 the rebuild could not run.
 */
const usage = `usage: npm run replay:analytics [-- --dry-run] [--replace] [--domain <domain>] [--until <ISO time>] [--json]
  env ANALYTICS_DATABASE_URL, NATS_URL\n`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const json = argv.includes('--json');
  const until = value('--until');
  if (until !== undefined && Number.isNaN(Date.parse(until))) {
    process.stderr.write(`--until must be an ISO-8601 time\n${usage}`);
    return 3;
  }
  const domain = value('--domain')?.trim().toLowerCase();
  const config = loadConfigOrExit('replay-analytics', AnalyticsConfig);
  const db = new Client({ connectionString: config.ANALYTICS_DATABASE_URL, application_name: 'analytics-replay' });
  await db.connect();
  const nc = await connect({ servers: config.NATS_URL.split(','), name: 'analytics-replay' });
  let lastLine = 0;
  try {
    const report = await rebuildReadModels(db, nc, {
      ...(domain ? { domain } : {}),
      ...(until ? { until } : {}),
      replace: argv.includes('--replace'),
      dryRun: argv.includes('--dry-run'),
      onProgress: (stream, done, total) => {
        if (json || (done !== total && Date.now() - lastLine < 1000)) return;
        lastLine = Date.now();
        process.stderr.write(`replay:analytics ${stream} ${done}/${total} messages\n`);
      },
    });
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const counts = Object.entries(report.messages).map(([stream, count]) => `${stream} ${count}`).join(', ');
      out(`rebuilt from ${counts} messages in ${report.elapsedMs} ms (${report.messagesPerSecond} messages/s); ${report.skippedMalformed} malformed skipped`);
      if (!report.compared) out(`point-in-time view up to ${until}: in schema analytics_rebuild (not compared, live left unchanged)`);
      for (const d of report.differences) out(`DIFFERS ${d.table}: ${d.onlyLive} rows only live, ${d.onlyRebuilt} rows only rebuilt`);
      if (report.compared && report.differences.length === 0) out(`verified: the rebuilt read models equal the live ones${domain ? ` for ${domain}` : ''}`);
      out(report.replaced ? 'live read models replaced with the rebuilt ones' : 'live read models left unchanged');
    }
    return report.differences.length > 0 ? 1 : 0;
  } finally {
    await nc.drain();
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`replay:analytics failed: ${error.message}\n`);
    process.exit(3);
  },
);
