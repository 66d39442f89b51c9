// Runs the deploy/nats configuration for real on this machine and puts the whole system on it:
//   node deploy/nats/check-cluster.js [--keep]
// What it does, in a temporary directory under tmp/:
//  1. makes certificates with deploy/nats/make-certs.sh;
//  2. starts the 3 nodes of nats-1/2/3.conf (+ auth.conf) on free local ports, with TLS on clients
//     and routes and the per-service users (a nats-server older than 2.10 gets the file without
//     `sync_interval`, which it does not know; everything else is the file as written);
//  3. creates the streams with 3 replicas through `npm run ops -- streams ensure` as user ops;
//  4. starts the five services (tools/scripts/system.js), each connecting as its own user
//     (NATS_USER / NATS_PASSWORD in its environment, read by libs/service-kit's natsAuthOptions)
//     over TLS (NODE_EXTRA_CA_CERTS), and drives the main flows through the
//     gateway: checkout + webhook, consumes, balance, history, usage analytics, a credits refund
//     and a money refund through the portal, reconciliation;
//  5. checks that no service and no server logged a permissions violation, that each user is
//     refused what it must not do, and that consumes go on with one node killed;
//  6. prints a JSON summary and exits 0 only if every check passed.
// Needs nats-server on PATH, openssl, PostgreSQL on 127.0.0.1:5432, and a build (npm run build).
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const { startSystem, runApiKeyCli, freePort } = require(path.join(root, 'tools', 'scripts', 'system.js'));
const { connect } = require(require.resolve('nats', { paths: [root] }));
const { Client } = require(require.resolve('pg', { paths: [root] }));

const keep = process.argv.includes('--keep');
const hex = crypto.randomBytes(3).toString('hex');
const dir = path.join(root, 'tmp', `nats-check-${hex}`);
const checks = [];
const servers = [];
let system;

function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), ...(detail ? { detail } : {}) });
  process.stderr.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(what, probe, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function serverVersion() {
  const out = execFileSync('nats-server', ['--version'], { encoding: 'utf8' });
  const [major, minor] = out.replace(/^.*v/, '').split('.').map(Number);
  return { text: out.trim(), atLeast210: major > 2 || (major === 2 && minor >= 10) };
}

/** The node's config with local ports, paths and addresses; the rest exactly as in the repository. */
function renderNode(i, ports, tls, version) {
  let text = fs.readFileSync(path.join(__dirname, `nats-${i}.conf`), 'utf8');
  const replace = (from, to) => {
    if (!text.includes(from)) throw new Error(`nats-${i}.conf no longer contains ${from}: update check-cluster.js`);
    text = text.split(from).join(to);
  };
  replace('listen: 0.0.0.0:4222', `listen: 127.0.0.1:${ports.client[i - 1]}`);
  replace('http: 0.0.0.0:8222', `http: 127.0.0.1:${ports.http[i - 1]}`);
  replace('listen: 0.0.0.0:6222', `listen: 127.0.0.1:${ports.route[i - 1]}`);
  for (let j = 1; j <= 3; j++) if (j !== i) replace(`nats-route://nats-${j}:6222`, `nats-route://127.0.0.1:${ports.route[j - 1]}`);
  replace('/etc/nats/tls/', `${tls}/`);
  replace('/data/jetstream', path.join(dir, `data-${i}`));
  if (!version.atLeast210) text = text.replace(/^\s*sync_interval:.*$/m, '  # sync_interval: always   (removed for this nats-server < 2.10)');
  const file = path.join(dir, `nats-${i}.conf`);
  fs.writeFileSync(file, text);
  return file;
}

function opsCli(args, env) {
  const result = spawnSync(process.execPath, ['-r', path.join(root, 'tools/scripts/register-paths.js'), path.join(root, 'dist/tools/ops/src/main.js'), ...args], {
    cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function main() {
  fs.mkdirSync(dir, { recursive: true });
  const version = serverVersion();
  check(`nats-server found (${version.text})`, true, version.atLeast210 ? '' : 'older than 2.10: sync_interval left out of the rendered files');
  const tls = path.join(dir, 'tls');
  execFileSync('sh', [path.join(__dirname, 'make-certs.sh'), tls], { stdio: 'ignore' });
  fs.copyFileSync(path.join(__dirname, 'auth.conf'), path.join(dir, 'auth.conf'));
  const passwords = {};
  for (const user of ['GATEWAY', 'LEDGER', 'BILLING', 'REFUNDS', 'ANALYTICS', 'OPS']) passwords[`NATS_PASSWORD_${user}`] = `p${crypto.randomBytes(20).toString('hex')}`; // a letter first: NATS parses the variable's value
  const ports = { client: [], route: [], http: [] };
  for (let i = 0; i < 3; i++) {
    ports.client.push(await freePort());
    ports.route.push(await freePort());
    ports.http.push(await freePort());
  }
  const start = (i) => {
    const file = path.join(dir, `nats-${i}.conf`);
    const log = fs.openSync(path.join(dir, `nats-${i}.log`), 'a');
    const child = spawn('nats-server', ['-c', file], { env: { ...process.env, ...passwords }, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    servers[i - 1] = child;
    return child;
  };
  for (let i = 1; i <= 3; i++) {
    const file = renderNode(i, ports, tls, version);
    const test = spawnSync('nats-server', ['-t', '-c', file], { env: { ...process.env, ...passwords }, encoding: 'utf8' });
    check(`nats-${i}.conf parses (nats-server -t)`, test.status === 0, (test.stderr || test.stdout).trim());
    start(i);
  }
  const jsz = async (i) => (await fetch(`http://127.0.0.1:${ports.http[i]}/jsz`)).json();
  const leader = await eventually('a JetStream meta leader', async () => (await jsz(0)).meta_cluster?.leader, 30_000);
  check('cluster formed over TLS routes, JetStream meta leader elected', true, leader);

  const natsUrl = ports.client.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const caFile = path.join(tls, 'ca.pem');
  const opsEnv = { NATS_URL: natsUrl, HUB_NAMESPACE: '', NATS_USER: 'ops', NATS_PASSWORD: passwords.NATS_PASSWORD_OPS, NATS_TLS_CA_FILE: caFile };
  const ensure = opsCli(['streams', 'ensure', '--replicas', '3', '--yes', '--json'], opsEnv);
  const streams = ensure.code === 0 ? JSON.parse(ensure.stdout) : [];
  check('ops streams ensure --replicas 3 (user ops, TLS)', ensure.code === 0 && streams.every((s) => s.replicas === 3), ensure.stderr.trim() || streams.map((s) => `${s.name} R${s.replicas}`).join(', '));

  // Anonymous and wrong-password connections are refused.
  const refused = await connect({ servers: natsUrl, tls: { caFile }, user: 'ledger', pass: 'wrong', maxReconnectAttempts: 0, timeout: 3000 }).then((nc) => nc.close().then(() => false), () => true);
  check('a wrong password is refused', refused);
  const plain = await connect({ servers: natsUrl, maxReconnectAttempts: 0, timeout: 3000 }).then((nc) => nc.close().then(() => false), () => true);
  check('a connection without credentials is refused', plain);

  // Each service connects as its own user: NATS_USER / NATS_PASSWORD in its own environment, read
  // by libs/service-kit (natsAuthOptions) for every NATS connection the service opens.
  const serviceUsers = { gateway: 'GATEWAY', ledger: 'LEDGER', billing: 'BILLING', refunds: 'REFUNDS', 'feedback-analytics': 'ANALYTICS' };
  const serviceEnv = Object.fromEntries(Object.entries(serviceUsers).map(([service, secret]) => [service, { NATS_USER: service, NATS_PASSWORD: passwords[`NATS_PASSWORD_${secret}`] }]));
  const prefix = `test_natscheck_${hex}`;
  system = await startSystem({
    ports: 'random', namespace: '', databasePrefix: prefix, natsUrl, logDir: path.join(dir, 'logs'),
    env: { ...passwords, NODE_EXTRA_CA_CERTS: caFile }, serviceEnv,
  });
  check('all five services started and healthy, each as its own NATS user over TLS', true);

  const key = JSON.parse(await runApiKeyCli(system, ['create', '--domain', 'demo.localhost', '--json'])).key;
  const api = async (method, url, body) => {
    const response = await fetch(`${system.urls.gateway}${url}`, {
      method, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const email = `nats-check+${hex}@example.com`;
  const buy = async (who, offeringId) => {
    const checkout = await api('POST', '/api/billing/checkout', { domain: 'demo.localhost', offeringId, email: who, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/no' });
    if (checkout.status !== 200) throw new Error(`checkout ${checkout.status} ${JSON.stringify(checkout.body)}`);
    const done = await fetch(`${system.urls.standin}/test/checkout/sessions/${checkout.body.sessionId}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (done.status !== 200) throw new Error(`complete ${done.status}`);
  };
  const balance = async (who) => (await api('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(who)}&domain=demo.localhost`)).body;
  await buy(email, 'team_1000');
  const funded = await eventually('credits after checkout (billing → BILLING → ledger)', async () => (await balance(email))?.balance === 1000);
  check('checkout → webhook → billing events → ledger credits', funded);
  const consumes = [];
  for (let i = 0; i < 10; i++) consumes.push(await api('POST', '/api/portfolio/credits/consume', { email, domain: 'demo.localhost', deltaCredits: -5, actionType: 'ai_generation', referenceId: `nc-${i}` }));
  check('consumes through gateway → ledger', consumes.every((r) => r.status === 200) && consumes.at(-1).body.balance === 950, consumes.map((r) => r.status).join(','));
  const history = await api('GET', `/api/portfolio/credits/history?email=${encodeURIComponent(email)}&domain=demo.localhost`);
  check('history query (ledger.queries)', history.status === 200, String(history.status));
  const usage = await eventually('usage in analytics (LEDGER → feedback-analytics)', async () => {
    const reply = await api('GET', '/api/analytics/usage');
    return reply.status === 200 && JSON.stringify(reply.body).includes('ai_generation') ? reply : undefined;
  });
  check('analytics usage (gateway → analytics.queries, fed from LEDGER)', Boolean(usage));

  // Refunds through the customer portal: gateway → refunds → ledger (credits) and billing (money).
  const refunded = await refundFlows(api, buy, balance);
  check('credits refund through the portal (refunds → ledger.commands, REFUNDS stream)', refunded.credits, refunded.detail);
  check('money refund through the portal (refunds → billing.commands.create-refund.v1)', refunded.money, refunded.detail);

  const reconcile = opsCli(['reconcile', '--since', '1d', '--yes', '--json'], opsEnv);
  check('ops reconcile (ops → billing; billing reads LEDGER with ordered consumers)', reconcile.code === 0 || reconcile.code === 1, `exit ${reconcile.code} ${reconcile.stderr.trim().slice(0, 300)}`);
  const info = opsCli(['streams', 'info', '--json'], opsEnv);
  const infoJson = info.code === 0 ? JSON.parse(info.stdout) : [];
  check('ops streams info: R3 streams, every durable consumer caught up',
    info.code === 0 && infoJson.every((s) => s.replicas === 3 && s.cluster && s.cluster.replicas.length === 2) &&
      infoJson.every((s) => s.consumers.filter((c) => c.durable).every((c) => c.numAckPending === 0)),
    infoJson.map((s) => `${s.name}: ${s.messages} msgs, leader ${s.cluster?.leader}, consumers ${s.consumers.map((c) => `${c.name}(${c.numPending})`).join(' ')}`).join('; '));
  const tailEnv = { ...opsEnv };
  const tail = opsCli(['events', 'tail', '--from-start', '--count', '3', '--json'], tailEnv);
  check('ops events tail over the cluster as ops', tail.code === 0 && tail.stdout.trim().split('\n').length === 3, tail.stderr.trim().slice(0, 200));

  // Who is connected as whom (monitoring: /connz?auth=true on each node).
  const users = new Set();
  for (let i = 0; i < 3; i++) {
    const connz = await (await fetch(`http://127.0.0.1:${ports.http[i]}/connz?auth=true&limit=1000`)).json();
    for (const c of connz.connections ?? []) if (c.authorized_user) users.add(c.authorized_user);
  }
  const expected = ['gateway', 'ledger', 'billing', 'refunds', 'feedback-analytics'];
  check('each service is connected as its own user', expected.every((u) => users.has(u)), [...users].sort().join(', '));

  // Forbidden actions, as each user.
  await forbidden(natsUrl, caFile, passwords);

  // One node down: the streams keep a quorum (2 of 3), consumes go on.
  servers[1].kill('SIGKILL');
  await sleep(1500);
  const during = [];
  for (let i = 0; i < 5; i++) during.push(await api('POST', '/api/portfolio/credits/consume', { email, domain: 'demo.localhost', deltaCredits: -1, actionType: 'ai_generation', referenceId: `down-${i}` }));
  const outboxEmpty = await eventually('ledger outbox drained with a node down', async () => {
    const db = new Client({ connectionString: system.databases.ledger });
    await db.connect();
    try {
      return Number((await db.query('SELECT count(*) FROM outbox WHERE published_at IS NULL')).rows[0].count) === 0;
    } finally {
      await db.end();
    }
  }, 30_000).catch(() => false);
  check('with nats-2 killed: consumes answered and the outbox relayed to the R3 stream', during.every((r) => r.status === 200) && outboxEmpty, during.map((r) => r.status).join(','));
  start(2);
  const recovered = await eventually('nats-2 back and current', async () => {
    const r = opsCli(['streams', 'info', '--json'], opsEnv);
    if (r.code !== 0) return false;
    return JSON.parse(r.stdout).every((s) => s.cluster && s.cluster.replicas.every((p) => p.current && !p.offline));
  }, 60_000).catch(() => false);
  check('nats-2 restarted: every replica current again', recovered);

  // No permission problem anywhere in the logs.
  const logs = [
    ...[1, 2, 3].map((i) => path.join(dir, `nats-${i}.log`)),
    ...fs.readdirSync(path.join(dir, 'logs')).map((f) => path.join(dir, 'logs', f)),
  ];
  const violations = [];
  let probes = 0;
  for (const file of logs) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!/(permissions?|publish|subscription) violation/i.test(line)) continue;
      if (line.includes('forbidden-probe')) probes++;
      else violations.push(`${path.basename(file)}: ${line.slice(0, 300)}`);
    }
  }
  check('the servers logged each forbidden probe as a violation', probes >= 5, `${probes} probe lines`);
  check('no permissions violation logged by the services or servers (besides the probes)', violations.length === 0, violations.slice(0, 10).join('\n'));
}

async function refundFlows(api, buy, balance) {
  // Two customers: the demo policy allows one refund per customer and window.
  const prepare = async (who) => {
    await buy(who, 'starter_3');
    await eventually(`${who} funded`, async () => (await balance(who))?.balance === 3);
    await api('POST', '/api/portfolio/credits/consume', { email: who, domain: 'demo.localhost', deltaCredits: -1, actionType: 'ai_generation', referenceId: `refund-${who}` });
    const session = await api('POST', '/api/portal/sessions', { email: who, domain: 'demo.localhost', returnUrl: 'https://demo.localhost/account' });
    if (session.status !== 200) throw new Error(`portal session ${session.status} ${JSON.stringify(session.body)}`);
    const url = session.body.url;
    await eventually('the consumption reached refunds (LEDGER → refunds)', async () => (await (await fetch(url)).text()).includes('id="refundable-credits">1 credit'), 20_000);
    return url;
  };
  const submit = async (url, fields) => {
    const form = new URLSearchParams({
      requestKey: crypto.randomUUID(), kind: 'credits', lotId: '', tried: 'Summaries', didNotWork: 'Missed numbers', wouldBringBack: 'Tables', category: 'quality', rating: '3', ...fields,
    });
    const response = await fetch(`${url}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    return { status: response.status, html: await response.text() };
  };
  const ann = `nats-credits+${hex}@example.com`;
  const credits = await submit(await prepare(ann), {});
  const afterCredits = (await balance(ann)).balance;
  const bo = `nats-money+${hex}@example.com`;
  const url = await prepare(bo);
  const lot = (await balance(bo)).lots.find((l) => l.offeringId === 'starter_3');
  const money = await submit(url, { kind: 'money', lotId: lot.lotId, category: 'price' });
  const afterMoney = (await balance(bo)).balance;
  return {
    credits: credits.status === 200 && afterCredits === 3,
    money: money.status === 200 && afterMoney === 0,
    detail: `credits refund HTTP ${credits.status} → balance ${afterCredits} (want 3); money refund HTTP ${money.status} → balance ${afterMoney} (want 0)`,
  };
}

async function forbidden(natsUrl, caFile, passwords) {
  const as = (user, secret) => connect({ servers: natsUrl, tls: { caFile }, user, pass: passwords[`NATS_PASSWORD_${secret}`], name: 'forbidden-probe', maxReconnectAttempts: 0 });
  const expectRefused = async (name, user, secret, action) => {
    const nc = await as(user, secret);
    let refusedBy = '';
    (async () => {
      for await (const s of nc.status()) if (s.type === 'error' && /permission/i.test(String(s.data))) refusedBy = String(s.data);
    })().catch(() => undefined);
    try {
      await action(nc);
      await nc.flush();
      await sleep(300);
    } catch (error) {
      if (/permission|timeout|503/i.test(error.message)) refusedBy = refusedBy || error.message;
    }
    check(`refused: ${name}`, refusedBy !== '', refusedBy.slice(0, 160));
    await nc.close().catch(() => undefined);
  };
  await expectRefused('billing publishing a ledger event', 'billing', 'BILLING', async (nc) => nc.publish('ledger.events.credits-purchased.v1', Buffer.from('{}')));
  await expectRefused('gateway publishing a billing event', 'gateway', 'GATEWAY', async (nc) => nc.publish('billing.events.payment-succeeded.v1', Buffer.from('{}')));
  await expectRefused('refunds serving ledger commands', 'refunds', 'REFUNDS', async (nc) => { nc.subscribe('ledger.commands.>'); });
  await expectRefused('ledger deleting stream BILLING', 'ledger', 'LEDGER', async (nc) => {
    await nc.request('$JS.API.STREAM.DELETE.BILLING', Buffer.from(''), { timeout: 1500 });
  });
  await expectRefused('feedback-analytics publishing to a JetStream subject', 'feedback-analytics', 'ANALYTICS', async (nc) => nc.publish('refunds.events.refund-completed.v1', Buffer.from('{}')));
}

async function cleanup() {
  await system?.stop().catch(() => undefined);
  if (system) {
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    for (const url of Object.values(system.databases)) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
  }
  for (const child of servers) if (child && child.exitCode === null) child.kill('SIGTERM');
  await sleep(500);
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

main()
  .catch((error) => check('check run', false, error.stack || error.message))
  .finally(async () => {
    await cleanup();
    const failed = checks.filter((c) => !c.ok);
    process.stdout.write(`${JSON.stringify({ passed: checks.length - failed.length, failed: failed.length, checks, dir: keep ? dir : undefined }, null, 2)}\n`);
    process.exitCode = failed.length === 0 ? 0 : 1;
  });
