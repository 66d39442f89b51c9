/**
 * The ledger's depth end to end, over HTTP, on the real services started as processes with their
 * own databases and NATS namespace: holds (reserve, capture, release, expiry by the ledger itself,
 * idempotency), holds and consumes racing on one account, grants (expiry, lot order, domain
 * scope), the history with its cursor, and the replay verifying every balance at the end.
 */
import { randomBytes } from 'node:crypto';
import { CreditHubClient } from '@credit-hub/sdk';
import { createDomainKey, eventually, gatewayRequest, hubClient, lastStatus, RawAnswer, runReplay, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
type Answer = RawAnswer;
type HistoryItem = { eventId: string; type: string; version: number; domain: string | null; creditsDelta: number; balanceAfter: number; details: any };

const suffix = randomBytes(3).toString('hex');
const namespace = `e2edepth${suffix}`;
const prefix = `test_e2e_depth_${suffix}`;
const demo = 'demo.localhost';
const notes = 'notes.localhost';
let system: System;
let demoKey: string;
let notesKey: string;
let demoHub: CreditHubClient;
let notesHub: CreditHubClient;

const customer = (name: string) => `${name}+${suffix}@example.com`;

/**
 * The commands by hand: their checks are of the HTTP exchange itself (201 or 200, the
 * problem+json content type of every refusal), which the SDK does not show.
 */
function api(method: string, path: string, body?: unknown, key: string = demoKey): Promise<Answer> {
  return gatewayRequest(system, method, path, { apiKey: key, body });
}

function expectProblem(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
  expect(answer.type).toContain('application/problem+json');
}

async function buy(email: string, offeringId: string, credits: number): Promise<void> {
  const checkout = await demoHub.createCheckout({ domain: demo, offeringId, email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  expect(lastStatus(demoHub)).toBe(200);
  const completed = await stripeStandin(system).completeCheckout(checkout.sessionId);
  expect(completed.status).toBe(200);
  await eventually(`${credits} credits bought by ${email}`, async () => (await spendable(email)) >= credits, 20_000);
}

async function balanceOf(email: string, domain = demo, hub = domain === demo ? demoHub : notesHub) {
  const reply = await hub.getBalance({ email, domain });
  expect(lastStatus(hub)).toBe(200);
  return reply;
}

async function spendable(email: string, domain = demo): Promise<number> {
  return (await balanceOf(email, domain)).balance;
}

async function historyPage(email: string, query = '', key = demoKey): Promise<Answer> {
  return api('GET', `/api/portfolio/credits/history?email=${encodeURIComponent(email)}${query}`, undefined, key);
}

async function fullHistory(email: string): Promise<HistoryItem[]> {
  const page = await demoHub.getHistory({ email, limit: 200 } as Parameters<CreditHubClient['getHistory']>[0]);
  expect(lastStatus(demoHub)).toBe(200);
  return page.items as HistoryItem[];
}

const reserve = (email: string, credits: number, referenceId: string, ttlSeconds = 600, key = demoKey, domain = demo) =>
  api('POST', '/api/portfolio/credits/reservations', { email, domain, credits, referenceId, ttlSeconds }, key);
const capture = (email: string, reservationId: string, credits: number, key = demoKey, domain = demo) =>
  api('POST', `/api/portfolio/credits/reservations/${reservationId}/capture`, { email, domain, credits, actionType: 'video_render' }, key);
const release = (email: string, reservationId: string) => api('POST', `/api/portfolio/credits/reservations/${reservationId}/release`, { email, domain: demo });
const consume = (email: string, credits: number, referenceId: string, key = demoKey, domain = demo) =>
  api('POST', '/api/portfolio/credits/consume', { email, domain, deltaCredits: -credits, actionType: 'ai_generation', referenceId }, key);
const grant = (email: string, body: Record<string, unknown>, key = demoKey, domain = demo) =>
  api('POST', '/api/portfolio/credits/grants', { email, domain, reason: 'e2e', ...body }, key);

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  demoKey = await createDomainKey(system, demo);
  notesKey = await createDomainKey(system, notes);
  demoHub = hubClient(system, demoKey);
  notesHub = hubClient(system, notesKey);
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('holds', () => {
  const ada = customer('ada');
  let holdId: string;

  it('a hold keeps its credits out of what is spendable: spendable = balance − holds', async () => {
    await buy(ada, 'pro_100', 100);
    const hold = await reserve(ada, 30, 'job-1');
    expect(hold.status).toBe(201);
    expect(hold.body).toMatchObject({ email: ada, domain: demo, referenceId: 'job-1', status: 'active', creditsReserved: 30, creditsCaptured: 0, balance: 100, spendable: 70, repeated: false });
    expect(Date.parse(hold.body.expiresAt)).toBeGreaterThan(Date.now() + 500_000);
    holdId = hold.body.reservationId;
    expect(await spendable(ada)).toBe(70);
  });

  it('the same referenceId again answers the same reservation with 200; other credits are a 409', async () => {
    const again = await reserve(ada, 30, 'job-1');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ reservationId: holdId, repeated: true, eventId: null, spendable: 70 });
    expectProblem(await reserve(ada, 31, 'job-1'), 409, 'reference_conflict');
    expectProblem(await consume(ada, 30, 'job-1'), 409, 'reference_conflict'); // one referenceId space per domain
    expect(await spendable(ada)).toBe(70);
  });

  it('capturing part of a hold spends that part and releases the rest; a repeat answers the same', async () => {
    expectProblem(await capture(ada, holdId, 31), 409, 'capture_exceeds_reservation');
    const captured = await capture(ada, holdId, 12);
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ reservationId: holdId, status: 'captured', creditsReserved: 30, creditsCaptured: 12, balance: 88, spendable: 88, repeated: false });
    expect(await spendable(ada)).toBe(88);
    expect((await capture(ada, holdId, 12)).body).toMatchObject({ status: 'captured', repeated: true, balance: 88 });
    expectProblem(await capture(ada, holdId, 5), 409, 'reservation_closed');
    expectProblem(await release(ada, holdId), 409, 'reservation_closed');
  });

  it('a released hold gives its credits back; releasing again is a repeat, capturing it a 409', async () => {
    const hold = await reserve(ada, 10, 'job-2');
    expect(hold.body.spendable).toBe(78);
    const released = await release(ada, hold.body.reservationId);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ status: 'released', creditsCaptured: 0, balance: 88, spendable: 88, repeated: false });
    expect((await release(ada, hold.body.reservationId)).body).toMatchObject({ status: 'released', repeated: true });
    expectProblem(await capture(ada, hold.body.reservationId, 1), 409, 'reservation_closed');
    expect(await spendable(ada)).toBe(88);
  });

  it('refuses an unknown reservation (404), another domain (403), and a hold above the spendable credits (402)', async () => {
    expectProblem(await capture(ada, 'rsv_does_not_exist', 1), 404, 'reservation_not_found');
    const hold = await reserve(ada, 1, 'job-3');
    expectProblem(await capture(ada, hold.body.reservationId, 1, notesKey), 403, 'forbidden_domain');
    expectProblem(await capture(ada, hold.body.reservationId, 1, notesKey, notes), 404, 'reservation_not_found');
    expect((await release(ada, hold.body.reservationId)).status).toBe(200);
    expectProblem(await reserve(ada, 89, 'job-too-big'), 402, 'insufficient_credits');
    expectProblem(await reserve(ada, 5, 'job-x', 0), 400, 'validation_failed');
  });

  it("refuses a capture or release naming another customer's reservation, and writes nothing", async () => {
    const hold = await reserve(ada, 1, 'job-4');
    const before = (await fullHistory(ada)).length;
    for (const answer of [await capture(customer('mallory'), hold.body.reservationId, 1), await api('POST', `/api/portfolio/credits/reservations/${hold.body.reservationId}/release`, { email: customer('mallory'), domain: demo })]) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.type).toContain('application/problem+json');
    }
    expect(await fullHistory(ada)).toHaveLength(before);
    expect((await historyPage(customer('mallory'))).body.items).toEqual([]);
    expect((await release(ada, hold.body.reservationId)).status).toBe(200);
  });

  // Found by this suite: the ledger once loaded a reservation by id from any account; fixed by
  // loading holds by id only from the caller's own account.
  it("answers 404 reservation_not_found for another customer's reservation", async () => {
    const hold = await reserve(ada, 1, 'job-5');
    const answer = await capture(customer('mallory'), hold.body.reservationId, 1);
    expect((await release(ada, hold.body.reservationId)).status).toBe(200);
    expectProblem(answer, 404, 'reservation_not_found');
  });

  it('a hold not captured in time is released by the ledger itself (ReservationReleased, reason expired)', async () => {
    const hold = await reserve(ada, 5, 'job-ttl', 2);
    expect(hold.body.spendable).toBe(83);
    const expired = await eventually('the ledger to release the expired hold', async () => {
      const items = await fullHistory(ada);
      return items.find((i) => i.type === 'ReservationReleased' && i.details.reservationId === hold.body.reservationId);
    }, 20_000);
    expect(expired.details.reason).toBe('expired');
    expect(expired.creditsDelta).toBe(0);
    expect(await spendable(ada)).toBe(88);
    expectProblem(await capture(ada, hold.body.reservationId, 5), 409, 'reservation_closed');
  });

  it('lists the history newest first, each with the balance after it, page by page with the cursor', async () => {
    const all = await fullHistory(ada);
    expect(all.map((i) => i.type)).toEqual(expect.arrayContaining(['CreditsPurchased', 'CreditsReserved', 'ReservationCaptured', 'ReservationReleased']));
    expect(all[all.length - 1]).toMatchObject({ type: 'CreditsPurchased', creditsDelta: 100, balanceAfter: 100 });
    expect(all[0].balanceAfter).toBe(88);
    for (let i = 0; i + 1 < all.length; i++) {
      expect(all[i].version).toBeGreaterThan(all[i + 1].version);
      expect(all[i].balanceAfter).toBe(all[i + 1].balanceAfter + all[i].creditsDelta);
    }
    expect(all.find((i) => i.type === 'ReservationCaptured')).toMatchObject({ creditsDelta: -12, balanceAfter: 88, referenceId: 'job-1', actionType: 'video_render' });

    const paged: HistoryItem[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await historyPage(ada, `&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor !== null && paged.length <= all.length);
    expect(paged.map((i) => i.eventId)).toEqual(all.map((i) => i.eventId));
  });

  it('refuses a malformed history query with the field named', async () => {
    expect((await historyPage(ada, '&limit=abc')).body).toMatchObject({ code: 'validation_failed', field: 'limit' });
    expect((await historyPage(ada, '&limit=201')).body).toMatchObject({ code: 'validation_failed', field: 'limit' });
    expect((await historyPage(ada, '&cursor=zzz')).body).toMatchObject({ code: 'validation_failed', field: 'cursor' });
    expectProblem(await historyPage(ada, `&domain=${notes}`), 403, 'forbidden_domain');
  });
});

describe('holds and consumes racing on one account', () => {
  const bob = customer('bob');

  it('never overdraw: 30 holds of 5 and 30 consumes of 3 on 100 credits, then every hold captured at 2', async () => {
    await buy(bob, 'pro_100', 100);
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => [reserve(bob, 5, `race-hold-${i}`), consume(bob, 3, `race-use-${i}`)]).flat(),
    );
    const holds = replies.filter((_, i) => i % 2 === 0);
    const uses = replies.filter((_, i) => i % 2 === 1);
    for (const r of replies) {
      if (r.status >= 300) expectProblem(r, 402, 'insufficient_credits');
      else expect(r.body.balance).toBeGreaterThanOrEqual(0);
    }
    const heldOk = holds.filter((r) => r.status === 201);
    const usedOk = uses.filter((r) => r.status === 200);
    expect(heldOk.length * 5 + usedOk.length * 3).toBeLessThanOrEqual(100);
    expect(heldOk.length * 5 + usedOk.length * 3).toBeGreaterThan(100 - 5); // refused only when too little was left
    for (const r of heldOk) expect(r.body.spendable).toBeGreaterThanOrEqual(0);

    const captures = await Promise.all(heldOk.map((r) => capture(bob, r.body.reservationId, 2)));
    for (const c of captures) expect(c.status).toBe(200);
    const expected = 100 - 2 * heldOk.length - 3 * usedOk.length;
    expect(expected).toBeGreaterThanOrEqual(0);
    expect(await spendable(bob)).toBe(expected);
    expect((await fullHistory(bob))[0].balanceAfter).toBe(expected);
  });
});

describe('grants', () => {
  it('a grant expiring a few seconds ahead is expired by the ledger (CreditsExpired, balance down)', async () => {
    const cleo = customer('cleo');
    const granted = await grant(cleo, { credits: 10, grantId: 'promo-short', expiresAt: inSeconds(3) });
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ balance: 10, repeated: false });
    expect(await spendable(cleo)).toBe(10);
    const again = await grant(cleo, { credits: 10, grantId: 'promo-short', expiresAt: inSeconds(3) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ lotId: granted.body.lotId, repeated: true });

    const expired = await eventually('the ledger to expire the grant', async () => (await fullHistory(cleo)).find((i) => i.type === 'CreditsExpired'), 20_000);
    expect(expired).toMatchObject({ creditsDelta: -10, balanceAfter: 0 });
    expect(expired.details.lotId).toBe(granted.body.lotId);
    expect(await spendable(cleo)).toBe(0);
    expectProblem(await consume(cleo, 1, 'after-expiry'), 402, 'insufficient_credits');
  });

  it('an expiring grant is drawn before a paid lot', async () => {
    const dora = customer('dora');
    await buy(dora, 'starter_3', 3);
    const granted = await grant(dora, { credits: 5, grantId: 'goodwill-1', reason: 'sorry for the outage', expiresAt: inSeconds(3600) });
    expect(granted.status).toBe(201);
    expect((await consume(dora, 4, 'gen-1')).body).toMatchObject({ balance: 4 });
    const lots = (await balanceOf(dora)).lots as { lotId: string; kind: string; creditsRemaining: number }[];
    expect(lots.find((l) => l.lotId === granted.body.lotId)).toMatchObject({ kind: 'granted', creditsRemaining: 1 });
    expect(lots.find((l) => l.kind === 'purchased')).toMatchObject({ creditsRemaining: 3 });
    const consumed = (await fullHistory(dora)).find((i) => i.type === 'CreditsConsumed')!;
    expect(consumed.details.draws).toEqual([{ lotId: granted.body.lotId, credits: 4 }]);
    expect((await fullHistory(dora)).find((i) => i.type === 'CreditsGranted')).toMatchObject({ creditsDelta: 5, details: { reason: 'sorry for the outage' } });
  });

  it('a domain-scoped grant is not spendable on another domain; a portfolio grant is', async () => {
    const eve = customer('eve');
    expect((await grant(eve, { credits: 5, grantId: 'demo-only', scope: 'domain' })).status).toBe(201);
    expect(await spendable(eve, demo)).toBe(5);
    expect(await spendable(eve, notes)).toBe(0);
    expectProblem(await consume(eve, 1, 'notes-1', notesKey, notes), 402, 'insufficient_credits');
    expectProblem(await reserve(eve, 1, 'notes-hold', 60, notesKey, notes), 402, 'insufficient_credits');

    expect((await grant(eve, { credits: 2, grantId: 'notes-portfolio', scope: 'portfolio' }, notesKey, notes)).status).toBe(201);
    expect(await spendable(eve, notes)).toBe(2);
    expect(await spendable(eve, demo)).toBe(7);
    expect((await consume(eve, 2, 'notes-2', notesKey, notes)).status).toBe(200);
    expect((await consume(eve, 5, 'demo-1')).body).toMatchObject({ balance: 0 });
  });

  it('keeps a key to its own domain and refuses a grant without a reason', async () => {
    expectProblem(await grant(customer('eve'), { credits: 1, grantId: 'x' }, notesKey), 403, 'forbidden_domain');
    expect((await api('POST', '/api/portfolio/credits/grants', { email: customer('eve'), domain: demo, credits: 1, grantId: 'y' })).body).toMatchObject({ code: 'validation_failed', field: 'reason' });
    expect((await grant(customer('eve'), { credits: 1, grantId: 'z', scope: 'galaxy' })).body).toMatchObject({ code: 'validation_failed', field: 'scope' });
  });
});

describe('the event log', () => {
  it('replays into the same balances and lots (npm run replay exits 0)', async () => {
    const result = await runReplay(system, []);
    expect(result.stdout).toContain('verified');
    expect(result.code).toBe(0);
  });

  it('documents the new endpoints in the OpenAPI document', async () => {
    const document = (await (await fetch(`${system.urls.gateway}/docs-json`)).json()) as { paths: Record<string, Record<string, any>> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining([
      '/api/portfolio/credits/reservations',
      '/api/portfolio/credits/reservations/{reservationId}/capture',
      '/api/portfolio/credits/reservations/{reservationId}/release',
      '/api/portfolio/credits/grants',
      '/api/portfolio/credits/history',
    ]));
    const reserveDoc = document.paths['/api/portfolio/credits/reservations'].post;
    expect(Object.keys(reserveDoc.responses)).toEqual(expect.arrayContaining(['200', '201', '402', '409']));
  });
});
