/**
 * `npm run demo`: drives a started system (`npm start`) through its public API only:
 * 50 customers buy credit packs through checkout (the Stripe stand-in completes the sessions; some
 * webhooks are delivered twice and out of order), thousands of consumptions over several action
 * types follow (with retried referenceIds and customers running out of credits), then the ledger
 * replay verifies every balance. Prints a summary; exits non-zero if anything disagrees.
 *
 * Env: DEMO_GATEWAY_URL (http://127.0.0.1:3000), DEMO_STANDIN_URL (http://127.0.0.1:12111),
 * DEMO_API_KEY (else tmp/demo-api-key written by npm start), DEMO_CUSTOMERS (50), DEMO_CONSUMES (2000).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const gateway = process.env['DEMO_GATEWAY_URL'] ?? 'http://127.0.0.1:3000';
const standin = process.env['DEMO_STANDIN_URL'] ?? 'http://127.0.0.1:12111';
const customersCount = Number(process.env['DEMO_CUSTOMERS'] ?? 50);
const consumesCount = Number(process.env['DEMO_CONSUMES'] ?? 2000);
const domain = 'demo.localhost';
const actionTypes = 4;
const packs: Record<string, number> = { starter_3: 3, pro_100: 100, team_1000: 1000 };
// Weighted by how often a product does each: cheap generations dominate.
const actions: [string, number][] = [
  ...Array.from({ length: 6 }, (): [string, number] => ['ai_generation', 1]),
  ['image_generation', 3], ['image_generation', 3], ['analysis', 2], ['analysis', 2], ['video_generation', 10],
];

function apiKey(): string {
  if (process.env['DEMO_API_KEY']) return process.env['DEMO_API_KEY'];
  const file = join(root, 'tmp', 'demo-api-key');
  if (!existsSync(file)) throw new Error('no API key: run `npm start` first (it writes tmp/demo-api-key) or set DEMO_API_KEY');
  return readFileSync(file, 'utf8').trim();
}

const key = apiKey();
const run = randomBytes(3).toString('hex');
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function standinPost(path: string, body: unknown = {}): Promise<any> {
  const response = await fetch(`${standin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`stand-in ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

async function main(): Promise<number> {
  const started = Date.now();
  const emails = Array.from({ length: customersCount }, (_, i) => `customer${i}.${run}@example.com`);
  const expected = new Map<string, number>(emails.map((e) => [e, 0]));
  let bought = 0;
  const eventIds: string[] = [];
  process.stdout.write(`demo ${run}: ${customersCount} customers buy packs through checkout…\n`);
  await pool(emails, 8, async (email) => {
    // Some buy a small pack (and run out), most a bigger one, a few two packs.
    const roll = Math.random();
    const offerings = roll < 0.35 ? ['starter_3'] : roll < 0.75 ? ['pro_100'] : roll < 0.9 ? ['pro_100', 'starter_3'] : ['team_1000'];
    for (const offeringId of offerings) {
      const checkout = await call('POST', '/api/billing/checkout', { domain, offeringId, email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
      if (checkout.status !== 200) throw new Error(`checkout failed: ${JSON.stringify(checkout.body)}`);
      const completed = await standinPost(`/test/checkout/sessions/${checkout.body.sessionId}/complete`, { deliver: false });
      eventIds.push(completed.event.id);
      expected.set(email, expected.get(email)! + packs[offeringId]);
      bought += packs[offeringId];
    }
  });
  // Webhooks arrive out of order, and a fifth of them twice.
  const deliveries = shuffle([...eventIds, ...eventIds.filter(() => Math.random() < 0.2)]);
  await pool(deliveries, 8, async (id) => {
    const result = await standinPost(`/test/events/${id}/deliver`);
    if (result.delivery?.status !== 200) throw new Error(`webhook ${id} was not accepted: ${JSON.stringify(result.delivery)}`);
  });
  process.stdout.write(`  ${eventIds.length} checkouts completed, ${deliveries.length} webhook deliveries (${deliveries.length - eventIds.length} duplicates, shuffled)\n`);
  await waitForBalances(expected);

  process.stdout.write(`${consumesCount} consumptions over ${actionTypes} action types…\n`);
  const tally = { accepted: 0, consumed: 0, refused: 0, repeats: 0, conflicts: 0 };
  const done: { email: string; body: unknown; eventId: string }[] = [];
  const ranOut = new Set<string>();
  const jobs = Array.from({ length: consumesCount }, (_, i) => i);
  await pool(jobs, 16, async (i) => {
    if (done.length > 0 && Math.random() < 0.05) {
      const earlier = pick(done); // a product retrying a request it already sent
      const again = await call('POST', '/api/portfolio/credits/consume', earlier.body);
      if (again.status !== 200 || !again.body.repeated || again.body.eventId !== earlier.eventId) throw new Error(`retry was not a repeat: ${JSON.stringify(again.body)}`);
      tally.repeats++;
      return;
    }
    // A product mostly stops calling for a customer who ran out; now and then it tries again.
    const active = emails.filter((e) => !ranOut.has(e));
    const email = active.length > 0 && Math.random() < 0.95 ? pick(active) : pick(emails);
    const [actionType, credits] = pick(actions);
    const body = { email, domain, deltaCredits: -credits, actionType, referenceId: `demo-${run}-${i}` };
    const reply = await call('POST', '/api/portfolio/credits/consume', body);
    if (reply.status === 200) {
      tally.accepted++;
      tally.consumed += credits;
      expected.set(email, expected.get(email)! - credits);
      done.push({ email, body, eventId: reply.body.eventId });
    } else if (reply.status === 402) {
      tally.refused++;
      if ((expected.get(email) ?? 0) < 1) ranOut.add(email);
    }
    else throw new Error(`unexpected consume answer ${reply.status}: ${JSON.stringify(reply.body)}`);
  });
  const mismatches = await verifyBalances(expected);
  const negative = [...expected.values()].filter((b) => b < 0).length;

  process.stdout.write('replaying the ledger from its event log…\n');
  const replay = spawnSync(process.execPath, ['-r', join(root, 'tools', 'scripts', 'register-paths.js'), join(root, 'dist', 'apps', 'ledger', 'src', 'replay', 'replay.main.js'), '--json'], { cwd: root, encoding: 'utf8' });
  const report = replay.stdout ? JSON.parse(replay.stdout.trim().split('\n').pop() ?? '{}') : {};
  const summary = [
    '',
    `demo summary (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    `  customers           ${customersCount}`,
    `  checkouts           ${eventIds.length} (webhooks delivered ${deliveries.length} times, shuffled)`,
    `  credits bought      ${bought}`,
    `  consumptions        ${tally.accepted} accepted, ${tally.consumed} credits consumed`,
    `  refused             ${tally.refused} insufficient_credits (${ranOut.size} customers ran out of credits)`,
    `  repeats             ${tally.repeats} retried referenceIds answered with the first answer`,
    `  balances verified   ${customersCount - mismatches}/${customersCount} equal to the expected ones; ${negative} negative`,
    `  replay              exit ${replay.status}: ${report.events ?? '?'} events, ${report.accounts ?? '?'} accounts, ${report.differences?.length ?? '?'} differences, ${report.violations?.length ?? '?'} invariant violations (${report.eventsPerSecond ?? '?'} events/s)`,
    '',
  ];
  process.stdout.write(summary.join('\n'));
  return mismatches === 0 && negative === 0 && replay.status === 0 ? 0 : 1;
}

async function waitForBalances(expected: Map<string, number>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await verifyBalances(expected, false)) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('purchases did not reach the ledger within 30 s');
}

async function verifyBalances(expected: Map<string, number>, report = true): Promise<number> {
  let mismatches = 0;
  for (const [email, balance] of expected) {
    const reply = await call('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${domain}`);
    if (reply.status !== 200 || reply.body.balance !== balance) {
      mismatches++;
      if (report) process.stdout.write(`  MISMATCH ${email}: expected ${balance}, ledger says ${JSON.stringify(reply.body)}\n`);
    }
  }
  return mismatches;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`demo failed: ${error.message}\n`);
    process.exit(1);
  },
);
