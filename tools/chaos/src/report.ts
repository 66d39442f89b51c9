import { Verdict } from './checks';

/** The outcome of one scenario of `npm run chaos`. */
export interface ScenarioResult {
  scenario: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  /** Headline figures (what docs/reliability.md quotes). */
  figures: Record<string, unknown>;
  verdicts: Verdict[];
  notes: string[];
}

/** Progress on stderr, with the seconds since the run started. */
const startedAtMs = Date.now();
export function progress(line: string): void {
  process.stderr.write(`[chaos ${((Date.now() - startedAtMs) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

/** A result from its verdicts: failed when any verdict failed. */
export function resultOf(scenario: string, title: string, startedMs: number, figures: Record<string, unknown>, verdicts: Verdict[], notes: string[] = []): ScenarioResult {
  return { scenario, title, status: verdicts.every((v) => v.ok) ? 'passed' : 'failed', durationMs: Date.now() - startedMs, figures, verdicts, notes };
}

/** The run as Markdown: one section per scenario, its figures, and every verdict with its failures. */
export function markdown(results: ScenarioResult[], command: string): string {
  const lines = [`Command: \`${command}\``, ''];
  for (const result of results) {
    lines.push(`### ${result.title} (\`--scenario ${result.scenario}\`): ${result.status.toUpperCase()} in ${(result.durationMs / 1000).toFixed(0)} s`, '');
    for (const note of result.notes) lines.push(`> ${note}`, '');
    if (Object.keys(result.figures).length > 0) {
      lines.push('| figure | value |', '| --- | --- |');
      for (const [name, value] of Object.entries(result.figures)) lines.push(`| ${name} | ${format(value)} |`);
      lines.push('');
    }
    for (const verdict of result.verdicts) {
      lines.push(`- ${verdict.ok ? 'PASS' : 'FAIL'} ${verdict.name}`);
      for (const failure of verdict.failures) lines.push(`  - ${failure}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return `\`${JSON.stringify(value)}\``;
}
