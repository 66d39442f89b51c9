/**
 * Exit codes and output helpers shared by every command of the operator CLI.
 *
 * Exit codes (the same meaning in every command; `npm run ops -- --help` lists them):
 *   0  done; everything checked is equal and sound
 *   1  the check found something: differences, a backlog over its limit, a missing stream
 *   2  an invariant broke (replay, snapshot verify), or the command needs a feature the system
 *      does not have yet (reconcile, replay analytics): the message says what is missing
 *   3  could not run: database or NATS unreachable, a timeout, an unexpected error
 *   64 usage error (unknown command or option, malformed value)
 * `apikey` passes the gateway tool's own codes through (64 usage, 65 refused, 69 unreachable, 78 config).
 */
export const ExitCode = { ok: 0, found: 1, unavailable: 2, failed: 3, usage: 64 } as const;

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
export class UsageError extends Error {
  override name = 'UsageError';
}

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
 * `15m`, `12h`, `3d`, `2w`. Throws UsageError.
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const age = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (age) {
    const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(age[1]) * unitMs);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(`expected an ISO-8601 time or an age like 90s, 15m, 12h, 3d, 2w; got ${JSON.stringify(text)}`);
}

/** Parses a positive integer option. Throws UsageError. */
export function parsePositiveInteger(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
