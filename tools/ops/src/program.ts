import { Command, CommanderError } from 'commander';
import { classifyError, configureStrict } from '@credit-hub/service-kit';
import { apikeyCommand } from './commands/apikey';
import { eventsCommand } from './commands/events';
import { outboxCommand } from './commands/outbox';
import { reconcileCommand } from './commands/reconcile';
import { replayCommand } from './commands/replay';
import { snapshotCommand } from './commands/snapshot';
import { streamsCommand } from './commands/streams';
import { EnvironmentError } from './env';
import { ExitCode, exitCodeTable, Output } from './output';

/**
 * The operator CLI, `npm run ops -- <command>` (docs/operations.md). Every command has --help,
 * refuses unknown options and missing values (exit 64, with "did you mean"), prints for humans by
 * default and JSON with --json, states what it will change and needs --yes off a terminal before
 * it writes, and exits with the one table of codes in libs/service-kit cli.ts.
 * `npm run replay`, `npm run reconcile` and `npm run apikey` are aliases of its commands.
 */
export function buildProgram(output: Output, setExitCode: (code: number) => void): Command {
  const program = configureStrict(new Command('ops'))
    .usage('<command> [options]')
    .description('credit-hub operator tool: replay, API keys, outboxes, streams, live events, reconciliation, snapshots')
    .addHelpText(
      'after',
      `
Run as: npm run ops -- <command> [options]
   or:  node -r ./tools/scripts/register-paths.js dist/tools/ops/src/main.js <command> [options]   (after npm run build, from the repository root)
Aliases: npm run replay -- …  = ops replay …;  npm run reconcile -- …  = ops reconcile …;  npm run apikey -- …  = ops apikey …

Commands that write (replay without --dry-run, replay analytics --replace, apikey create|revoke,
streams ensure, snapshot take, reconcile without --list-only) first print what they will change,
then ask on a terminal; off a terminal (scripts, CI, pipes) they need --yes and refuse without it.

Environment (the services' variables and defaults):
  HUB_NAMESPACE            subject prefix / stream suffix of an isolated copy (empty in production)
  NATS_URL                 nats://127.0.0.1:4222 (comma-separated list for a cluster)
  NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE   operator credentials and CA on a secured cluster (deploy/nats)
  LEDGER_DATABASE_URL      postgres://postgres@127.0.0.1:5432/hub_ledger   (and BILLING_, REFUNDS_, GATEWAY_, ANALYTICS_)
  OPS_DEBUG=1              print the stack of an internal error

Exit codes (every command; sysexits):
${exitCodeTable.map((row) => `  ${String(row.code).padEnd(3)} ${row.meaning}`).join('\n')}`,
    );

  const run = async (work: () => Promise<number>): Promise<void> => {
    try {
      setExitCode(await work());
    } catch (error) {
      if (error instanceof EnvironmentError) {
        output.err(`ops: ${error.message}`);
        setExitCode(ExitCode.config);
        return;
      }
      const { code, message } = classifyError(error);
      output.err(`ops: ${message}`);
      if (process.env['OPS_DEBUG'] || code === ExitCode.software) output.err((error as Error).stack ?? '');
      setExitCode(code);
    }
  };

  replayCommand(program, output, run);
  apikeyCommand(program, run);
  outboxCommand(program, output, run);
  streamsCommand(program, output, run);
  eventsCommand(program, output, run);
  reconcileCommand(program, output, run);
  snapshotCommand(program, output, run);
  return program;
}

/** Parses `argv` (without node and script) and runs the command; resolves the exit code. */
export async function runOps(argv: string[], output: Output): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(output, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; a missing command shows the help and counts as a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw error;
  }
  return code;
}
