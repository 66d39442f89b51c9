import fs from 'node:fs';
import path from 'node:path';
import { markdown, progress, ScenarioResult } from './report';
import { modelRun } from './scenarios/model';
import { refundSagaKill } from './scenarios/refund-saga';
import { ledgerKill, natsRestart, postgresRestart } from './scenarios/server-faults';
import { repoRoot } from './system';

/**
 * `npm run chaos [-- --scenario <name>[,<name>…]] [--duration <seconds>] [--runs <n>] [--steps <n>]`:
 * the long fault runs (docs/reliability.md). Every scenario starts its own system on
 * its own NATS server and PostgreSQL cluster (temporary, on free ports), so stopping them hurts
 * nobody else on the machine. Prints the figures as Markdown and writes them, with every verdict,
 * to tmp/chaos/<time>.{md,json}. Exit code: 0 every scenario passed (or was skipped), 1 a failure, 2 bad usage.
 */

const scenarios: Record<string, (options: Options) => Promise<ScenarioResult> | ScenarioResult> = {
  model: (o) => modelRun(o.runs, o.steps),
  'ledger-kill': (o) => ledgerKill(o.durationSec),
  nats: (o) => natsRestart(o.durationSec),
  postgres: (o) => postgresRestart(o.durationSec),
  'refund-saga': () => refundSagaKill(),
};

interface Options {
  names: string[];
  durationSec: number;
  runs: number;
  steps: number;
}

function parse(argv: string[]): Options | string {
  const options: Options = { names: [], durationSec: 60, runs: 1000, steps: 100 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--scenario' || flag === '-s') options.names.push(...value().split(',').filter(Boolean));
    else if (flag === '--duration') options.durationSec = Number(value());
    else if (flag === '--runs') options.runs = Number(value());
    else if (flag === '--steps') options.steps = Number(value());
    else if (flag === '--help' || flag === '-h') return 'help';
    else return `unknown argument ${flag}`;
  }
  if (options.names.length === 0 || options.names.includes('all')) options.names = Object.keys(scenarios);
  const unknown = options.names.filter((name) => !(name in scenarios));
  if (unknown.length > 0) return `unknown scenario ${unknown.join(', ')} (known: ${Object.keys(scenarios).join(', ')}, all)`;
  if (!Number.isInteger(options.durationSec) || options.durationSec < 10) return '--duration must be a whole number of seconds, at least 10';
  if (!Number.isInteger(options.runs) || options.runs < 1 || !Number.isInteger(options.steps) || options.steps < 1) return '--runs and --steps must be positive whole numbers';
  return options;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parse(argv);
  if (typeof options === 'string') {
    const usage = `usage: npm run chaos [-- --scenario ${Object.keys(scenarios).join('|')}|all[,…]] [--duration 60] [--runs 1000] [--steps 100]\n`;
    process.stderr.write(options === 'help' ? usage : `${options}\n${usage}`);
    return options === 'help' ? 0 : 64; // EX_USAGE (libs/service-kit cli.ts)
  }
  const results: ScenarioResult[] = [];
  for (const name of options.names) {
    progress(`scenario ${name}`);
    const run = scenarios[name] as (o: Options) => Promise<ScenarioResult> | ScenarioResult;
    try {
      results.push(await run(options));
    } catch (error) {
      results.push({ scenario: name, title: name, status: 'failed', durationMs: 0, figures: {}, verdicts: [{ name: 'the scenario ran', ok: false, figures: {}, failures: [(error as Error).stack ?? String(error)] }], notes: [] });
    }
    const last = results[results.length - 1] as ScenarioResult;
    progress(`scenario ${name}: ${last.status}`);
  }
  const command = `npm run chaos${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const text = markdown(results, command);
  const directory = path.join(repoRoot, 'tmp', 'chaos');
  fs.mkdirSync(directory, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(directory, `${stamp}.md`), text);
  fs.writeFileSync(path.join(directory, `${stamp}.json`), JSON.stringify({ command, results }, null, 2));
  process.stdout.write(`${text}\nreport: tmp/chaos/${stamp}.md (figures) and .json (every verdict)\n`);
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`chaos failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
