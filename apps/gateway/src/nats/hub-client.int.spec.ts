import { Logger } from '@nestjs/common';
import { LedgerSubjects, replyOk } from '@credit-hub/contracts';
import { testNatsUrl } from '@credit-hub/testing';
import { connect, NatsConnection, Subscription } from 'nats';
import { FakeService, RunningGateway, startGateway } from '../test/gateway-harness';
import { http } from '../test/http';

// The gateway's NATS client against real NATS and a stand-in ledger: requests in flight fail fast
// when the ledger goes away, an outage is logged once, and concurrent consumes are coalesced.

const domain = 'a.example';
/** The ledger's ping subject (`LedgerSubjects.ping`), spelled from a subject every version has. */
const pingSubject = LedgerSubjects.getBalance.replace(/queries\.get-balance\.v1$/, 'ping.v1');

let gateway: RunningGateway;
let services: FakeService;
let nc: NatsConnection;
let key: string;

const consumeBody = (referenceId: string) => ({ email: 'ada@example.com', domain, deltaCredits: -1, actionType: 'gen', referenceId });

beforeAll(async () => {
  services = await FakeService.connect();
  nc = await connect({ servers: testNatsUrl, name: 'hub-client-test-ledger' });
  gateway = await startGateway({ NATS_REQUEST_TIMEOUT_MS: '5000' });
  key = (await gateway.createKey(domain)).key;
});

afterAll(async () => {
  await gateway?.close();
  await services?.close();
  await nc?.drain();
});

afterEach(async () => {
  await services.stop();
  services.received.length = 0;
  jest.restoreAllMocks();
});

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the gateway when the ledger goes away', () => {
  it('answers the requests in flight 503 within 1 s, not at the 5 s timeout', async () => {
    let pings = 0;
    const ping: Subscription = nc.subscribe(pingSubject, { callback: (_, m) => { pings++; m.respond(new Uint8Array(0)); } });
    await nc.flush();
    await services.serve(LedgerSubjects.consumeCredits, () => undefined); // takes the consumes, never answers: then dies
    const answers = Promise.all(['gone-1', 'gone-2', 'gone-3'].map((ref) => http(gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key, json: consumeBody(ref) })));
    await until('the consumes reached the ledger and it answered a ping', () => services.received.length >= 1 && pings >= 1);
    const diedAt = Date.now();
    ping.unsubscribe();
    await services.stop();
    const settled = await answers;
    const elapsedMs = Date.now() - diedAt;
    expect(settled.map((a) => [a.status, a.body['code']])).toEqual([[503, 'service_unavailable'], [503, 'service_unavailable'], [503, 'service_unavailable']]);
    expect(settled.every((a) => a.headers.get('retry-after') === '1')).toBe(true);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('logs one warning for a burst of 503s, and no error', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const error = jest.spyOn(Logger.prototype, 'error');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => http(gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key, json: consumeBody(`down-${i}`) })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(503));
    expect(error).not.toHaveBeenCalled();
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    // The service answers again: the outage is over, and the next one is reported again.
    await services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 1, eventId: 'e', repeated: false }));
    expect((await http(gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key, json: consumeBody('back') })).status).toBe(200);
    await services.stop();
    warn.mockClear();
    expect((await http(gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key, json: consumeBody('down-again') })).status).toBe(503);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('consumes coalesced into one message to the ledger', () => {
  it('sends concurrent consumes as batches answered by index, each request getting its own answer', async () => {
    const batchSizes: number[] = [];
    const answer = (c: { referenceId: string; credits: number }, how: string) =>
      c.referenceId.endsWith('-7') ? { ok: false, refusal: { code: 'insufficient_credits', detail: 'no' } } : replyOk({ balance: c.credits, eventId: `${how}-${c.referenceId}`, repeated: false });
    await services.serve(LedgerSubjects.consumeCredits, (data) => answer(data as { referenceId: string; credits: number }, 'single'));
    await services.serve(LedgerSubjects.consumeCreditsBatch, (data) => {
      const commands = (data as { commands: { referenceId: string; credits: number }[] }).commands;
      batchSizes.push(commands.length);
      return replyOk({ results: commands.map((c) => answer(c, 'batch')) });
    });
    const refs = Array.from({ length: 40 }, (_, i) => `c-${i}`);
    const answers = await Promise.all(refs.map((ref) => http(gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key, json: consumeBody(ref) })));
    refs.forEach((ref, i) => {
      if (ref.endsWith('-7')) expect([answers[i].status, answers[i].body['code']]).toEqual([402, 'insufficient_credits']);
      else expect([answers[i].status, String(answers[i].body['eventId']).replace(/^(single|batch)-/, '')]).toEqual([200, ref]);
    });
    // Every consume reached the ledger exactly once, and some of them together.
    const singles = services.received.filter((r) => r.subject === LedgerSubjects.consumeCredits).length;
    expect(singles + batchSizes.reduce((a, b) => a + b, 0)).toBe(refs.length);
    expect(Math.max(0, ...batchSizes)).toBeGreaterThan(1);
  });
});
