import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthenticationError, ConflictError, CreditHubClient, CreditHubError, InsufficientCreditsError, NotFoundError, ReferenceConflictError,
  ServiceUnavailableError, ValidationError,
} from './index';

// The client against a scripted HTTP server on 127.0.0.1: what it sends, when it retries, what it
// throws. No credit hub needed; the e2e test (tools/e2e/sdk.e2e.spec.ts) runs it against the system.

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  atMs: number;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string>; raw?: string; hang?: boolean };

let server: Server;
let baseUrl: string;
let received: Received[];
let script: Answer[];

function problem(status: number, code: string, detail: string, field?: string): Answer {
  const body = { type: `https://credit-hub.dev/problems/${code}`, title: code, status, detail, code, retryable: status >= 500, ...(field ? { field } : {}) };
  return { status, body, headers: { 'content-type': 'application/problem+json' } };
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    received.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, contentType: request.headers['content-type'], body, atMs: Date.now() });
    const answer = script.shift() ?? { status: 200, body: {} };
    if (answer.hang) return; // never answers: the client's timeout must fire
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.raw ?? JSON.stringify(answer.body ?? {}));
  });
}

function client(overrides: Partial<ConstructorParameters<typeof CreditHubClient>[0]> = {}): CreditHubClient {
  return new CreditHubClient({ baseUrl, apiKey: 'chk_dom_test', backoffBaseMs: 10, backoffMaxMs: 40, ...overrides });
}

const consume = { email: 'ada@example.com', domain: 'yourproduct.com', deltaCredits: -1, actionType: 'ai_generation', referenceId: 'gen_abc123' };

async function failure(promise: Promise<unknown>): Promise<CreditHubError> {
  try {
    await promise;
  } catch (error) {
    return error as CreditHubError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  script = [];
});

describe('retries', () => {
  it('retries twice after 503 and returns the third answer, sending the very same body each time', async () => {
    script = [problem(503, 'service_unavailable', 'retry'), problem(503, 'service_unavailable', 'retry'), { status: 200, body: { balance: 2, eventId: 'e1', repeated: false } }];
    await expect(client().consumeCredits(consume)).resolves.toEqual({ balance: 2, eventId: 'e1', repeated: false });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(received[0].body)).toEqual(consume);
  });

  it('never retries a 402: one request, InsufficientCreditsError with the API code', async () => {
    script = [problem(402, 'insufficient_credits', 'ada@example.com does not have 1 credits spendable on yourproduct.com')];
    const error = await failure(client().consumeCredits(consume));
    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toBeInstanceOf(CreditHubError);
    expect(error).toMatchObject({ name: 'InsufficientCreditsError', status: 402, code: 'insufficient_credits', retryable: false });
    expect(error.detail).toContain('does not have 1 credits');
  });

  it.each([
    [problem(400, 'validation_failed', 'deltaCredits must be negative', 'deltaCredits'), ValidationError, 'validation_failed'],
    [problem(401, 'unauthorized', 'send a key'), AuthenticationError, 'unauthorized'],
    [problem(404, 'reservation_not_found', 'no such'), NotFoundError, 'reservation_not_found'],
    [problem(409, 'reference_conflict', 'used before'), ReferenceConflictError, 'reference_conflict'],
    [problem(409, 'reservation_closed', 'captured'), ConflictError, 'reservation_closed'],
  ])('never retries a %#th kind of 4xx and throws its class', async (answer, type, code) => {
    script = [answer];
    const error = await failure(client().consumeCredits(consume));
    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('names the offending field of a validation error', async () => {
    script = [problem(400, 'validation_failed', 'deltaCredits must be a negative whole number such as -1', 'deltaCredits')];
    expect(await failure(client().consumeCredits(consume))).toMatchObject({ field: 'deltaCredits', status: 400 });
  });

  it('honours Retry-After on 429', async () => {
    script = [{ ...problem(429, 'rate_limited', 'slow down'), headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } }, { status: 200, body: { balance: 1, eventId: 'e', repeated: false } }];
    await client().consumeCredits(consume);
    expect(received).toHaveLength(2);
    expect(received[1].atMs - received[0].atMs).toBeGreaterThanOrEqual(950);
  });

  it('gives up after `retries` retries with ServiceUnavailableError carrying the last answer', async () => {
    script = Array.from({ length: 5 }, () => problem(503, 'service_unavailable', 'down'));
    const error = await failure(client({ retries: 2 }).consumeCredits(consume));
    expect(received).toHaveLength(3);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable', retryable: true });
  });

  it('treats a non-JSON 502 from a proxy as unavailable and retries it', async () => {
    script = [{ status: 502, raw: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } }, { status: 200, body: { balance: 1, eventId: 'e', repeated: true } }];
    await expect(client().consumeCredits(consume)).resolves.toMatchObject({ repeated: true });
    expect(received).toHaveLength(2);
  });

  it('times out an attempt that gets no answer and retries it', async () => {
    script = [{ status: 200, hang: true }, { status: 200, body: { balance: 4, eventId: 'e', repeated: true } }];
    await expect(client({ timeoutMs: 200 }).consumeCredits(consume)).resolves.toMatchObject({ balance: 4 });
    expect(received).toHaveLength(2);
  });

  it('reports a refused connection as network_error (status 0) after the retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(new CreditHubClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', retries: 1, backoffBaseMs: 1 }).getBalance({ email: 'a@b.c' }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 0, code: 'network_error' });
  });
});

describe('requests', () => {
  it.each([
    ['createCheckout', { domain: 'yourproduct.com', offeringId: 'starter_3', email: 'ada@example.com', successUrl: 'https://y/s', cancelUrl: 'https://y/c' }, 'POST', '/api/billing/checkout'],
    ['consumeCredits', consume, 'POST', '/api/portfolio/credits/consume'],
    ['reserveCredits', { email: 'a@b.c', domain: 'd.com', credits: 5, referenceId: 'job1', ttlSeconds: 60 }, 'POST', '/api/portfolio/credits/reservations'],
    ['grantCredits', { email: 'a@b.c', domain: 'd.com', credits: 5, grantId: 'g1', reason: 'promo', scope: 'domain' }, 'POST', '/api/portfolio/credits/grants'],
    ['createPortalSession', { email: 'a@b.c', domain: 'd.com', returnUrl: 'https://d.com/account' }, 'POST', '/api/portal/sessions'],
    ['checkEntitlement', { email: 'a@b.c', domain: 'd.com', feature: 'workspaces', requested: 1, inUse: 2 }, 'POST', '/api/portfolio/entitlements/check'],
  ] as const)('%s sends %p as JSON to %s %s with the bearer key', async (method, input, verb, path) => {
    await (client() as unknown as Record<string, (input: unknown) => Promise<unknown>>)[method](input);
    expect(received[0]).toMatchObject({ method: verb, url: path, authorization: 'Bearer chk_dom_test', contentType: 'application/json' });
    expect(JSON.parse(received[0].body)).toEqual(input);
  });

  it('puts the reservation id in the path of capture and release, not in the body', async () => {
    await client().captureReservation({ reservationId: 'rsv_1', email: 'a@b.c', domain: 'd.com', credits: 3, actionType: 'render' });
    await client().releaseReservation({ reservationId: 'rsv/2', email: 'a@b.c', domain: 'd.com' });
    expect(received.map((r) => r.url)).toEqual(['/api/portfolio/credits/reservations/rsv_1/capture', '/api/portfolio/credits/reservations/rsv%2F2/release']);
    expect(JSON.parse(received[0].body)).toEqual({ email: 'a@b.c', domain: 'd.com', credits: 3, actionType: 'render' });
    expect(JSON.parse(received[1].body)).toEqual({ email: 'a@b.c', domain: 'd.com' });
  });

  it('sends queries as query strings, leaving out what is not set', async () => {
    await client().getRefundRequests({ domain: 'yourproduct.com', status: 'completed', limit: 10 });
    await client().getBalance({ email: 'ada+x@example.com', domain: 'd.com' });
    await client().getHistory({ email: 'a@b.c', cursor: 'v12', limit: 5 });
    await client().getEntitlements({ email: 'a@b.c', domain: 'd.com' });
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/refund/requests?domain=yourproduct.com&status=completed&limit=10',
      'GET /api/portfolio/credits/balance?email=ada%2Bx%40example.com&domain=d.com',
      'GET /api/portfolio/credits/history?email=a%40b.c&cursor=v12&limit=5',
      'GET /api/portfolio/entitlements?email=a%40b.c&domain=d.com',
    ]);
    expect(received[0].body).toBe('');
  });

  it('keeps a path prefix of baseUrl and never sends properties outside the API', async () => {
    await new CreditHubClient({ baseUrl: `${baseUrl}/hub/`, apiKey: 'k' }).consumeCredits({ ...consume, extra: 'x' } as typeof consume);
    expect(received[0].url).toBe('/hub/api/portfolio/credits/consume');
    expect(JSON.parse(received[0].body)).toEqual(consume);
  });

  it('refuses options out of bounds', () => {
    expect(() => new CreditHubClient({ baseUrl: 'ftp://x', apiKey: 'k' })).toThrow(TypeError);
    expect(() => new CreditHubClient({ baseUrl, apiKey: '' })).toThrow(TypeError);
    expect(() => new CreditHubClient({ baseUrl, apiKey: 'k', retries: 1e9 })).toThrow(RangeError);
    expect(() => new CreditHubClient({ baseUrl, apiKey: 'k', timeoutMs: 0 })).toThrow(RangeError);
  });
});
