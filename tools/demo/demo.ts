/**
 * `npm run demo`: drives a started system (`npm start`) through its public API only:
 * 50 customers buy credit packs through checkout (the Stripe stand-in completes the sessions; some
 * webhooks are delivered twice and out of order), thousands of consumptions over several action
 * types follow (with retried referenceIds and customers running out of credits), then the ledger
 * replay verifies every balance. Prints a summary; exits non-zero if anything disagrees.
 *
 * Last, one connected builder (Stripe Connect): a builder key over notes.localhost and slides.localhost
 * onboards one Stripe account, a sale on notes is a direct charge on it with the platform's fee, the
 * credits are spent on slides and refused on demo.localhost, and a money refund on slides is made on
 * the builder's account with the fee given back.
 *
 * Env: DEMO_GATEWAY_URL (http://127.0.0.1:3000), DEMO_STANDIN_URL (http://127.0.0.1:12111),
 * DEMO_API_KEY (else tmp/demo-api-key written by npm start), DEMO_CUSTOMERS (50), DEMO_CONSUMES (2000).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
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
  const refunds = await refundsDemo([...new Set(done.map((d) => d.email))], expected);
  const plans = await plansAndDisputesDemo();
  const holds = await holdsAndGrantsDemo(emails.slice(0, 12));
  const connected = await connectDemo();

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
    refunds.line,
    plans.line,
    holds.line,
    connected.line,
    `  replay              exit ${replay.status}: ${report.events ?? '?'} events, ${report.accounts ?? '?'} accounts, ${report.differences?.length ?? '?'} differences, ${report.violations?.length ?? '?'} invariant violations (${report.eventsPerSecond ?? '?'} events/s)`,
    '',
  ];
  process.stdout.write(summary.join('\n'));
  return mismatches === 0 && negative === 0 && replay.status === 0 && refunds.problems === 0 && plans.problems === 0 && holds.problems === 0 && connected.problems === 0 ? 0 : 1;
}

/**
 * Grants and holds (what builders of long AI jobs otherwise write by hand): each customer gets a
 * welcome grant that expires in two seconds (the ledger expires it by itself), then places a hold
 * for a job; half capture part of it (the rest is released), a quarter release it, and a quarter
 * leave it to expire (the ledger releases it). Every spendable balance is checked.
 */
async function holdsAndGrantsDemo(emails: string[]): Promise<{ line: string; problems: number }> {
  process.stdout.write(`grants and holds for ${emails.length} customers…\n`);
  let problems = 0;
  const spendable = async (email: string) => (await call('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${domain}`)).body.balance as number;
  const tally = { granted: 0, expiredGrants: 0, captured: 0, released: 0, expiredHolds: 0 };
  const before = new Map<string, number>();
  for (const email of emails) {
    before.set(email, await spendable(email));
    const grant = await call('POST', '/api/portfolio/credits/grants', {
      email, domain, credits: 25, grantId: `welcome-${run}`, reason: 'welcome bonus', priority: 5, expiresAt: new Date(Date.now() + 2000).toISOString(),
    });
    if (grant.status !== 201) problems++;
    else tally.granted += 25;
  }
  for (const [i, email] of emails.entries()) {
    const hold = await call('POST', '/api/portfolio/credits/reservations', { email, domain, credits: 10, referenceId: `job-${run}-${i}`, ttlSeconds: i % 4 === 3 ? 1 : 60 });
    if (hold.status !== 201) { problems++; continue; }
    const id = hold.body.reservationId;
    if (i % 2 === 0) {
      const captured = await call('POST', `/api/portfolio/credits/reservations/${id}/capture`, { email, domain, credits: 6, actionType: 'video_generation' });
      if (captured.status === 200) tally.captured += 6; else problems++;
    } else if (i % 4 === 1) {
      const released = await call('POST', `/api/portfolio/credits/reservations/${id}/release`, { email, domain });
      if (released.status === 200) tally.released += 10; else problems++;
    } else tally.expiredHolds++;
  }
  await new Promise((resolve) => setTimeout(resolve, 4000)); // grants and 1-second holds expire; the ledger acts within a second
  for (const email of emails) {
    // Holds draw the lot expiring soonest (the welcome grant), so captures spend credits that would
    // have expired anyway: every customer's own credits are untouched.
    const expected = before.get(email)!;
    const now = await spendable(email);
    if (now !== expected) {
      problems++;
      process.stdout.write(`  MISMATCH ${email}: spendable ${now}, expected ${expected}\n`);
    } else tally.expiredGrants += 25;
  }
  return {
    line: `  grants and holds    ${tally.granted} credits granted, the unspent ones expired by the ledger; holds: ${tally.captured} credits captured (from the expiring grant first), ${tally.released} released, ${tally.expiredHolds} expired by the ledger; own credits untouched for ${tally.expiredGrants / 25}/${emails.length}; ${problems} problems`,
    problems,
  };
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

/**
 * Refunds for feedback: a few customers who used credits ask for a refund in the portal
 * with varied feedback (credits back at once), and one new customer gets the unused part of a
 * pack back as money through Stripe. Checked through the builder's API and the balances.
 */
async function refundsDemo(consumers: string[], expected: Map<string, number>): Promise<{ line: string; problems: number }> {
  const feedbacks = [
    { tried: 'Product descriptions for my shop', didNotWork: 'They all sounded the same', wouldBringBack: 'A tone-of-voice setting', category: 'quality', rating: '2' },
    { tried: 'Batch image generation', didNotWork: 'Each image took over a minute', wouldBringBack: 'Faster queues at peak hours', category: 'speed', rating: '3' },
    { tried: 'Video clips for ads', didNotWork: 'Too expensive per clip for my budget', wouldBringBack: 'A cheaper video pack', category: 'price', rating: '4' },
    { tried: 'Analysis of a CSV export', didNotWork: 'It failed on files over 5 MB', wouldBringBack: 'Large files working', category: 'bug', rating: '1' },
    { tried: 'Summaries of meeting notes', didNotWork: 'No export to my notes app', wouldBringBack: 'A Notion export', category: 'missing_feature', rating: '' },
    { tried: 'A few test prompts', didNotWork: 'I needed something else after all', wouldBringBack: 'Nothing for now, thanks', category: 'other', rating: '5' },
  ];
  let problems = 0;
  let creditsBack = 0;
  let done = 0;
  const refunded = consumers.slice(0, 8);
  process.stdout.write(`${refunded.length} customers ask for a refund in the portal, one for money back…\n`);
  const submit = async (email: string, fields: Record<string, string>): Promise<{ status: number; body: any }> => {
    const session = await call('POST', '/api/portal/sessions', { email, domain, returnUrl: 'https://demo.localhost/account' });
    if (session.status !== 200) throw new Error(`portal session failed: ${JSON.stringify(session.body)}`);
    const form = new URLSearchParams({ requestKey: `demo-${run}-${randomBytes(4).toString('hex')}`, kind: 'credits', lotId: '', ...fields });
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${session.body.url}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      await response.text();
      // The refunds service reads consumptions from the ledger's stream: give it a moment.
      if (response.status !== 409 || attempt >= 20) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const list = await call('GET', `/api/refund/requests?domain=${domain}&limit=100`);
    return { status: list.status, body: list.body.items?.find((r: { email: string }) => r.email === email) };
  };
  for (const [i, email] of refunded.entries()) {
    const request = (await submit(email, feedbacks[i % feedbacks.length])).body;
    if (request?.status !== 'completed') {
      problems++;
      process.stdout.write(`  REFUND NOT DONE for ${email}: ${JSON.stringify(request)}\n`);
      continue;
    }
    creditsBack += request.creditsRefunded;
    done++;
    expected.set(email, expected.get(email)! + request.creditsRefunded);
  }
  // One customer buys a pro pack, uses 30 credits, and has the 70 unused ones refunded as money.
  const buyer = `money.${run}@example.com`;
  const checkout = await call('POST', '/api/billing/checkout', { domain, offeringId: 'pro_100', email: buyer, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  await standinPost(`/test/checkout/sessions/${checkout.body.sessionId}/complete`);
  expected.set(buyer, 100);
  await waitForBalances(new Map([[buyer, 100]]));
  for (let i = 0; i < 3; i++) await call('POST', '/api/portfolio/credits/consume', { email: buyer, domain, deltaCredits: -10, actionType: 'video_generation', referenceId: `demo-${run}-money-${i}` });
  const lot = (await call('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(buyer)}&domain=${domain}`)).body.lots[0];
  const money = (await submit(buyer, { ...feedbacks[2], kind: 'money', lotId: lot.lotId })).body;
  if (money?.status !== 'completed' || money.moneyRefunded?.amountMinor !== 3430) {
    problems++;
    process.stdout.write(`  MONEY REFUND NOT AS EXPECTED: ${JSON.stringify(money)}\n`);
  }
  expected.set(buyer, 0);
  const refundedBalances = new Map([...refunded, buyer].map((email) => [email, expected.get(email)!]));
  problems += await verifyBalances(refundedBalances);
  const cents = money?.moneyRefunded?.amountMinor ?? 0;
  const line = `  refunds             ${done} credit refunds in the portal (${creditsBack} credits back, varied feedback); 1 money refund of $${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')} for 70 unused credits through Stripe`;
  return { line, problems };
}

/**
 * Plans and a dispute, through the gateway and the stand-in's test clock: a subscriber of
 * builder_monthly goes trial → reminder (day 11) → first charge (day 15) → a failed renewal
 * (plan credits usable during the grace, refused with payment_past_due after it) → recovery; a
 * pack buyer disputes the charge (account frozen, evidence staged for review) and the dispute is won.
 */
async function plansAndDisputesDemo(): Promise<{ line: string; problems: number }> {
  let problems = 0;
  const check = (ok: boolean, what: string) => {
    if (ok) return;
    problems++;
    process.stdout.write(`  PLAN/DISPUTE NOT AS EXPECTED: ${what}\n`);
  };
  const until = async (probe: () => Promise<boolean>): Promise<boolean> => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (await probe()) return true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return false;
  };
  const stripeGet = async (path: string): Promise<any> => (await fetch(`${standin}${path}`, { headers: { authorization: 'Bearer sk_test_demo' } })).json();
  const advance = (days: number) => standinPost('/test/clock/advance', { days });
  const consume = (email: string, credits: number, ref: string) =>
    call('POST', '/api/portfolio/credits/consume', { email, domain, deltaCredits: -credits, actionType: 'ai_generation', referenceId: `demo-${run}-${ref}` });

  const subscriber = `plan.${run}@example.com`;
  process.stdout.write('a subscriber goes trial → renewal → payment failure → recovery; a customer disputes a charge…\n');
  const subscription = async () => (await call('GET', `/api/billing/subscriptions?email=${encodeURIComponent(subscriber)}`)).body.subscriptions?.[0];
  const checkout = await call('POST', '/api/billing/checkout', { domain, offeringId: 'builder_monthly', email: subscriber, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  if (checkout.status !== 200) throw new Error(`plan checkout failed: ${JSON.stringify(checkout.body)}`);
  const completed = await standinPost(`/test/checkout/sessions/${checkout.body.sessionId}/complete`);
  const { customer, subscription: subscriptionId } = completed.event.data.object;
  check((await subscription())?.status === 'trialing', 'trialing as soon as the checkout completed');
  check(await until(async () => (await consume(subscriber, 5, 'plan-trial')).status === 200), 'plan credits usable during the trial');
  await advance(11);
  check((await subscription())?.trialWillEndAt !== null, 'the trial_will_end reminder recorded on day 11');
  await advance(4);
  const charged = await subscription();
  check(charged?.status === 'active', 'active and charged on day 15');
  await standinPost(`/test/customers/${customer}/fail_payments`, { fail: true });
  const now = (await (await fetch(`${standin}/test/clock`)).json()) as { now: number };
  await advance((Date.parse(charged.currentPeriodEnd) / 1000 - now.now) / 86_400 + 0.5); // just past the renewal, which fails
  const pastDue = await subscription();
  check(pastDue?.status === 'past_due' && pastDue.graceEndsAt !== null, 'past due with a grace after the failed renewal');
  check(await until(async () => (await consume(subscriber, 5, 'plan-grace')).status === 200), 'plan credits usable during the grace');
  await advance(3); // past the 3-day grace: the retry fails too
  check(await until(async () => (await consume(subscriber, 5, `plan-blocked-${Date.now()}`)).body?.code === 'payment_past_due'), 'payment_past_due once the grace is over');
  await standinPost(`/test/customers/${customer}/fail_payments`, { fail: false });
  const open = (await stripeGet(`/v1/invoices?subscription=${subscriptionId}&status=open`)).data?.[0];
  if (open) await standinPost(`/test/invoices/${open.id}/pay`);
  check(await until(async () => (await consume(subscriber, 5, 'plan-recovered')).status === 200), 'plan credits usable again once paid');

  const disputer = `dispute.${run}@example.com`;
  const pack = await call('POST', '/api/billing/checkout', { domain, offeringId: 'pro_100', email: disputer, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  const paid = await standinPost(`/test/checkout/sessions/${pack.body.sessionId}/complete`);
  await waitForBalances(new Map([[disputer, 100]]));
  for (let i = 0; i < 3; i++) await consume(disputer, 4, `dispute-use-${i}`);
  const chargeId = (await stripeGet(`/v1/payment_intents/${paid.event.data.object.payment_intent}`)).latest_charge;
  const disputeId = (await standinPost(`/test/charges/${chargeId}/dispute`, { reason: 'fraudulent' })).dispute.id;
  check(await until(async () => (await consume(disputer, 1000, `dispute-frozen-${Date.now()}`)).body?.code === 'account_frozen'), 'account_frozen while the dispute is open');
  check(await until(async () => Boolean((await stripeGet(`/v1/disputes/${disputeId}`)).evidence?.access_activity_log)), 'evidence staged on the dispute for review');
  const staged = await stripeGet(`/v1/disputes/${disputeId}`);
  check(staged.status === 'needs_response', 'the evidence is a draft (not submitted)');
  await standinPost(`/test/disputes/${disputeId}/close`, { outcome: 'won' });
  check(await until(async () => (await consume(disputer, 1, 'dispute-won')).status === 200), 'unfrozen once the dispute is won');
  const line = `  plans & disputes    builder_monthly: trial → reminder day 11 → charged day 15 → renewal failed (usable in grace, payment_past_due after) → paid, usable again; 1 dispute: frozen, evidence staged (${staged.evidence?.access_activity_log?.split('\n').length - 1} uses), won, unfrozen`;
  return { line, problems };
}

/** Runs the gateway's API key CLI (against its default database, as `npm start` uses) and answers the new key. */
async function createKey(args: string[]): Promise<string> {
  // Asynchronous, so the event loop keeps running: a blocked loop lets the gateway close idle keep-alive sockets unseen.
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', join(root, 'tools', 'scripts', 'register-paths.js'), join(root, 'dist', 'apps', 'gateway', 'src', 'cli', 'apikey.main.js'), 'create', ...args, '--label', `demo-connect-${run}`, '--json'], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { key: string }).key;
}

/**
 * One connected builder (Stripe Connect): "Notes Studio" owns notes.localhost and slides.localhost
 * and connects its own Stripe account (the stand-in's hosted onboarding, completed); a notes pack is
 * a direct charge on that account with the platform's fee (floor(amount × bps / 10 000)); the
 * credits are spendable on slides (same builder) and refused on demo.localhost (the platform's); a
 * money refund on slides is made on the builder's account and gives the fee back in proportion.
 */
async function connectDemo(): Promise<{ line: string; problems: number }> {
  process.stdout.write('a builder connects its own Stripe account for notes.localhost and slides.localhost…\n');
  let problems = 0;
  const check = (ok: boolean, what: string) => {
    if (ok) return;
    problems++;
    process.stdout.write(`  CONNECT NOT AS EXPECTED: ${what}\n`);
  };
  const keys = {
    builder: await createKey(['--builder', 'Notes Studio', '--domains', 'notes.localhost,slides.localhost']),
    notes: await createKey(['--domain', 'notes.localhost']),
    slides: await createKey(['--domain', 'slides.localhost']),
  };
  const as = async (bearer: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const until = async (probe: () => Promise<boolean>): Promise<boolean> => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (await probe()) return true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return false;
  };
  const balanceOn = async (bearer: string, email: string, onDomain: string) =>
    (await as(bearer, 'GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${onDomain}`)).body;
  const stripeGet = async (path: string): Promise<any> => (await fetch(`${standin}${path}`, { headers: { authorization: 'Bearer sk_test_demo' } })).json();

  const onboarding = await as(keys.builder, 'POST', '/api/billing/connect/onboarding', {});
  if (onboarding.status !== 200) throw new Error(`Connect onboarding failed: ${JSON.stringify(onboarding.body)}`);
  const accountId: string = onboarding.body.accountId;
  if (onboarding.body.status !== 'ready') {
    const token = new URL(onboarding.body.onboardingUrl).pathname.split('/').pop();
    await standinPost(`/test/account_links/${token}/complete`);
  }
  const ready = await until(async () => (await as(keys.builder, 'GET', '/api/billing/connect')).body.domains.every((d: { status: string }) => d.status === 'ready'));
  check(ready, `${accountId} ready for both domains`);

  const buyer = `studio.${run}@example.com`;
  const checkout = await as(keys.notes, 'POST', '/api/billing/checkout', { domain: 'notes.localhost', offeringId: 'notes_50', email: buyer, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  if (checkout.status !== 200) throw new Error(`connected checkout failed: ${JSON.stringify(checkout.body)}`);
  const paid = await standinPost(`/test/checkout/sessions/${checkout.body.sessionId}/complete`);
  check(paid.event.account === accountId && paid.delivery?.status === 200, 'the payment is a Connect event of the builder\'s account, accepted');
  check(await until(async () => (await balanceOn(keys.notes, buyer, 'notes.localhost')).balance === 50), '50 credits on notes.localhost');
  const fee = (await stripeGet('/v1/application_fees?limit=100')).data?.find((f: { account: string; amount: number }) => f.account === accountId && f.amount === 45);
  check(Boolean(fee), 'the platform fee of €0.45 (5 % of €9.00, rounded down) on the direct charge');
  check((await as(keys.slides, 'POST', '/api/portfolio/credits/consume', { email: buyer, domain: 'slides.localhost', deltaCredits: -10, actionType: 'ai_generation', referenceId: `demo-${run}-studio-1` })).status === 200, 'the credits spend on slides.localhost (same builder)');
  check((await balanceOn(key, buyer, domain)).balance === 0, 'the builder\'s credits are not spendable on demo.localhost');
  check((await call('POST', '/api/portfolio/credits/consume', { email: buyer, domain, deltaCredits: -1, actionType: 'ai_generation', referenceId: `demo-${run}-studio-2` })).status === 402, 'refused on demo.localhost');

  // A slides pack refunded as money: made on the builder's account, the fee given back in proportion.
  const refunder = `studio.refund.${run}@example.com`;
  const slidesCheckout = await as(keys.slides, 'POST', '/api/billing/checkout', { domain: 'slides.localhost', offeringId: 'slides_20', email: refunder, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  await standinPost(`/test/checkout/sessions/${slidesCheckout.body.sessionId}/complete`);
  check(await until(async () => (await balanceOn(keys.slides, refunder, 'slides.localhost')).balance === 20), '20 credits on slides.localhost');
  await as(keys.slides, 'POST', '/api/portfolio/credits/consume', { email: refunder, domain: 'slides.localhost', deltaCredits: -5, actionType: 'ai_generation', referenceId: `demo-${run}-studio-3` });
  const lot = (await balanceOn(keys.slides, refunder, 'slides.localhost')).lots[0];
  const session = await as(keys.slides, 'POST', '/api/portal/sessions', { email: refunder, domain: 'slides.localhost', returnUrl: 'https://slides.localhost/account' });
  const form = new URLSearchParams({ requestKey: `demo-${run}-studio`, kind: 'money', lotId: lot.lotId, tried: 'Slides from my notes', didNotWork: 'Charts came out blank', wouldBringBack: 'Working charts', category: 'bug', rating: '2' });
  await (await fetch(`${session.body.url}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() })).text();
  const list = await as(keys.slides, 'GET', '/api/refund/requests?domain=slides.localhost&limit=100');
  const refund = list.body.items?.find((r: { email: string }) => r.email === refunder);
  check(refund?.status === 'completed' && refund.moneyRefunded?.amountMinor === 750, `a money refund of $7.50 for 15 unused credits (got ${JSON.stringify(refund?.moneyRefunded)})`);
  const slidesFee = (await stripeGet('/v1/application_fees?limit=100')).data?.find((f: { account: string; amount: number }) => f.account === accountId && f.amount === 50);
  check(slidesFee?.amount_refunded === 38, `the fee given back in proportion: 38 of 50 cents (got ${slidesFee?.amount_refunded})`);
  const line = `  connect             builder "Notes Studio": notes.localhost + slides.localhost on ${accountId} (ready); a €9.00 direct charge (platform fee €0.45), credits spent on slides, refused on demo.localhost; a $7.50 money refund on the builder's account (fee $0.38 given back); ${problems} problems`;
  return { line, problems };
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`demo failed: ${error.message}${error.cause ? ` (${String(error.cause)})` : ""}\n`);
    process.exit(1);
  },
);
