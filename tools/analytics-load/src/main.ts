/**
 * `npm run analytics:load [-- --events 100000] [-- --demo] [-- --runs 10]`: measures the analytics
 * read models and the builders' dashboard under load, on the started compiled system (fresh
 * databases and a NATS namespace of its own, random ports; stopped and dropped at the end).
 *
 * 1. `--demo`: a first system runs `npm run demo` (through the public API: checkouts, thousands of
 *    consumptions, holds, grants, expiries), then `replay:analytics` rebuilds the read models from
 *    the streams: the demo's rebuild time.
 * 2. A second, fresh system gets `--events` (default 100 000) events published on its LEDGER,
 *    BILLING and REFUNDS streams exactly as the producers publish them (envelopes with
 *    `Nats-Msg-Id`), over 2 domains, 2 000 customers and 90 days; the real feedback-analytics
 *    consumers project them. Timed: the ingest (until the three durables have nothing pending),
 *    every `/api/analytics/*` call the dashboard makes (builder key over both domains, and a domain
 *    key; median and p95 over `--runs`), the dashboard's load in headless Chromium (sign-in with the
 *    builder key, then page load until every chart is drawn, `body[data-ready="1"]`), and the
 *    rebuild of the read models from the streams.
 *
 * Prints a Markdown report and writes it with the raw figures to tmp/analytics-load.{md,json}.
 * Exit 0 when measured; 1 when anything failed (a call not 200, the rebuild not equal to live).
 * Env: CHROMIUM_PATH (/usr/bin/chromium), POSTGRES_URL, NATS_URL as for `npm start`.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { chromium } from 'playwright-core';
import { deleteNamespaceStreams } from '@credit-hub/testing';
import { CommanderError } from 'commander';
import { ExitCode, parsePositiveInteger, strictProgram } from '@credit-hub/service-kit';

/** The repository root: the directory above this file (src or dist) holding tools/scripts/system.js. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tools', 'scripts', 'system.js')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}
const root = findRoot(__dirname);
// tools/scripts/system.js is plain CommonJS (no types): the handles this script uses.
const { startSystem, runApiKeyCli } = require(join(root, 'tools', 'scripts', 'system.js')) as {
  startSystem: (options: object) => Promise<LoadSystem>;
  runApiKeyCli: (system: LoadSystem, args: string[]) => Promise<string>;
};

interface LoadSystem {
  urls: { gateway: string; standin: string };
  databases: Record<string, string>;
  env: NodeJS.ProcessEnv;
  natsUrl: string;
  stop(): Promise<void>;
}

/** The command line, strict (libs/service-kit cli.ts): an unknown option or a missing value is exit 64. */
const commandLine = strictProgram('analytics:load')
  .option('--events <n>', 'events to publish on the streams', '100000')
  .option('--runs <n>', 'timed runs of each request (median and p95)', '10')
  .option('--demo', 'first run npm run demo on a system of its own and measure the rebuild of its events');
function parseCommandLine(): { eventsTotal: number; runs: number; withDemo: boolean } {
  try {
    commandLine.parse(process.argv.slice(2), { from: 'user' });
    const flags = commandLine.opts<{ events: string; runs: string; demo?: boolean }>();
    return { eventsTotal: parsePositiveInteger('--events', flags.events), runs: parsePositiveInteger('--runs', flags.runs), withDemo: flags.demo === true };
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
    process.stderr.write(`analytics:load: ${(error as Error).message}\n`);
    process.exit(ExitCode.usage);
  }
}
const { eventsTotal, runs, withDemo } = parseCommandLine();
const domains = ['demo.localhost', 'notes.localhost'];
const actionTypes = ['ai_generation', 'ai_summary', 'image_generation', 'analysis', 'video_generation'];
const categories = ['quality', 'price', 'missing_feature', 'did_not_need', 'technical', 'other'];
const bringBack = ['Better accuracy', 'A cheaper plan', 'Faster answers', 'Export to PDF', 'Nothing', 'Tables read correctly'];
const views = ['credits', 'conversion', 'refunds', 'revenue', 'requests', 'feedback'];

/** A system of its own: namespace, databases, ports. */
async function freshSystem(tag: string): Promise<{ system: LoadSystem; namespace: string; cleanup: () => Promise<void> }> {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `al${tag}${suffix}`;
  const system = await startSystem({ ports: 'random', namespace, databasePrefix: `load_${tag}_${suffix}` });
  const cleanup = async () => {
    await system.stop();
    const admin = new Client({ connectionString: `${process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432'}/postgres` });
    await admin.connect();
    for (const url of Object.values(system.databases)) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
    const nc = await connect({ servers: system.natsUrl });
    const jsm = await nc.jetstreamManager();
    await deleteNamespaceStreams(jsm, namespace);
    await nc.close();
  };
  return { system, namespace, cleanup };
}

function runNode(main: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, main), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Rebuilds the read models (`replay:analytics --json`); the report's figures and the wall time. */
async function rebuild(system: LoadSystem): Promise<{ messages: Record<string, number>; elapsedMs: number; messagesPerSecond: number; wallMs: number; equal: boolean }> {
  const run = await runNode('dist/apps/feedback-analytics/src/cli/replay-analytics.main.js', ['--json'], { ...system.env, ANALYTICS_DATABASE_URL: system.databases['analytics'] });
  if (run.code !== 0) throw new Error(`replay:analytics exited ${run.code}: ${run.stdout.slice(-500)} ${run.stderr.slice(-500)}`);
  const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { messages: Record<string, number>; elapsedMs: number; messagesPerSecond: number; differences: unknown[] };
  return { messages: report.messages, elapsedMs: report.elapsedMs, messagesPerSecond: report.messagesPerSecond, wallMs: run.ms, equal: report.differences.length === 0 };
}

/** Phase 1: the demo through the public API, then the rebuild of its read models. */
async function demoRebuild(): Promise<Record<string, unknown>> {
  const { system, cleanup } = await freshSystem('d');
  try {
    const key = JSON.parse(await runApiKeyCli(system, ['create', '--domain', 'demo.localhost', '--json'])).key as string;
    process.stderr.write('demo: running npm run demo against a fresh system…\n');
    const demo = await runNode('dist/tools/demo/demo.js', [], {
      ...system.env,
      DEMO_GATEWAY_URL: system.urls.gateway,
      DEMO_STANDIN_URL: system.urls.standin,
      DEMO_API_KEY: key,
      LEDGER_DATABASE_URL: system.databases['ledger'],
    });
    if (demo.code !== 0) throw new Error(`the demo exited ${demo.code}: ${demo.stdout.slice(-800)}`);
    await waitForDurables(system, 600_000);
    const result = await rebuild(system);
    return { demoSeconds: Math.round(demo.ms / 100) / 10, ...result };
  } finally {
    await cleanup();
  }
}

interface Customer {
  email: string;
  domain: string;
  lots: { lotId: string; credits: number; left: number }[];
}

/** Publishes `eventsTotal` events on the system's streams; resolves with the counts per kind. */
async function publishLoad(nc: NatsConnection, namespace: string): Promise<Record<string, number>> {
  const js = nc.jetstream();
  const counts: Record<string, number> = {};
  const now = Date.now();
  const dayMs = 86_400_000;
  const at = (daysAgo: number) => new Date(now - daysAgo * dayMs + Math.floor(Math.random() * dayMs * 0.9)).toISOString();
  const customers: Customer[] = Array.from({ length: 2000 }, (_, i) => ({ email: `load${i}@example.com`, domain: domains[i % 4 === 0 ? 1 : 0]!, lots: [] }));
  let position = 0;
  let pending: Promise<unknown>[] = [];
  const send = async (subject: string, kind: string, body: object, msgID: string) => {
    pending.push(js.publish(`${namespace}.${subject}`, Buffer.from(JSON.stringify(body)), { msgID }));
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (pending.length >= 500) {
      await Promise.all(pending);
      pending = [];
    }
  };
  const ledger = (type: string, email: string, data: object, occurredAt: string) => {
    position += 1;
    const eventId = randomUUID();
    const kebab = type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    const envelope = { eventId, type, schemaVersion: 1, streamId: `account-${email}`, version: position, position, occurredAt, data, metadata: {} };
    return send(`ledger.events.${kebab}.v1`, type, envelope, eventId).then(() => eventId);
  };
  const billing = (name: string, event: object) => {
    const id = `evt_${randomUUID()}`;
    return send(`billing.events.${name}.v1`, name, { ...event, eventId: id }, id);
  };
  // The mix (per 100 000): 4 000 purchases and their checkouts, 1 000 grants, 86 000 consumptions,
  // 1 500 consumption refunds, 1 000 refund requests with feedback, 800 subscription changes
  // (500 trials, 300 converted), 200 payment failures, 100 disputes opened and 100 closed.
  const scale = eventsTotal / 100_000;
  const n = (count: number) => Math.max(1, Math.round(count * scale));
  const [purchases, grants, refundsCount, requests, trials, converted, failures, disputes] = [n(4000), n(1000), n(1500), n(1000), n(500), n(300), n(200), n(100)];
  const consumptions = eventsTotal - 2 * purchases - grants - refundsCount - requests - trials - converted - failures - 2 * disputes;
  const consumedEvents: { eventId: string; customer: Customer; lotId: string; credits: number }[] = [];

  for (let i = 0; i < purchases; i++) {
    const customer = customers[i % customers.length]!;
    const lotId = randomUUID();
    const credits = [100, 100, 1000, 50][i % 4]!;
    const daysAgo = 90 - Math.floor((i / purchases) * 90);
    const checkoutSessionId = `cs_${randomUUID()}`;
    const when = at(daysAgo);
    await billing('checkout-created', { checkoutSessionId, domain: customer.domain, offeringId: 'pro_100', email: customer.email, mode: 'payment', createdAt: when });
    await ledger('CreditsPurchased', customer.email, {
      lotId, email: customer.email, domain: customer.domain, offeringId: 'pro_100', credits, amountMinor: credits === 1000 ? 29900 : credits === 50 ? 900 : 4900,
      currency: customer.domain === 'notes.localhost' ? 'eur' : 'usd', stripeEventId: `evt_${randomUUID()}`, checkoutSessionId, paymentIntentId: null, scopeDomain: null, expiresAt: null, purchasedAt: when,
    }, when);
    customer.lots.push({ lotId, credits, left: credits });
  }
  for (let i = 0; i < grants; i++) {
    const customer = customers[(i * 7) % customers.length]!;
    const when = at(Math.floor(Math.random() * 90));
    await ledger('CreditsGranted', customer.email, { lotId: randomUUID(), email: customer.email, domain: customer.domain, credits: 10, source: 'welcome', grantId: randomUUID(), expiresAt: null, grantedAt: when }, when);
  }
  for (let i = 0; i < consumptions; i++) {
    const customer = customers[Math.floor(Math.random() * customers.length)]!;
    const lot = customer.lots.find((l) => l.left > 0);
    if (!lot) {
      i -= 1; // this customer ran out; pick another
      continue;
    }
    const credits = Math.min(lot.left, 1 + (i % 3));
    lot.left -= credits;
    const when = at(Math.floor(Math.random() * 90));
    const actionType = actionTypes[i % actionTypes.length]!;
    const eventId = await ledger('CreditsConsumed', customer.email, {
      email: customer.email, domain: customer.domain, credits, actionType, referenceId: randomUUID(), draws: [{ lotId: lot.lotId, credits }], balanceAfter: lot.left, consumedAt: when,
    }, when);
    if (consumedEvents.length < refundsCount * 2 && i % 20 === 0) consumedEvents.push({ eventId, customer, lotId: lot.lotId, credits });
  }
  for (let i = 0; i < refundsCount; i++) {
    const consumed = consumedEvents[i % consumedEvents.length]!;
    const when = at(Math.floor(Math.random() * 30));
    await ledger('ConsumptionRefunded', consumed.customer.email, {
      consumptionEventId: consumed.eventId, domain: consumed.customer.domain, referenceId: randomUUID(), refundRequestId: randomUUID(), credits: consumed.credits,
      draws: [{ lotId: consumed.lotId, credits: consumed.credits }], balanceAfter: 0, refundedAt: when,
    }, when);
  }
  for (let i = 0; i < requests; i++) {
    const customer = customers[(i * 13) % customers.length]!;
    const when = at(Math.floor(Math.random() * 90));
    const eventId = randomUUID();
    const request = {
      id: randomUUID(), email: customer.email, domain: customer.domain, kind: 'credits', status: 'completed',
      feedback: { category: categories[i % categories.length], rating: 1 + (i % 5), tried: `Tried batch ${i % 50} of reports`, didNotWork: 'It missed the key numbers', wouldBringBack: bringBack[i % bringBack.length] },
      creditsRequested: 2, creditsRefunded: 2, moneyRefunded: null, lotId: null, stripeRefundId: null, reviewReason: null, failureReason: null, createdAt: when, updatedAt: when, completedAt: when,
    };
    await send('refunds.events.refund-completed.v1', 'RefundCompleted', { eventId, type: 'RefundCompleted', schemaVersion: 1, occurredAt: when, request }, eventId);
  }
  const subscription = (subscriptionId: string, domain: string, status: string, previousStatus: string | null, when: string) => ({
    subscriptionId, email: 'trial@example.com', domain, offeringId: 'builder_monthly', status, previousStatus, trialEnd: null, currentPeriodEnd: null, cancelAtPeriodEnd: false, graceEndsAt: null, at: when,
  });
  for (let i = 0; i < trials; i++) await billing('subscription-changed', subscription(`sub_${i}`, domains[i % 2]!, 'trialing', null, at(60 - (i % 45))));
  for (let i = 0; i < converted; i++) await billing('subscription-changed', subscription(`sub_${i}`, domains[i % 2]!, 'active', 'trialing', at(40 - (i % 30))));
  for (let i = 0; i < failures; i++) {
    await billing('payment-failed', { subscriptionId: `sub_${i}`, invoiceId: `in_${i}`, email: 'trial@example.com', domain: domains[i % 2], amountMinor: 900, currency: 'usd', status: 'past_due', attemptCount: 1, graceEndsAt: null, at: at(i % 30) });
  }
  for (let i = 0; i < disputes; i++) {
    const base = { disputeId: `dp_${i}`, chargeId: `ch_${i}`, paymentIntentId: null, email: 'dispute@example.com', domain: domains[i % 2] };
    await billing('dispute-opened', { ...base, amountMinor: 4900, currency: 'usd', reason: 'fraudulent', at: at(20 + (i % 10)) });
    await billing('dispute-closed', { ...base, outcome: i % 3 === 0 ? 'lost' : 'won', at: at(i % 10) });
  }
  await Promise.all(pending);
  return counts;
}

/** Waits until the read-model durables have delivered and acknowledged everything in their streams. */
async function waitForDurables(system: LoadSystem, timeoutMs: number): Promise<void> {
  const nc = await connect({ servers: system.natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const namespace = String(system.env['HUB_NAMESPACE']).toUpperCase();
    const durables = [['LEDGER', 'analytics-rm-ledger'], ['BILLING', 'analytics-rm-billing'], ['REFUNDS', 'analytics-rm-refunds']];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let left = 0;
      for (const [stream, durable] of durables) {
        const info = await jsm.consumers.info(`${stream}_${namespace}`, durable!).catch(() => null);
        left += info ? info.num_pending + info.num_ack_pending : 1;
      }
      if (left === 0) return;
      if (Date.now() > deadline) throw new Error(`the read-model consumers still have ${left} messages after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await nc.close();
  }
}

function stats(samples: number[]): { median: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { median: pick(0.5), p95: pick(0.95), max: sorted[sorted.length - 1]! };
}

/** Times one GET `runs` times (after a warm-up); throws unless every answer is 200. */
async function timeCall(url: string, headers: Record<string, string>): Promise<{ median: number; p95: number; max: number; bytes: number }> {
  let bytes = 0;
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${text.slice(0, 300)}`);
    bytes = text.length;
    if (i > 0) samples.push(Math.round(ms * 10) / 10);
  }
  return { ...stats(samples), bytes };
}

/** The dashboard in headless Chromium: sign in, then `runs` page loads until every chart is drawn. */
async function timeDashboard(gateway: string, key: string, filter?: string): Promise<{ signInMs: number; loads: { median: number; p95: number; max: number } }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'analytics-load-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  const browser = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', headless: true, args: flags });
  try {
    const page = await browser.newPage();
    await page.goto(`${gateway}/dashboard`);
    await page.fill('#apiKey', key);
    const started = performance.now();
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
    const signInMs = Math.round(performance.now() - started);
    const samples: number[] = [];
    for (let i = 0; i < Math.min(runs, 10); i++) {
      const begin = performance.now();
      await page.goto(`${gateway}/dashboard`);
      if (filter) {
        await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
        await page.selectOption('#domain-filter', filter);
        const filtered = performance.now();
        await page.click('#range button[type=submit]');
        await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
        samples.push(Math.round(performance.now() - filtered));
        continue;
      }
      await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
      samples.push(Math.round(performance.now() - begin));
    }
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts', `analytics-load${filter ? '-filtered' : ''}.png`), fullPage: true });
    return { signInMs, loads: stats(samples) };
  } finally {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const report: Record<string, unknown> = { events: eventsTotal, runs, cores: cpus().length, at: new Date().toISOString() };
  if (withDemo) report['demo'] = await demoRebuild();

  const { system, namespace, cleanup } = await freshSystem('l');
  try {
    const builderKey = JSON.parse(await runApiKeyCli(system, ['create', '--builder', 'load', '--domains', domains.join(','), '--json'])).key as string;
    const domainKey = JSON.parse(await runApiKeyCli(system, ['create', '--domain', domains[0]!, '--json'])).key as string;
    const nc = await connect({ servers: system.natsUrl });
    const publishStarted = Date.now();
    let counts: Record<string, number>;
    try {
      counts = await publishLoad(nc, namespace);
    } finally {
      await nc.close();
    }
    const publishMs = Date.now() - publishStarted;
    process.stderr.write(`published ${eventsTotal} events in ${publishMs} ms; waiting for the read models…\n`);
    await waitForDurables(system, 1_800_000);
    const ingestMs = Date.now() - publishStarted;
    report['load'] = { counts, publishMs, ingestMs, eventsPerSecond: Math.round((eventsTotal * 1000) / ingestMs) };

    const api: Record<string, unknown> = {};
    for (const [who, key] of [['builder (2 domains)', builderKey], ['domain key', domainKey]] as const) {
      for (const view of ['summary', 'credits', 'revenue', 'conversion', 'refunds', 'feedback', 'usage']) {
        api[`${who} /api/analytics/${view}`] = await timeCall(`${system.urls.gateway}/api/analytics/${view}`, { authorization: `Bearer ${key}` });
      }
    }
    api['builder (2 domains) /api/analytics/feedback?q=accuracy'] = await timeCall(`${system.urls.gateway}/api/analytics/feedback?q=accuracy`, { authorization: `Bearer ${builderKey}` });
    report['api'] = api;
    report['dashboard'] = {
      'builder key, all domains': await timeDashboard(system.urls.gateway, builderKey),
      'builder key, filtered to notes.localhost (Apply)': await timeDashboard(system.urls.gateway, builderKey, 'notes.localhost'),
      'domain key': await timeDashboard(system.urls.gateway, domainKey),
    };
    report['dashboardViews'] = views;
    const rebuilt = await rebuild(system);
    report['rebuild'] = rebuilt;
    if (!rebuilt.equal) throw new Error('the rebuilt read models differ from the live ones');
  } finally {
    await cleanup();
  }
  const markdown = render(report);
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'tmp', 'analytics-load.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(root, 'tmp', 'analytics-load.md'), markdown);
  process.stdout.write(markdown);
  return 0;
}

function render(report: Record<string, unknown>): string {
  const lines = [`## Analytics under load (${String(report['events'])} events, ${String(report['cores'])} cores, ${String(report['at'])})`, ''];
  const load = report['load'] as { counts: Record<string, number>; publishMs: number; ingestMs: number; eventsPerSecond: number };
  lines.push(`Ingest: published in ${load.publishMs} ms; projected by the live consumers in ${load.ingestMs} ms from the first publish (${load.eventsPerSecond} events/s).`);
  lines.push(`Mix: ${Object.entries(load.counts).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  lines.push('| API call | median ms | p95 ms | max ms | bytes |', '|---|---:|---:|---:|---:|');
  for (const [name, s] of Object.entries(report['api'] as Record<string, { median: number; p95: number; max: number; bytes: number }>)) lines.push(`| ${name} | ${s.median} | ${s.p95} | ${s.max} | ${s.bytes} |`);
  lines.push('', '| Dashboard in headless Chromium | sign-in to charts drawn, ms | page load to charts drawn, median ms | p95 ms |', '|---|---:|---:|---:|');
  for (const [name, d] of Object.entries(report['dashboard'] as Record<string, { signInMs: number; loads: { median: number; p95: number } }>)) lines.push(`| ${name} | ${d.signInMs} | ${d.loads.median} | ${d.loads.p95} |`);
  const rebuilt = report['rebuild'] as { messages: Record<string, number>; elapsedMs: number; messagesPerSecond: number; wallMs: number };
  lines.push('', `Rebuild (\`replay:analytics\`) of these events: ${rebuilt.elapsedMs} ms (${rebuilt.messagesPerSecond} messages/s; ${rebuilt.wallMs} ms with process start), equal to the live read models.`);
  const demo = report['demo'] as { demoSeconds: number; messages: Record<string, number>; elapsedMs: number; wallMs: number } | undefined;
  if (demo) lines.push(`Demo (\`npm run demo\`, ${demo.demoSeconds} s): rebuild of its ${Object.entries(demo.messages).map(([k, v]) => `${k} ${v}`).join(', ')} messages in ${demo.elapsedMs} ms (${demo.wallMs} ms with process start), equal to the live read models.`);
  return `${lines.join('\n')}\n`;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`analytics:load failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
