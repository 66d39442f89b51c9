/**
 * The operator CLI's refusals, run the way an operator runs it: `npm run <script> -- …` through
 * package.json (the compiled dist/, SKIP_BUILD=1), stdin not a terminal. Every refusal happens
 * before anything is opened: the databases named here do not exist, so a command that ran anyway
 * would end with another exit code (and the test checks that no database got created).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import { testNatsUrl, testPostgresBaseUrl } from '@credit-hub/testing';

const root = join(__dirname, '..', '..');
const suffix = randomBytes(3).toString('hex');
const namespace = `refuse${suffix}`;
const missing = (service: string) => `${testPostgresBaseUrl}/ops_refusal_${service}_${suffix}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SKIP_BUILD: '1',
  HUB_NAMESPACE: namespace,
  NATS_URL: testNatsUrl,
  LEDGER_DATABASE_URL: missing('ledger'),
  ANALYTICS_DATABASE_URL: missing('analytics'),
  GATEWAY_DATABASE_URL: missing('gateway'),
  BILLING_DATABASE_URL: missing('billing'),
  REFUNDS_DATABASE_URL: missing('refunds'),
};

/** `npm run <script> -- <args>` with stdin closed (not a terminal); resolves its exit code and output. */
function npmRun(script: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function databasesNamed(pattern: string): Promise<string[]> {
  const client = new Client({ connectionString: `${testPostgresBaseUrl}/postgres` });
  await client.connect();
  try {
    return (await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern])).rows.map((r) => r.datname as string);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  expect(await databasesNamed(`ops_refusal_%_${suffix}`)).toEqual([]); // nothing was created by any command
});

describe('the operator CLI refuses what it does not understand (exit 64, nothing run)', () => {
  it.each([
    ['replay', ['--dryrun'], /unknown option '--dryrun'[\s\S]*Did you mean --dry-run\?/],
    ['replay', ['--customer'], /option '--customer <email>' argument missing/],
    ['replay', ['analytics', '--dryrun'], /unknown option '--dryrun'[\s\S]*Did you mean --dry-run\?/],
    ['replay', ['analytics', '--domain'], /option '--domain <domain>' argument missing/],
    ['replay', ['analytics', '--dry-run', '--replace'], /contradict/],
    ['replay', ['--dry-run', 'extra'], /too many arguments/],
    ['replay:analytics', ['--repalce'], /Did you mean --replace\?/],
    ['ops', ['streams', 'ensuer'], /Did you mean ensure\?/],
    ['ops', ['streams', 'ensure', '--replicas'], /argument missing/],
    ['ops', ['outbox', 'status', '--max-age', '60'], /--max-age needs a unit/],
    ['reconcile', ['--since', '1d', '--timeout', '60', '--list-only'], /--timeout needs a unit/],
    ['reconcile', ['--since', '1d', '--lst-only'], /Did you mean --list-only\?/],
    ['apikey', ['create', '--domian', 'x.example'], /Did you mean --domain\?/],
    ['ops', ['snapshot', 'take', '--customer'], /argument missing/],
  ])('npm run %s -- %j', async (script, args, message) => {
    const result = await npmRun(script, ...args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 64, stderr: expect.stringMatching(message) });
    expect(result.stdout).not.toMatch(/replaced|repaired|Created/);
  });

  it.each([
    ['replay', [], /replay will:[\s\S]*EXCLUSIVE locks[\s\S]*refusing to write without --yes/],
    ['replay', ['--from-snapshots'], /refusing to write without --yes/],
    ['replay', ['analytics', '--replace'], /repair the live rows that differ[\s\S]*refusing to write without --yes/],
    ['apikey', ['create', '--domain', 'x.example'], /store a new API key for domain x\.example[\s\S]*refusing to write without --yes/],
    ['apikey', ['revoke', 'chk_dom_0123456789'], /revoke the key[\s\S]*refusing to write without --yes/],
    ['ops', ['snapshot', 'take', '--replace'], /OVERWRITING[\s\S]*refusing to write without --yes/],
    ['reconcile', ['--since', '1d'], /process, as if their webhooks had arrived[\s\S]*refusing to write without --yes/],
  ])('a write off a terminal needs --yes: npm run %s -- %j says what it would change and exits 64', async (script, args, message) => {
    const result = await npmRun(script, ...args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 64, stderr: expect.stringMatching(message) });
  });

  it('streams ensure off a terminal: states the streams it would create, creates none without --yes', async () => {
    const result = await npmRun('ops', 'streams', 'ensure');
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(`LEDGER_${namespace.toUpperCase()}: create with 1 replica`);
    const nc = await connect({ servers: testNatsUrl });
    try {
      const names: string[] = await (await nc.jetstreamManager()).streams.names().next();
      expect(names.filter((name) => name.endsWith(`_${namespace.toUpperCase()}`))).toEqual([]);
    } finally {
      await nc.close();
    }
  });
});

describe('the operator CLI tells "could not run" from "found something"', () => {
  it('apikey with a mistyped GATEWAY_DATABASE_URL: exit 78 naming the database, no key printed, no database created', async () => {
    const result = await npmRun('apikey', 'list', '--json');
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`database ops_refusal_gateway_${suffix} does not exist: check GATEWAY_DATABASE_URL`);
  });

  it('replay --dry-run on a database that does not exist: exit 78, not 1', async () => {
    const result = await npmRun('replay', '--dry-run');
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`ops_refusal_ledger_${suffix}`);
  });
});

describe('ops --help and pipes', () => {
  it('ops --help exits 0, lists the exit codes, and the command line it shows runs', async () => {
    const help = await npmRun('ops', '--help');
    expect(help.code).toBe(0);
    for (const code of ['0 ', '1 ', '64', '65', '69', '70', '75', '78']) expect(help.stdout).toMatch(new RegExp(`^  ${code}`, 'm'));
    const shown = /or:\s+(node -r \S+ \S+)/.exec(help.stdout)?.[1];
    expect(shown).toBe('node -r ./tools/scripts/register-paths.js dist/tools/ops/src/main.js');
    const [, , register, main] = shown!.split(' ');
    const run = spawnSync(process.execPath, ['-r', register!, main!, '--help'], { cwd: root, env, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('ops streams info --all | head -1 exits cleanly (no EPIPE)', async () => {
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', 'node -r ./tools/scripts/register-paths.js dist/tools/ops/src/main.js streams info --all | head -1'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
