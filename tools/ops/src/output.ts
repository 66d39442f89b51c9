import { CliUsageError, parsePositiveInteger as parsePositiveIntegerOption, parseSince as parseSinceOption } from '@credit-hub/service-kit';

/**
 * Output helpers shared by every command of the operator CLI. The exit codes are the one table
 * of libs/service-kit cli.ts (sysexits: 0 ok, 1 differences found, 64 usage, 65 data, 69
 * unavailable, 70 internal, 75 temporary, 78 configuration); `npm run ops -- --help` prints it.
 */
export { ExitCode, exitCodeTable } from '@credit-hub/service-kit';

/** Where a command writes: injectable so the pure parts are testable. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A bad option value (exit 64). */
export const UsageError = CliUsageError;

/** Renders rows as a left-aligned text table with a header row. */
export function table(header: string[], rows: (string | number)[][]): string {
  const all = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** Bytes as a short human figure (1.2 MB). */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as a short human duration (3.2 s, 4 min 10 s, 2 h 5 min). */
export function humanSeconds(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/**
 * Parses a point in time: an ISO-8601 date or time, or an age back from `now` such as `90s`,
 * `15m`, `12h`, `3d`, `2w` (the `ms` package, libs/service-kit parseDuration). Throws UsageError.
 */
export function parseSince(text: string, now: Date = new Date(), option = '--since'): Date {
  return parseSinceOption(option, text, now);
}

/** Parses a positive integer option. Throws UsageError. */
export function parsePositiveInteger(name: string, text: string): number {
  return parsePositiveIntegerOption(name, text);
}
