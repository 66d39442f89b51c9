/**
 * Concurrency races over HTTP, end to end on the started system: the same referenceId
 * sent 50 times at once (one event, identical answers); consumes, holds, captures and releases
 * racing on one account (never overdrawn, every credit accounted for); refunds racing with
 * consumes (never more refunded than consumed, the refund policy's limits hold under
 * concurrency, a money refund's credits never spent twice). The replay verifies every account at
 * the end.
 */
import { randomBytes } from 'node:crypto';
import { Answer } from '../chaos/src/http';
import { HubApi, pause } from '../chaos/src/hub-api';
import { retry } from '../chaos/src/load';
import { refundTerminalStatuses, standinRefunds } from '../chaos/src/load-checks';
import { fundedCustomer, SpecSystem, startSpecSystem } from '../chaos/src/spec-support';

const suffix = randomBytes(3).toString('hex');
const customer = (name: string) => `${name}+${suffix}@example.com`;
let spec: SpecSystem;
let api: HubApi;

beforeAll(async () => {
  spec = await startSpecSystem('races', { env: { GATEWAY_RATE_LIMIT_PER_KEY: '100000', GATEWAY_RATE_LIMIT_ANONYMOUS: '100000' } });
  api = spec.demoApi;
}, 120_000);

afterAll(async () => {
  await spec?.system.destroy();
}, 60_000);

const ok = (answers: Answer[]) => answers.filter((a) => a.status >= 200 && a.status < 300);

describe('the same referenceId 50 times at once', () => {
  it('makes one event, and all 50 answers name it with the same balance; exactly one is not a repeat', async () => {
    const email = customer('same');
    await fundedCustomer(api, email, 'pro_100', 100);
    const answers = await Promise.all(Array.from({ length: 50 }, () => api.consume(email, 3, `same-${suffix}`)));
    const events = await spec.system.count('ledger', `SELECT count(*) FROM ledger_events WHERE type = 'CreditsConsumed' AND data->>'referenceId' = $1`, [`same-${suffix}`]);
    const seen = {
      statuses: [...new Set(answers.map((a) => a.status))],
      eventIds: new Set(answers.map((a) => a.body?.eventId)).size,
      balances: [...new Set(answers.map((a) => a.body?.balance))],
      firstAnswers: answers.filter((a) => a.body?.repeated === false).length,
      events,
    };
    expect(seen).toEqual({ statuses: [200], eventIds: 1, balances: [97], firstAnswers: 1, events: 1 });
    expect((await api.balance(email)).body.balance).toBe(97);
  });

  it('with different credits: one consumption wins, the others are 409 reference_conflict or repeats of the winner', async () => {
    const email = customer('conflict');
    await fundedCustomer(api, email, 'pro_100', 100);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => api.consume(email, 1 + (i % 5), `conflict-${suffix}`)));
    const winners = ok(answers);
    expect(new Set(winners.map((a) => a.body.eventId)).size).toBe(1);
    const winner = answers.find((a) => a.status === 200 && a.body.repeated === false);
    expect(winner).toBeDefined();
    for (const answer of answers.filter((a) => a.status !== 200)) expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 409, code: 'reference_conflict' });
    expect((await api.balance(email)).body.balance).toBe(winner?.body.balance);
  });
});

describe('consumes, holds, captures and releases racing on one account', () => {
  it('never overdraws: every acknowledged credit is accounted for and spendable never goes below 0', async () => {
    const email = customer('hot');
    await fundedCustomer(api, email, 'pro_100', 100);
    const consumes = Array.from({ length: 40 }, (_, i) => api.consume(email, 3, `hot-c-${suffix}-${i}`));
    const holds = Array.from({ length: 20 }, async (_, i) => {
      const hold = await api.reserve(email, 5, `hot-h-${suffix}-${i}`);
      if (hold.status !== 201) return { hold, settled: undefined };
      const settled = i % 2 === 0 ? await api.capture(email, hold.body.reservationId, 3) : await api.release(email, hold.body.reservationId);
      return { hold, settled };
    });
    const [consumed, held] = await Promise.all([Promise.all(consumes), Promise.all(holds)]);
    for (const answer of [...consumed, ...held.map((h) => h.hold)]) {
      expect([200, 201, 402]).toContain(answer.status);
      if (answer.status === 402) expect(answer.body.code).toBe('insufficient_credits');
      if (answer.status < 300) expect(answer.body.balance ?? 0).toBeGreaterThanOrEqual(0);
    }
    const consumedCredits = ok(consumed).length * 3;
    const captures = held.filter((h) => h.settled?.status === 200 && h.settled.body.status === 'captured');
    const releases = held.filter((h) => h.settled?.status === 200 && h.settled.body.status === 'released');
    expect(captures.length + releases.length).toBe(held.filter((h) => h.hold.status === 201).length);
    const capturedCredits = captures.reduce((sum, h) => sum + (h.settled?.body.creditsCaptured as number), 0);
    expect(consumedCredits + capturedCredits).toBeLessThanOrEqual(100);
    const balance = (await api.balance(email)).body.balance;
    expect(balance).toBe(100 - consumedCredits - capturedCredits);
    expect(balance).toBeGreaterThanOrEqual(0);
    const [account] = await spec.system.query<{ balance: string }>('ledger', 'SELECT balance::text AS balance FROM ledger_accounts WHERE stream_id = $1', [`account-${email}`]);
    expect(Number(account?.balance)).toBe(balance);
  });

  it('a hold racing with consumes for the last credits: exactly the affordable ones succeed', async () => {
    const email = customer('last');
    await fundedCustomer(api, email, 'starter_3', 3);
    const answers = await Promise.all([
      api.reserve(email, 2, `last-h-${suffix}`),
      ...Array.from({ length: 5 }, (_, i) => api.consume(email, 1, `last-c-${suffix}-${i}`)),
    ]);
    const won = ok(answers).map((a) => (a.body.creditsReserved as number | undefined) ?? 1).reduce((sum, n) => sum + n, 0);
    expect(won).toBeLessThanOrEqual(3);
    expect(won).toBeGreaterThanOrEqual(2); // nothing refused while credits were left
    expect((await api.balance(email)).body.balance).toBeGreaterThanOrEqual(0);
  });
});

describe('refunds racing with consumes', () => {
  async function portalToken(email: string): Promise<string> {
    const token = await retry(async () => {
      const minted = await api.portalToken(email);
      return 'token' in minted ? minted.token : undefined;
    }, 20, 200);
    if (!token) throw new Error('no portal link');
    return token;
  }

  async function requestsOf(email: string): Promise<{ id: string; kind: string; status: string; credits_refunded: number; request_key: string }[]> {
    for (;;) {
      const rows = await spec.system.query<{ id: string; kind: string; status: string; credits_refunded: number; request_key: string }>(
        'refunds',
        'SELECT id::text AS id, kind, status, credits_refunded, request_key FROM refund_requests WHERE email = $1',
        [email],
      );
      if (rows.every((r) => refundTerminalStatuses.includes(r.status) || r.status === 'held')) return rows;
      await pause(200);
    }
  }

  it('ten credit-refund forms sent at once (same key and new keys) while consuming: one refund, never more than was consumed', async () => {
    const email = customer('refund');
    await fundedCustomer(api, email, 'pro_100', 100);
    for (let i = 0; i < 4; i++) expect((await api.consume(email, 5, `refund-c-${suffix}-${i}`)).status).toBe(200);
    const token = await portalToken(email);
    const forms = Array.from({ length: 10 }, (_, i) => api.requestRefund(token, { requestKey: i < 5 ? `same-${suffix}` : `new-${suffix}-${i}`, kind: 'credits' }));
    const spending = Array.from({ length: 10 }, (_, i) => api.consume(email, 1, `refund-race-${suffix}-${i}`));
    const [answers] = await Promise.all([Promise.all(forms), Promise.all(spending)]);
    for (const answer of answers) expect(answer.status).toBeLessThan(500);
    const requests = await requestsOf(email);
    const refunded = requests.reduce((sum, r) => sum + r.credits_refunded, 0);
    const consumed = await spec.system.query<{ credits: string }>('ledger', `SELECT coalesce(sum((data->>'credits')::int), 0)::text AS credits FROM ledger_events WHERE stream_id = $1 AND type = 'CreditsConsumed'`, [`account-${email}`]);
    expect(refunded).toBeLessThanOrEqual(Number(consumed[0]?.credits));
    // The demo policy allows one refund per 14 days: concurrency must not let a second through.
    expect(requests.filter((r) => r.status === 'completed')).toHaveLength(1);
    const perConsumption = await spec.system.query<{ over: string }>('ledger', 'SELECT count(*)::text AS over FROM ledger_consumptions WHERE stream_id = $1 AND credits_refunded > credits', [`account-${email}`]);
    expect(Number(perConsumption[0]?.over)).toBe(0);
    const ledgerRefunded = await spec.system.query<{ credits: string }>('ledger', `SELECT coalesce(sum((data->>'credits')::int), 0)::text AS credits FROM ledger_events WHERE stream_id = $1 AND type = 'ConsumptionRefunded'`, [`account-${email}`]);
    expect(Number(ledgerRefunded[0]?.credits)).toBe(refunded);
  });

  it("a money refund racing with consumes of the same purchase: the credits removed and the credits spent never exceed the purchase, and Stripe refunds them once", async () => {
    const email = customer('money');
    await fundedCustomer(api, email, 'pro_100', 100);
    const lotId = ((await api.balance(email)).body.lots as { lotId: string }[])[0]?.lotId as string;
    const token = await portalToken(email);
    const [refundAnswers, spent] = await Promise.all([
      Promise.all(Array.from({ length: 3 }, () => api.requestRefund(token, { requestKey: `money-${suffix}`, kind: 'money', lotId }))),
      Promise.all(Array.from({ length: 30 }, (_, i) => api.consume(email, 2, `money-c-${suffix}-${i}`))),
    ]);
    for (const answer of [...refundAnswers, ...spent]) expect(answer.status).toBeLessThan(500);
    const requests = await requestsOf(email);
    expect(requests).toHaveLength(1);
    const request = requests[0] as (typeof requests)[number];
    const removed = await spec.system.query<{ credits: string; n: string; amount: string }>(
      'ledger',
      `SELECT coalesce(sum((data->>'credits')::int), 0)::text AS credits, count(*)::text AS n, coalesce(sum((data->>'amountMinor')::int), 0)::text AS amount
         FROM ledger_events WHERE type = 'PurchaseRefunded' AND data->>'refundRequestId' = $1`,
      [request.id],
    );
    const creditsRemoved = Number(removed[0]?.credits);
    const spentCredits = ok(spent).length * 2;
    expect(Number(removed[0]?.n)).toBeLessThanOrEqual(1);
    expect(creditsRemoved + spentCredits).toBeLessThanOrEqual(100);
    const balance = (await api.balance(email)).body.balance;
    expect(balance).toBe(100 - creditsRemoved - spentCredits);
    const stripe = (await standinRefunds(spec.system)).filter((r) => r.refundRequestId === request.id);
    if (request.status === 'completed') {
      expect(stripe).toHaveLength(creditsRemoved > 0 ? 1 : 0);
      expect(stripe[0]?.amount ?? 0).toBe(Math.floor((4900 * creditsRemoved) / 100));
      expect(Number(removed[0]?.amount)).toBe(stripe[0]?.amount ?? 0);
    } else {
      expect(stripe).toHaveLength(0);
    }
  });
});

describe('after the races', () => {
  it('the replay finds every projection equal to its events and no invariant broken', async () => {
    const { code, report } = await spec.system.replayDryRun();
    expect(report?.differences).toEqual([]);
    expect(report?.violations).toEqual([]);
    expect(code).toBe(0);
  });
});
