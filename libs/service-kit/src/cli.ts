import { createInterface } from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import ms from 'ms';

/**
 * The operator CLI's one table of exit codes (docs/operations.md "Exit codes"), after BSD
 * sysexits(3) so that scripts and alerting can tell "the check found something" from "the
 * command could not run". Every command of `npm run ops` and every compiled entry point it runs
 * (ledger replay, analytics rebuild, API keys, reconcile) exits with one of these.
 */
export const ExitCode = {
  /** Done; everything checked is equal and sound. */
  ok: 0,
  /** The check found something: differences, findings, a backlog over its limit, a missing stream. */
  found: 1,
  /** EX_USAGE: unknown command or option, missing or malformed value, a writing command without --yes off a terminal, or not confirmed. */
  usage: 64,
  /** EX_DATAERR: the data is wrong in a way the command will not repair: an invariant broke in the events, input refused. */
  data: 65,
  /** EX_UNAVAILABLE: a database, NATS, or the service that should answer is unreachable. */
  unavailable: 69,
  /** EX_SOFTWARE: an unexpected error (a bug); OPS_DEBUG=1 prints the stack. */
  software: 70,
  /** EX_TEMPFAIL: a timeout, or the system kept moving (live traffic); try again. */
  tempfail: 75,
  /** EX_CONFIG: a malformed environment variable, or a database that does not exist or is not migrated. */
  config: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed by `ops --help` and in docs/operations.md. */
export const exitCodeTable: readonly { code: ExitCodeValue; meaning: string }[] = [
  { code: ExitCode.ok, meaning: 'done; everything checked is equal and sound (a repair that found nothing to repair)' },
  { code: ExitCode.found, meaning: 'differences or findings (listed; repaired when the command repairs and --dry-run was not given)' },
  { code: ExitCode.usage, meaning: 'usage: unknown command or option, missing or bad value, a write without --yes off a terminal, not confirmed' },
  { code: ExitCode.data, meaning: 'data error: an invariant broke in the events (nothing repaired), or the input was refused' },
  { code: ExitCode.unavailable, meaning: 'unavailable: a database, NATS, or the service that should answer could not be reached' },
  { code: ExitCode.software, meaning: 'internal error (a bug): rerun with OPS_DEBUG=1 for the stack' },
  { code: ExitCode.tempfail, meaning: 'temporary: a timeout, or live traffic kept moving; run it again' },
  { code: ExitCode.config, meaning: 'configuration: a malformed variable, or a database that does not exist or is not migrated' },
];

/** A bad command line found after parsing (a value that parses but makes no sense): exit 64. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/** A configuration problem the message explains (exit 78). */
export class CliConfigError extends Error {
  override name = 'CliConfigError';
}

/**
 * Classifies an error thrown by a command into an exit code and a one-line message.
 * PostgreSQL codes (https://www.postgresql.org/docs/current/errcodes-appendix.html): 3D000 no such
 * database and 42P01/42703 missing table or column (not migrated) are configuration; 28P01/28000
 * authentication too; 57P01/57P03 and socket errors mean unreachable. NATS client codes
 * (nats.js ErrorCode): CONNECTION_REFUSED and 503 (no responders) unavailable, TIMEOUT temporary.
 */
export function classifyError(error: unknown): { code: ExitCodeValue; message: string } {
  const e = error as { code?: string; message?: string } | null;
  const message = e?.message ?? String(error);
  const code = e?.code ?? '';
  if (error instanceof CliUsageError) return { code: ExitCode.usage, message };
  if (error instanceof CliConfigError) return { code: ExitCode.config, message };
  if (code === '3D000') return { code: ExitCode.config, message: `${message} (check the database URL; a service creates its database when it starts)` };
  if (code === '42P01' || code === '42703') return { code: ExitCode.config, message: `${message} (is this database migrated? the service migrates it at boot: start it once)` };
  if (code === '28P01' || code === '28000') return { code: ExitCode.config, message };
  if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', '57P01', '57P03', 'CONNECTION_REFUSED', '503'].includes(code)) {
    return { code: ExitCode.unavailable, message };
  }
  if (code === 'TIMEOUT' || /timeout|timed out/i.test(message)) return { code: ExitCode.tempfail, message };
  if (/Connection terminated|connect ECONNREFUSED/i.test(message)) return { code: ExitCode.unavailable, message };
  return { code: ExitCode.software, message };
}

/**
 * A commander program that refuses what it does not know: unknown options and excess arguments
 * are errors with a "did you mean" suggestion, a missing option value is an error, options are
 * positional (an option belongs to the command it follows), and parse
 * errors throw (exitOverride) so `runCommandLine` can turn them into exit 64.
 */
export function strictProgram(name: string): Command {
  return configureStrict(new Command(name));
}

/** Applies the strict settings to a command and to every subcommand created from it later. */
export function configureStrict(command: Command): Command {
  return command
    .exitOverride()
    .allowUnknownOption(false)
    .allowExcessArguments(false)
    // An option after a subcommand belongs to that subcommand (`replay analytics --dry-run` is the
    // analytics rebuild's --dry-run, never the parent's): subcommands inherit this setting.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text) });
}

/** Parses `argv` (without node and script) and runs; resolves the exit code the action set. */
export async function runCommandLine(program: Command, argv: readonly string[], result: () => number): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // --help and --version exit 0 through exitOverride; every other parse error is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    throw error;
  }
  return result();
}

/**
 * A reader that stops early (`… | head -1`) closes the pipe: the next write fails with EPIPE.
 * That is the reader's choice, not an error of the command: exit quietly with what was asked
 * for written. Call once at the start of an entry point.
 */
export function exitQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}

/**
 * Runs a command-line entry point: `exitQuietlyOnBrokenPipe`, then `main(argv)` on the process's
 * arguments; its result is the exit code. An error is written as `<label> failed: <message>` (the
 * stack too when OPS_DEBUG is set) and exits with `classifyError`'s code (69/75/78/70). Sets
 * `process.exitCode` rather than calling exit(): a piped stdout must be flushed before the
 * process ends (a large --json report was cut at 64 KiB by exit()).
 */
export function runEntryPoint(label: string, main: (argv: string[]) => Promise<number>): void {
  exitQuietlyOnBrokenPipe();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      const { code, message } = classifyError(error);
      process.stderr.write(`${label} failed: ${message}\n`);
      if (process.env['OPS_DEBUG']) process.stderr.write(`${error.stack ?? ''}\n`);
      process.exitCode = code;
    },
  );
}

/** What a writing command is about to change, and whether it may. */
export interface WritePlan {
  /** The command, for messages (`replay`, `streams ensure`). */
  command: string;
  /** One line per change it will make. */
  changes: string[];
  /** `--yes` was given. */
  yes: boolean;
}

/**
 * The gate every writing command passes before it changes anything: prints the plan to stderr,
 * then proceeds with --yes; on a terminal without --yes asks "Proceed? [y/N]"; off a terminal
 * without --yes refuses (exit 64), so a script never writes by accident. Returns the exit code to
 * stop with, or null to go on.
 */
export async function confirmWrite(plan: WritePlan, io: { stdinIsTerminal: boolean; err(line: string): void; ask?: (question: string) => Promise<string> } = defaultIo()): Promise<ExitCodeValue | null> {
  io.err(`${plan.command} will:`);
  for (const change of plan.changes) io.err(`  - ${change}`);
  if (plan.yes) return null;
  if (!io.stdinIsTerminal || io.ask === undefined) {
    io.err(`${plan.command}: refusing to write without --yes (stdin is not a terminal); nothing changed`);
    return ExitCode.usage;
  }
  const answer = (await io.ask('Proceed? [y/N] ')).trim().toLowerCase();
  if (answer === 'y' || answer === 'yes') return null;
  io.err(`${plan.command}: not confirmed; nothing changed`);
  return ExitCode.usage;
}

function defaultIo(): { stdinIsTerminal: boolean; err(line: string): void; ask(question: string): Promise<string> } {
  return {
    stdinIsTerminal: Boolean(process.stdin.isTTY),
    err: (line) => process.stderr.write(`${line}\n`),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * The one duration parser of the CLI (the `ms` package: `90s`, `15m`, `12h`, `3d`, `2w`,
 * `1.5h`, `500ms`). A unit is required: `ms` reads a bare `60` as 60 milliseconds, which an
 * operator meaning seconds would never expect. Returns milliseconds > 0; throws CliUsageError
 * naming the option.
 */
export function parseDuration(option: string, text: string): number {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (/^\d+(\.\d+)?$/.test(trimmed)) throw new CliUsageError(`${option} needs a unit: ${trimmed}s, ${trimmed}m, ${trimmed}h or ${trimmed}d`);
  const value = trimmed !== '' ? ms(trimmed as ms.StringValue) : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new CliUsageError(`${option} must be a duration such as 90s, 15m, 12h, 3d, 2w; got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * A point in time: an ISO-8601 date or time, or an age back from `now` in parseDuration's form
 * (`15m`, `12h`, `3d`). Throws CliUsageError naming the option.
 */
export function parseSince(option: string, text: string, now: Date = new Date()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
    throw new CliUsageError(`${option} must be an ISO-8601 time or an age like 90s, 15m, 12h, 3d; got ${JSON.stringify(text)}`);
  }
  try {
    return new Date(now.getTime() - parseDuration(option, text));
  } catch {
    throw new CliUsageError(`${option} must be an ISO-8601 time or an age like 90s, 15m, 12h, 3d; got ${JSON.stringify(text)}`);
  }
}

/** A positive integer option (`--replicas 3`). Throws CliUsageError naming the option. */
export function parsePositiveInteger(option: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new CliUsageError(`${option} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
