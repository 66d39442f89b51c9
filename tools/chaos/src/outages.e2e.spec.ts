/**
 * The fast part of the fault runs, in `npm test`: what a client of the gateway sees
 * while what is behind it is gone, on a system of its own with a private NATS server and a private
 * PostgreSQL cluster (so stopping them hurts nobody else on the machine). While the ledger, NATS
 * or PostgreSQL is down the gateway answers 503 problem+json with Retry-After within its timeout
 * (never a 500, never a hang), no service crashes, and everything works again once it is back.
 * The long runs under load are `npm run chaos` (tools/chaos/src/main.ts).
 */
import { randomBytes } from 'node:crypto';
import { Answer, isProblem } from './http';
import { HubApi, pause } from './hub-api';
import { retry } from './load';
import { PrivateNats, PrivatePostgres } from './private-servers';
import { demo, fundedCustomer } from './spec-support';
import { HubSystem } from './system';

/** Short, so a test waits little for each refusal; an answer later than this plus 1.5 s is a hang. */
const gatewayTimeoutMs = 1500;
const hangMs = gatewayTimeoutMs + 1500;
const email = `outage+${randomBytes(3).toString('hex')}@example.com`;
let nats: PrivateNats;
let postgres: PrivatePostgres;
let system: HubSystem;
let api: HubApi;

beforeAll(async () => {
  nats = await PrivateNats.start();
  postgres = await PrivatePostgres.start();
  system = await HubSystem.start('outages', { natsUrl: nats.url, postgresBaseUrl: postgres.baseUrl, env: { NATS_REQUEST_TIMEOUT_MS: String(gatewayTimeoutMs) } });
  api = new HubApi(system.urls.gateway, system.urls.standin, (await system.createKey(demo, 'outages')).key, demo, 10_000);
  await fundedCustomer(api, email, 'team_1000', 1000);
}, 120_000);

afterAll(async () => {
  await system?.destroy();
  await nats?.destroy();
  await postgres?.destroy();
}, 60_000);

let reference = 0;
const consume = () => api.consume(email, 1, `outage-${reference++}`);

/** The refusal a client must get while a dependency is down. */
function expectUnavailable(answer: Answer, what: string): void {
  expect({ what, status: answer.status, code: answer.body?.code, retryable: answer.body?.retryable, problem: isProblem(answer), retryAfter: answer.retryAfter !== null }).toEqual({
    what,
    status: 503,
    code: 'service_unavailable',
    retryable: true,
    problem: true,
    retryAfter: true,
  });
  expect(answer.elapsedMs).toBeLessThan(hangMs);
}

/** Resolves when a consume is acknowledged again; returns how long that took. */
async function untilConsumeWorks(timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  return retry(async () => ((await consume()).status === 200 ? Date.now() - started : undefined), Math.ceil(timeoutMs / 100), 100);
}

describe('what the gateway answers while a dependency is down', () => {
  it('works before anything is stopped', async () => {
    expect((await consume()).status).toBe(200);
  });

  it('the ledger is killed: 503 with Retry-After within the timeout; back to 200 once it restarted', async () => {
    await system.kill('ledger', 'SIGKILL');
    const answers = await Promise.all([consume(), api.balance(email)]);
    await system.restart('ledger'); // before asserting: the next tests need it
    for (const answer of answers) expectUnavailable(answer, 'ledger down');
    expect(await untilConsumeWorks(10_000)).toBeDefined();
  }, 60_000);

  it('NATS is stopped: 503 with Retry-After within the timeout, never 500; back to 200 once it restarted', async () => {
    await nats.stop('SIGTERM');
    const answers: Answer[] = [];
    try {
      await pause(300); // the clients notice the closed connection
      for (let i = 0; i < 4; i++) answers.push(...(await Promise.all([consume(), api.balance(email)])));
    } finally {
      await nats.start(); // before asserting: the next tests need it
    }
    for (const answer of answers) expectUnavailable(answer, 'NATS down');
    expect(await untilConsumeWorks(20_000)).toBeDefined();
    expect(system.crashes).toEqual([]);
  }, 60_000);

  it('PostgreSQL stops (immediate) under 8 concurrent consumers: 503 with Retry-After while down, no service crashes, 200 again once it restarted', async () => {
    const unusedKey = await system.createKey(demo, 'never used before the outage');
    let running = true;
    const during: Answer[] = [];
    // Eight clients at once, so the ledger holds database connections when PostgreSQL goes.
    const trickle = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (running) {
          during.push(await consume());
          await pause(10);
        }
      }),
    );
    await pause(500);
    await postgres.stopImmediate();
    let fresh: Answer;
    try {
      await pause(1500);
      fresh = await api.as(unusedKey.key, demo).balance(email); // its lookup cannot be cached: the key store is down
      await pause(1500);
    } finally {
      await postgres.start();
    }
    await pause(1000);
    // A crashed service does not come back by itself: do not wait for a recovery that cannot happen.
    const recoveredAfterMs = system.crashes.length === 0 ? await untilConsumeWorks(20_000) : undefined;
    running = false;
    await trickle;
    expectUnavailable(fresh, 'API key lookup with PostgreSQL down');
    expect(system.crashes.map((c) => `${c.name} exited (${String(c.code ?? c.signal)}): ${c.logTail.slice(-400)}`)).toEqual([]);
    expect(recoveredAfterMs).toBeDefined();
    for (const answer of during.filter((a) => a.status !== 200)) expectUnavailable(answer, 'consume with PostgreSQL down');
  }, 90_000);
});
