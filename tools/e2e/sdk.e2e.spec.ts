/**
 * The SDK (`@credit-hub/sdk`) against the real system started as processes with their own
 * databases and NATS namespace: the seed's calls, holds, grants, history, refunds and portal
 * links, the typed errors carrying the API's codes, and a retry after a lost answer that is not a
 * double spend.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  AuthenticationError, ConflictError, CreditHubClient, CreditHubError, InsufficientCreditsError, NotFoundError, PermissionDeniedError,
  ReferenceConflictError, ValidationError,
} from '@credit-hub/sdk';
import { createDomainKey, eventually, startSystem, StartedSystem, stopAndCleanUp } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2esdk${suffix}`;
const prefix = `test_e2e_sdk_${suffix}`;
const domain = 'demo.localhost';
const email = `ada+${suffix}@example.com`;
let system: System;
let demoKey: string;
let hub: CreditHubClient;

async function failure(promise: Promise<unknown>): Promise<CreditHubError> {
  try {
    await promise;
  } catch (error) {
    return error as CreditHubError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  demoKey = await createDomainKey(system, domain);
  hub = new CreditHubClient({ baseUrl: system.urls.gateway, apiKey: demoKey, backoffBaseMs: 50 });
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('the seed integration through the SDK', () => {
  it('createCheckout answers a hosted checkout URL; once paid the credits are on the balance', async () => {
    const checkout = await hub.createCheckout({ domain, offeringId: 'pro_100', email, successUrl: 'https://yourproduct.com/success', cancelUrl: 'https://yourproduct.com/pricing' });
    expect(checkout.checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_test_/);
    expect(checkout.sessionId).toMatch(/^cs_test_/);
    const completed = await fetch(`${system.urls.standin}/test/checkout/sessions/${checkout.sessionId}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(completed.status).toBe(200);
    const balance = await eventually('credits after payment', async () => {
      const b = await hub.getBalance({ email, domain });
      return b.balance === 100 ? b : undefined;
    }, 20_000);
    expect(balance.lots).toEqual([expect.objectContaining({ kind: 'purchased', offeringId: 'pro_100', creditsRemaining: 100 })]);
  });

  it('consumeCredits spends once per referenceId: the same call again is repeated', async () => {
    const call = { email, domain, deltaCredits: -1, actionType: 'ai_generation', referenceId: 'gen_abc123' };
    const first = await hub.consumeCredits(call);
    expect(first).toMatchObject({ balance: 99, repeated: false });
    expect(await hub.consumeCredits(call)).toEqual({ ...first, repeated: true });
  });

  it('throws typed errors carrying the API code, status, detail and field', async () => {
    const insufficient = await failure(hub.consumeCredits({ email, domain, deltaCredits: -1000, actionType: 'ai_generation', referenceId: 'too-much' }));
    expect(insufficient).toBeInstanceOf(InsufficientCreditsError);
    expect(insufficient).toMatchObject({ status: 402, code: 'insufficient_credits', retryable: false });
    expect(insufficient.detail).toContain(email);

    const conflict = await failure(hub.consumeCredits({ email, domain, deltaCredits: -2, actionType: 'ai_generation', referenceId: 'gen_abc123' }));
    expect(conflict).toBeInstanceOf(ReferenceConflictError);

    const invalid = await failure(hub.consumeCredits({ email, domain, deltaCredits: 1, actionType: 'ai_generation', referenceId: 'positive' }));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid).toMatchObject({ code: 'validation_failed', field: 'deltaCredits' });

    const forbidden = await failure(hub.getBalance({ email, domain: 'notes.localhost' }));
    expect(forbidden).toBeInstanceOf(PermissionDeniedError);
    expect(forbidden.code).toBe('forbidden_domain');

    const offering = await failure(hub.createCheckout({ domain, offeringId: 'nope', email, successUrl: 'https://y.com/s', cancelUrl: 'https://y.com/c' }));
    expect(offering).toBeInstanceOf(NotFoundError);
    expect(offering.code).toBe('offering_not_found');

    const unauthenticated = await failure(new CreditHubClient({ baseUrl: system.urls.gateway, apiKey: 'chk_dom_not_a_key' }).getBalance({ email }));
    expect(unauthenticated).toBeInstanceOf(AuthenticationError);
    expect(unauthenticated.status).toBe(401);
    expect(await hub.getBalance({ email })).toMatchObject({ balance: 99 });
  });

  it('holds: reserve, capture part, release, with the ledger refusals as typed errors', async () => {
    const hold = await hub.reserveCredits({ email, domain, credits: 10, referenceId: 'render-1', ttlSeconds: 600 });
    expect(hold).toMatchObject({ status: 'active', creditsReserved: 10, balance: 99, spendable: 89, repeated: false });
    expect(await hub.reserveCredits({ email, domain, credits: 10, referenceId: 'render-1', ttlSeconds: 600 })).toMatchObject({ reservationId: hold.reservationId, repeated: true });
    const exceeds = await failure(hub.captureReservation({ reservationId: hold.reservationId, email, domain, credits: 11 }));
    expect(exceeds).toBeInstanceOf(ConflictError);
    expect(exceeds.code).toBe('capture_exceeds_reservation');
    expect(await hub.captureReservation({ reservationId: hold.reservationId, email, domain, credits: 4, actionType: 'video_render' })).toMatchObject({ status: 'captured', creditsCaptured: 4, balance: 95, spendable: 95 });

    const second = await hub.reserveCredits({ email, domain, credits: 5, referenceId: 'render-2', ttlSeconds: 600 });
    expect(await hub.releaseReservation({ reservationId: second.reservationId, email, domain })).toMatchObject({ status: 'released', spendable: 95 });
    const closed = await failure(hub.captureReservation({ reservationId: second.reservationId, email, domain, credits: 1 }));
    expect(closed.code).toBe('reservation_closed');
    const missing = await failure(hub.releaseReservation({ reservationId: 'rsv_missing', email, domain }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe('reservation_not_found');
  });

  it('grants and history: newest first with balanceAfter, paged with the cursor', async () => {
    expect(await hub.grantCredits({ email, domain, credits: 5, grantId: 'goodwill-1', reason: 'sorry for the outage' })).toMatchObject({ balance: 100, repeated: false });
    expect(await hub.grantCredits({ email, domain, credits: 5, grantId: 'goodwill-1', reason: 'sorry for the outage' })).toMatchObject({ repeated: true });
    const first = await hub.getHistory({ email, limit: 2 });
    expect(first.items.map((i) => i.type)).toEqual(['CreditsGranted', 'ReservationReleased']);
    expect(first.items[0]).toMatchObject({ creditsDelta: 5, balanceAfter: 100 });
    const rest = await hub.getHistory({ email, cursor: first.nextCursor!, limit: 200 });
    expect(rest.nextCursor).toBeNull();
    expect(rest.items[rest.items.length - 1]).toMatchObject({ type: 'CreditsPurchased', creditsDelta: 100, balanceAfter: 100 });
    expect(first.items[1].version).toBeGreaterThan(rest.items[0].version);
  });

  it('auto-pagination: for await over getHistory yields every event of every page, as the pages do', async () => {
    const paged: string[] = [];
    for await (const item of hub.getHistory({ email, limit: 2 })) paged.push(item.eventId);
    const whole = await hub.getHistory({ email, limit: 200 });
    expect(whole.nextCursor).toBeNull();
    expect(paged.length).toBeGreaterThan(2);
    expect(paged).toEqual(whole.items.map((item) => item.eventId));
  });

  it("a refusal carries the request's correlation id, the one the gateway answered", async () => {
    const traced = new CreditHubClient({ baseUrl: system.urls.gateway, apiKey: demoKey, correlationId: () => `sdk-e2e-${suffix}` });
    const refused = await failure(traced.consumeCredits({ email: `nobody+${suffix}@example.com`, domain, deltaCredits: -1, actionType: 'ai_generation', referenceId: `corr-${suffix}` }));
    expect(refused).toMatchObject({ code: 'insufficient_credits', correlationId: `sdk-e2e-${suffix}` });
    const made = await failure(hub.consumeCredits({ email: `nobody+${suffix}@example.com`, domain, deltaCredits: -1, actionType: 'ai_generation', referenceId: `corr2-${suffix}` }));
    expect(made.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('getRefundRequests lists the domain refund requests, createPortalSession answers a portal link', async () => {
    const page = await hub.getRefundRequests({ domain, limit: 10 });
    expect(page).toMatchObject({ domain, items: expect.any(Array) });
    const portal = await hub.createPortalSession({ email, domain, returnUrl: 'https://yourproduct.com/account' });
    expect(portal.url).toMatch(/\/portal\//);
    expect(Date.parse(portal.expiresAt)).toBeGreaterThan(Date.now());
  });
});

describe('a retry after a lost answer', () => {
  let proxy: Server;
  let forwarded = 0;

  // Forwards to the gateway, but the first consume's answer is lost: the consume happened and the
  // connection is cut before the client hears of it (what a timeout or a dropped link looks like).
  beforeAll(async () => {
    proxy = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', async () => {
        const answer = await fetch(`${system.urls.gateway}${request.url}`, { method: request.method, headers: { authorization: request.headers.authorization ?? '', 'content-type': 'application/json' }, body: body || undefined });
        const text = await answer.text();
        if (request.url === '/api/portfolio/credits/consume' && forwarded++ === 0) return void request.socket.destroy();
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(text);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('is answered with the first result (repeated) and spends once', async () => {
    const before = (await hub.getBalance({ email })).balance;
    const throughProxy = new CreditHubClient({ baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, apiKey: demoKey, backoffBaseMs: 20 });
    const result = await throughProxy.consumeCredits({ email, domain, deltaCredits: -3, actionType: 'ai_generation', referenceId: 'gen_lost_answer' });
    expect(forwarded).toBe(2);
    expect(result).toMatchObject({ balance: before - 3, repeated: true });
    expect((await hub.getBalance({ email })).balance).toBe(before - 3);
  });
});
