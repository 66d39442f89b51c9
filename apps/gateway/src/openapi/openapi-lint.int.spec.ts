import type { OpenAPIObject } from '@nestjs/swagger';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenApiDocument } from './openapi-document';

// The gateway's OpenAPI document through Redocly CLI (@redocly/cli, pinned): the `recommended`
// ruleset of redocly.yaml with 0 errors and exactly the warnings docs/api.md lists, and every
// example (request, response, problem, parameter, schema) valid against its schema.

const root = join(__dirname, '..', '..', '..', '..');
const redocly = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: 'error' | 'warn'; message: string; location: { pointer: string }[] }[];
}

let directory: string;
let document: OpenAPIObject;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
  document = await createOpenApiDocument();
}, 60_000);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** `redocly lint` of `subject` with a config file; the JSON report. */
function lint(subject: OpenAPIObject, config: string, name: string): LintReport {
  const file = join(directory, `${name}.json`);
  writeFileSync(file, JSON.stringify(subject, null, 2));
  const result = spawnSync(process.execPath, [redocly, 'lint', file, '--config', config, '--format', 'json', '--max-problems', '1000'], {
    cwd: directory,
    encoding: 'utf8',
    // No telemetry, no update check: the test must not reach the network.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  });
  const json = result.stdout.slice(result.stdout.indexOf('{'));
  if (!json) throw new Error(`redocly lint printed no report (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(json) as LintReport;
}

/** Rule → count of the warnings docs/api.md lists under "OpenAPI lint". */
function documentedWarnings(): Record<string, number> {
  const page = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  const section = page.slice(page.indexOf('## OpenAPI lint'));
  const rows = [...section.slice(0, section.indexOf('\n## ', 3) === -1 ? undefined : section.indexOf('\n## ', 3)).matchAll(/^\| `([a-z0-9-]+)` \| (\d+) \|/gm)];
  return Object.fromEntries(rows.map((row) => [row[1], Number(row[2])]));
}

function counts(report: LintReport, severity: 'error' | 'warn'): Record<string, number> {
  const byRule: Record<string, number> = {};
  for (const problem of report.problems.filter((candidate) => candidate.severity === severity)) byRule[problem.ruleId] = (byRule[problem.ruleId] ?? 0) + 1;
  return byRule;
}

/** A config that makes every example rule an error and turns nothing else on. */
function examplesConfig(): string {
  const file = join(directory, 'examples.redocly.yaml');
  const strict = '{ severity: error, allowAdditionalProperties: false }';
  writeFileSync(
    file,
    ['rules:', `  no-invalid-media-type-examples: ${strict}`, `  no-invalid-schema-examples: ${strict}`, `  no-invalid-parameter-examples: ${strict}`, ''].join('\n'),
  );
  return file;
}

describe('redocly lint, recommended ruleset', () => {
  it('finds 0 errors, and exactly the warnings docs/api.md lists', () => {
    const report = lint(document, join(root, 'redocly.yaml'), 'document');
    expect(counts(report, 'error')).toEqual({});
    expect(report.totals.errors).toBe(0);
    expect(counts(report, 'warn')).toEqual(documentedWarnings());
  }, 90_000);
});

describe('examples', () => {
  it('every example validates against its schema', () => {
    const report = lint(document, examplesConfig(), 'examples');
    expect(report.problems.map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`)).toEqual([]);
  }, 90_000);

  it('an example that breaks its schema is caught', () => {
    const broken = JSON.parse(JSON.stringify(document)) as OpenAPIObject & { paths: Record<string, any> };
    const consume = broken.paths['/api/portfolio/credits/consume'].post;
    consume.responses['200'].content['application/json'].example = { ...consume.responses['200'].content['application/json'].example, balance: 'two' };
    const report = lint(broken, examplesConfig(), 'broken');
    expect(report.problems.map((problem) => problem.location[0]?.pointer)).toEqual([
      '#/paths/~1api~1portfolio~1credits~1consume/post/responses/200/content/application~1json/example/balance',
    ]);
  }, 90_000);
});
