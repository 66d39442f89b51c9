import { Command, CommanderError } from 'commander';
import { apikeyCommand } from './commands/apikey';
import { eventsCommand } from './commands/events';
import { outboxCommand } from './commands/outbox';
import { reconcileCommand } from './commands/reconcile';
import { replayCommand } from './commands/replay';
import { snapshotCommand } from './commands/snapshot';
import { streamsCommand } from './commands/streams';
import { EnvironmentError } from './env';
import { ExitCode, Output, UsageError } from './output';

/**
 * The operator CLI, `npm run ops -- <command>` (docs/operations.md, docs/deployment.md).
 * Every command has --help, prints for humans by default and JSON with --json, and exits with the
 * codes in ./output.ts.
 */
export function buildProgram(output: Output, setExitCode: (code: number) => void): Command {
  const program = new Command('ops')
    .usage('<command> [options]')
    .description('credit-hub operator tool: replay, API keys, outboxes, streams, live events, reconciliation, snapshots')
    .exitOverride()
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Run as: npm run ops -- <command> [options]   (or node -r tools/scripts/register-paths.js dist/tools/ops/src/main.js …)

Environment (the services' variables and defaults):
  HUB_NAMESPACE            subject prefix / stream suffix of an isolated copy (empty in production)
  NATS_URL                 nats://127.0.0.1:4222 (comma-separated list for a cluster)
  NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE   operator credentials and CA on a secured cluster (deploy/nats)
  LEDGER_DATABASE_URL      postgres://postgres@127.0.0.1:5432/hub_ledger   (and BILLING_, REFUNDS_, GATEWAY_, ANALYTICS_)

Exit codes:
  0  done; everything checked is equal and sound
  1  the check found something (differences, a backlog over --max-age, a missing stream)
  2  an invariant broke (replay, snapshot verify) or the command needs a feature the system does not have yet
  3  could not run (database or NATS unreachable, timeout, unexpected error)
  64 usage error
  apikey passes the gateway tool's codes through (64 usage, 65 refused, 69 unreachable, 78 config).`,
    );

  const run = async (work: () => Promise<number>): Promise<void> => {
    try {
      setExitCode(await work());
    } catch (error) {
      if (error instanceof UsageError) {
        output.err(`ops: ${error.message}`);
        setExitCode(ExitCode.usage);
      } else if (error instanceof EnvironmentError) {
        output.err(`ops: ${error.message}`);
        setExitCode(ExitCode.failed);
      } else {
        const code = (error as { code?: string }).code;
        const hint = code === '42703' || code === '42P01' ? ' (is this database migrated? the service migrates it at boot: start it once)' : '';
        output.err(`ops: ${(error as Error).message ?? String(error)}${hint}`);
        if (process.env['OPS_DEBUG']) output.err((error as Error).stack ?? '');
        setExitCode(ExitCode.failed);
      }
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
