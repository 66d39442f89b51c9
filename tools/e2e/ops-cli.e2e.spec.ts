/**
 * The operator CLI (`npm run ops`, tools/ops) end to end: the real system started as processes
 * with its own databases and NATS namespace, a purchase and some consumes through the gateway,
 * then the compiled CLI run as a child process with the system's environment, the way an operator
 * runs it next to a deployment.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import { CreditHubClient } from '@credit-hub/sdk';
import { answered, createDomainKey, eventually, hubClient, lastStatus, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const root = join(__dirname, '..', '..');
const suffix = randomBytes(3).toString('hex');
const namespace = `ops${suffix}`;
const prefix = `test_ops_${suffix}`;
const email = `grace+${suffix}@example.com`;
let system: System;
let key: string;
let hub: CreditHubClient;

function cliEnv(): NodeJS.ProcessEnv {
  return {
    ...system.env,
    GATEWAY_DATABASE_URL: system.databases.gateway,
    LEDGER_DATABASE_URL: system.databases.ledger,
    BILLING_DATABASE_URL: system.databases.billing,
    REFUNDS_DATABASE_URL: system.databases.refunds,
    ANALYTICS_DATABASE_URL: system.databases.analytics,
  };
}

function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, 'dist/tools/ops/src/main.js'), ...args], {
    cwd: root,
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to its end; resolves its exit code and output. */
function ops(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run <script> -- <args>` (the package.json aliases), stdin not a terminal. */
function npmRun(script: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: root, env: { ...cliEnv(), SKIP_BUILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every row of the given tables with its xmin (the transaction that last wrote it), keyed by table and row. */
async function rowVersions(url: string, tables: string[]): Promise<Map<string, string>> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const versions = new Map<string, string>();
    for (const table of tables) {
      const { rows } = await db.query(`SELECT xmin::text AS xmin, to_jsonb(t) - 'updated_at' AS row, ${table === 'ledger_accounts' ? 'updated_at::text' : 'NULL'} AS updated FROM ${table} t`);
      for (const row of rows) versions.set(`${table} ${JSON.stringify(row.row)}`, `${row.xmin} ${row.updated}`);
    }
    return versions;
  } finally {
    await db.end();
  }
}

async function consume(referenceId: string, credits = 3) {
  const reply = await hub.consumeCredits({ email, domain: 'demo.localhost', deltaCredits: -credits, actionType: 'ai_generation', referenceId });
  expect(lastStatus(hub)).toBe(200);
  return reply;
}

async function balance(): Promise<number> {
  const reply = await answered(hub, hub.getBalance({ email, domain: 'demo.localhost' }));
  return reply.status === 200 ? reply.value!.balance : -1;
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  key = await createDomainKey(system, 'demo.localhost');
  hub = hubClient(system, key);
  const checkout = await hub.createCheckout({
    domain: 'demo.localhost', offeringId: 'team_1000', email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel',
  });
  expect(lastStatus(hub)).toBe(200);
  const completed = await stripeStandin(system).completeCheckout(checkout.sessionId);
  expect(completed.status).toBe(200);
  await eventually('credits after the webhook', async () => (await balance()) === 1000, 20_000);
  for (let i = 0; i < 5; i++) await consume(`ops-${i}`);
  // Every event reaches the stream and every durable consumer catches up before the CLI looks.
  await eventually('outbox drained', async () => {
    const db = new Client({ connectionString: system.databases.ledger });
    await db.connect();
    try {
      return Number((await db.query('SELECT count(*) FROM outbox WHERE published_at IS NULL')).rows[0].count) === 0;
    } finally {
      await db.end();
    }
  }, 20_000);
}, 180_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('npm run ops', () => {
  it('documents every command with --help and exits 0', async () => {
    const top = await ops('--help');
    expect(top.code).toBe(0);
    for (const command of ['replay', 'apikey', 'outbox', 'streams', 'events', 'reconcile', 'snapshot']) expect(top.stdout).toContain(command);
    for (const args of [['replay', '--help'], ['streams', 'info', '--help'], ['events', 'tail', '--help'], ['snapshot', 'verify', '--help'], ['reconcile', '--help']]) {
      const help = await ops(...args);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Usage: ops /);
    }
    const unknown = await ops('no-such-command');
    expect(unknown.code).toBe(64);
  });

  it('streams info --json: the LEDGER stream holds the events and lists its durable consumers with their pending counts', async () => {
    const result = await ops('streams', 'info', '--json');
    expect(result.code).toBe(0);
    const streams = JSON.parse(result.stdout) as any[];
    const ledger = streams.find((s) => s.name === `LEDGER_${namespace.toUpperCase()}`);
    expect(ledger.found).toBe(true);
    expect(ledger.messages).toBeGreaterThanOrEqual(6); // 1 purchase + 5 consumes
    expect(ledger.lastSeq).toBe(ledger.messages);
    const names = ledger.consumers.map((c: any) => c.name);
    expect(names).toEqual(expect.arrayContaining(['feedback-analytics', 'analytics-rm-ledger']));
    expect(names).not.toContain('refunds'); // refunds asks the ledger; it mirrors no stream
    for (const c of ledger.consumers) {
      expect(typeof c.numPending).toBe('number');
      expect(typeof c.numAckPending).toBe('number');
      expect(typeof c.numRedelivered).toBe('number');
    }
    const billing = streams.find((s) => s.name === `BILLING_${namespace.toUpperCase()}`);
    expect(billing.consumers.filter((c: any) => c.durable).length).toBeGreaterThanOrEqual(1); // the ledger's payments consumer
    const human = await ops('streams', 'info');
    expect(human.stdout).toContain(`LEDGER_${namespace.toUpperCase()}`);
  });

  it('outbox status --json: each outbox database with its backlog and recent publications', async () => {
    const result = await ops('outbox', 'status', '--json', '--max-age', '60s');
    expect(result.code).toBe(0);
    const statuses = JSON.parse(result.stdout) as any[];
    expect(statuses.map((s) => s.service).sort()).toEqual(['billing', 'ledger', 'refunds']);
    const ledger = statuses.find((s) => s.service === 'ledger');
    expect(ledger).toMatchObject({ ok: true, database: `${prefix}_ledger`, unpublished: 0, oldestUnpublishedSeconds: null });
    expect(ledger.publishedLastMinute).toBeGreaterThanOrEqual(6);
    expect(ledger.relayConnections).toBeGreaterThanOrEqual(1);
  });

  it('snapshot verify --json: every projection row equals the fold of its events; a tampered one is found', async () => {
    const clean = await ops('snapshot', 'verify', '--json');
    expect(clean.code).toBe(0);
    const report = JSON.parse(clean.stdout);
    expect(report.accounts).toBeGreaterThanOrEqual(1);
    expect(report.events).toBeGreaterThanOrEqual(6);
    expect(report.differences).toEqual([]);
    expect(report.violations).toEqual([]);

    const one = await ops('snapshot', 'verify', '--customer', email.toUpperCase(), '--json');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ accounts: 1, events: 6, notFound: [] });

    const db = new Client({ connectionString: system.databases.ledger });
    await db.connect();
    try {
      await db.query(`UPDATE ledger_accounts SET balance = balance + 1 WHERE stream_id = $1`, [`account-${email}`]);
      const tampered = await ops('snapshot', 'verify', '--customer', email, '--json');
      expect(tampered.code).toBe(1);
      expect(JSON.parse(tampered.stdout).differences).toEqual([
        { streamId: `account-${email}`, table: 'ledger_accounts', key: `account-${email}`, field: 'balance', events: 985, projection: 986 },
      ]);
    } finally {
      await db.query(`UPDATE ledger_accounts SET balance = balance - 1 WHERE stream_id = $1`, [`account-${email}`]);
      await db.end();
    }
  });

  it('snapshot take stores the full fold; snapshot verify checks snapshot + tail against it, marks it verified; replay --from-snapshots starts there', async () => {
    const taken = await ops('snapshot', 'take', '--customer', email, '--yes', '--json');
    expect(taken.code).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ accounts: 1, snapshotsTaken: 1, events: 6 });
    expect(JSON.parse((await ops('snapshot', 'take', '--customer', email, '--yes', '--json')).stdout)).toMatchObject({ snapshotsTaken: 0, alreadyTaken: 1 });

    const db = new Client({ connectionString: system.databases.ledger });
    await db.connect();
    try {
      expect((await db.query('SELECT version, verified_at FROM ledger_snapshots WHERE stream_id = $1', [`account-${email}`])).rows).toEqual([{ version: 6, verified_at: null }]);
      expect((await consume(`snap-${suffix}`, 1)).balance).toBe(984); // a tail event after the snapshot
      const verified = await ops('snapshot', 'verify', '--customer', email, '--json');
      expect(verified.code).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({ accounts: 1, events: 7, differences: [], snapshots: [{ streamId: `account-${email}`, version: 6, sound: true }] });
      expect((await db.query('SELECT verified_at FROM ledger_snapshots WHERE stream_id = $1', [`account-${email}`])).rows[0].verified_at).not.toBeNull();

      const fromSnapshots = await ops('replay', '--from-snapshots', '--dry-run', '--json');
      expect(fromSnapshots.code).toBe(0);
      const total = Number((await db.query('SELECT count(*) FROM ledger_events')).rows[0].count);
      expect(JSON.parse(fromSnapshots.stdout)).toMatchObject({ events: total - 6, differences: [] });

      // A wrong snapshot is found, and stops being usable by replay --from-snapshots.
      await db.query(`UPDATE ledger_snapshots SET state = jsonb_set(state, '{balance}', '1') WHERE stream_id = $1`, [`account-${email}`]);
      const wrong = await ops('snapshot', 'verify', '--customer', email, '--json');
      expect(wrong.code).toBe(1);
      expect(JSON.parse(wrong.stdout).differences).toEqual([
        { streamId: `account-${email}`, table: 'ledger_snapshots', key: `account-${email}@6`, field: 'balance', events: '984', projection: '0' },
      ]);
      expect((await db.query('SELECT verified_at FROM ledger_snapshots WHERE stream_id = $1', [`account-${email}`])).rows[0].verified_at).toBeNull();

      // The flagged snapshot is taken again with --replace (the same version: only --replace overwrites it).
      await db.query(`DELETE FROM ledger_snapshots WHERE stream_id = $1 AND version > 6`, [`account-${email}`]);
      const version = (await db.query('SELECT version FROM ledger_accounts WHERE stream_id = $1', [`account-${email}`])).rows[0].version as number;
      await db.query(`UPDATE ledger_snapshots SET version = $2 WHERE stream_id = $1`, [`account-${email}`, version]); // the flagged one, at the account's version
      expect(JSON.parse((await ops('snapshot', 'take', '--customer', email, '--yes', '--json')).stdout)).toMatchObject({ snapshotsTaken: 0, alreadyTaken: 1 });
      expect((await ops('snapshot', 'verify', '--customer', email, '--json')).code).toBe(1); // still the wrong one
      const retaken = await ops('snapshot', 'take', '--customer', email, '--replace', '--yes', '--json');
      expect(retaken.code).toBe(0);
      expect(JSON.parse(retaken.stdout)).toMatchObject({ snapshotsTaken: 1, replaced: true });
      expect((await ops('snapshot', 'verify', '--customer', email, '--json')).code).toBe(0);
    } finally {
      await db.query('DELETE FROM ledger_snapshots WHERE stream_id = $1', [`account-${email}`]);
      await db.end();
    }
  });

  it('replay --dry-run runs the ledger replay and exits 0; replay --customer verifies read-only (never ignored)', async () => {
    const dry = await ops('replay', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing repaired');
    const partial = await ops('replay', '--customer', email, '--domain', 'demo.localhost', '--json');
    expect(partial.code).toBe(0);
    expect(JSON.parse(partial.stdout)).toMatchObject({ mode: 'verification', replaced: false, accounts: 1, differences: [] });
    // Through the alias, as the issue saw it: --customer X was ignored and the whole replay ran.
    const alias = await npmRun('replay', '--customer', `nobody+${suffix}@example.com`, '--json');
    expect(alias.code).toBe(1);
    expect(JSON.parse(alias.stdout)).toMatchObject({ mode: 'verification', readOnly: true, replaced: false, accounts: 0, notFound: [`nobody+${suffix}@example.com`] });
  });

  it('apikey list delegates to the gateway tool', async () => {
    const result = await ops('apikey', 'list', '--domain', 'demo.localhost', '--json');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as any[]).map((k) => k.domain)).toContain('demo.localhost');
  });

  it('apikey create --builder --domains makes a builder key that reads the analytics of its domains', async () => {
    const created = await ops('apikey', 'create', '--builder', 'ops builder', '--domains', 'notes.localhost,demo.localhost', '--yes', '--json');
    expect(created.code).toBe(0);
    const { key: builderKey, domains } = JSON.parse(created.stdout) as { key: string; domains: string[] };
    expect(builderKey).toMatch(/^chk_bld_/);
    expect(domains).toEqual(['demo.localhost', 'notes.localhost']);
    const listed = await ops('apikey', 'list', '--builder', 'ops builder', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ kind: 'builder', builder: 'ops builder', domains: ['demo.localhost', 'notes.localhost'], revokedAt: null })]);
    const summary = await fetch(`${system.urls.gateway}/api/analytics/summary`, { headers: { authorization: `Bearer ${builderKey}` } });
    expect(summary.status).toBe(200);
    expect(((await summary.json()) as { domains: string[] }).domains).toEqual(['demo.localhost', 'notes.localhost']);
    expect((await ops('apikey', 'create', '--builder', 'ops builder')).code).toBe(64);
  });

  it('events tail --customer prints a new consume within seconds', async () => {
    const child = spawnCli(['events', 'tail', '--customer', email, '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      await eventually('tail ready', async () => stderr.includes('following'), 15_000);
      const consumed = await consume('ops-tail', 2);
      const line = await eventually('the consume on the tail', async () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.eventId === consumed.eventId), 10_000);
      expect(line).toMatchObject({ type: 'CreditsConsumed', customer: email, domain: 'demo.localhost', credits: -2, balanceAfter: consumed.balance });
    } finally {
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGINT');
      await exited;
    }
    expect(child.exitCode).toBe(0);
  });

  it('reconcile asks billing over NATS and prints its report (or says what is missing, exit 69)', async () => {
    const result = await ops('reconcile', '--since', '1d', '--json', '--timeout', '60s', '--yes');
    if (result.code === 69) {
      expect(result.stdout).toContain('billing.commands.reconcile.v1');
    } else {
      expect(result.stderr).toMatch(/^reconcile will:\n {2}- process, as if their webhooks had arrived, [^\n]*\n$/); // the plan, nothing else
      expect([0, 1]).toContain(result.code);
      const report = JSON.parse(result.stdout);
      expect(report).toMatchObject({ ok: result.code === 0, paidSessions: expect.any(Number), findings: expect.any(Array) });
    }
  });

  it('a one-row ledger repair names the row, column and values, and writes that row only (every other xmin and updated_at unchanged)', async () => {
    const tables = ['ledger_accounts', 'ledger_lots', 'ledger_consumptions', 'ledger_history', 'ledger_purchases', 'ledger_reservations', 'ledger_grants'];
    const streamId = `account-${email}`;
    const db = new Client({ connectionString: system.databases.ledger });
    await db.connect();
    try {
      const balance = Number((await db.query('SELECT balance FROM ledger_accounts WHERE stream_id = $1', [streamId])).rows[0].balance);
      await db.query('UPDATE ledger_accounts SET balance = balance + 1 WHERE stream_id = $1', [streamId]);
      const before = await rowVersions(system.databases.ledger, tables);

      const dry = await ops('replay', '--dry-run', '--json');
      expect(dry.code).toBe(1);
      const dryReport = JSON.parse(dry.stdout);
      expect(dryReport.differences).toEqual([
        expect.objectContaining({ table: 'ledger_accounts', key: { stream_id: streamId }, kind: 'differs', streamId, columns: [{ column: 'balance', live: balance + 1, rebuilt: balance }] }),
      ]);
      expect(dryReport.tables.find((t: { table: string }) => t.table === 'ledger_accounts')).toMatchObject({ differing: 1, repaired: 0 });
      const human = await ops('replay', '--dry-run');
      expect(human.stdout).toContain(`DIFFERS ledger_accounts stream_id=${streamId}: balance live ${balance + 1}, rebuilt ${balance}`);

      const repaired = await ops('replay', '--yes', '--json');
      expect(repaired.code).toBe(1);
      const report = JSON.parse(repaired.stdout);
      expect(report.replaced).toBe(true);
      for (const table of report.tables) {
        expect(table).toEqual({ table: table.table, compared: expect.any(Number), differing: table.table === 'ledger_accounts' ? 1 : 0, repaired: table.table === 'ledger_accounts' ? 1 : 0 });
      }
      expect(Number((await db.query('SELECT balance FROM ledger_accounts WHERE stream_id = $1', [streamId])).rows[0].balance)).toBe(balance);

      const after = await rowVersions(system.databases.ledger, tables);
      const changed = [...after].filter(([row, version]) => before.get(row) !== version).map(([row]) => row);
      expect(changed).toEqual([expect.stringMatching(new RegExp(`^ledger_accounts .*"balance": ?${balance}\\b`))]);
      expect(after.size).toBe(before.size);
      expect((await ops('replay', '--dry-run')).code).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('replay analytics: a deleted usage_daily row is found by --dry-run (key, columns) and restored by --replace, which writes that row only', async () => {
    const usage = () => hub.getAnalyticsUsage();
    const listed = await eventually('usage lists ai_generation', async () => (await usage()).rows.find((r) => r.actionType === 'ai_generation'), 20_000);
    const db = new Client({ connectionString: system.databases.analytics });
    await db.connect();
    try {
      const deleted = await db.query(`DELETE FROM usage_daily WHERE domain = 'demo.localhost' AND action_type = 'ai_generation' RETURNING to_char(day, 'YYYY-MM-DD') AS day, credits_consumed::int AS credits`);
      expect(deleted.rowCount).toBe(1);
      const day = deleted.rows[0].day as string;
      expect((await usage()).rows.find((r) => r.actionType === 'ai_generation')).toBeUndefined(); // the usage API lost it
      const tables = ['usage_daily', 'purchases_daily', 'rm_credits_daily', 'rm_lots', 'rm_activity', 'rm_consumptions', 'rm_checkouts'];
      const before = await rowVersions(system.databases.analytics, tables);

      const dry = await ops('replay', 'analytics', '--dry-run', '--json');
      expect({ code: dry.code, stderr: dry.stderr.slice(-300) }).toEqual({ code: 1, stderr: expect.any(String) });
      const report = JSON.parse(dry.stdout);
      expect(report.tables.find((t: { table: string }) => t.table === 'usage_daily')).toMatchObject({ readModel: 'usage', differing: 1, repaired: 0 });
      expect(report.tables.find((t: { table: string }) => t.table === 'purchases_daily')).toMatchObject({ readModel: 'usage', differing: 0 });
      expect(report.differences).toEqual([
        expect.objectContaining({ table: 'usage_daily', kind: 'only_rebuilt', key: { domain: 'demo.localhost', day, action_type: 'ai_generation' } }),
      ]);
      expect(report.differences[0].columns).toEqual(expect.arrayContaining([{ column: 'credits_consumed', live: null, rebuilt: listed.creditsConsumed }]));

      const replaced = await ops('replay', 'analytics', '--replace', '--yes', '--json');
      expect(replaced.code).toBe(1);
      const repair = JSON.parse(replaced.stdout);
      expect(repair.replaced).toBe(true);
      for (const table of repair.tables) expect(table.repaired).toBe(table.table === 'usage_daily' ? 1 : 0);
      expect((await usage()).rows.find((r) => r.actionType === 'ai_generation')).toMatchObject({ creditsConsumed: listed.creditsConsumed });
      const after = await rowVersions(system.databases.analytics, tables);
      const changed = [...after].filter(([row, version]) => before.get(row) !== version).map(([row]) => row);
      expect(changed).toEqual([expect.stringMatching(/^usage_daily .*ai_generation/)]);
      const again = await ops('replay', 'analytics');
      expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: expect.stringContaining('verified: the rebuilt read models equal the live ones') });
    } finally {
      await db.end();
    }
  }, 120_000);
});
