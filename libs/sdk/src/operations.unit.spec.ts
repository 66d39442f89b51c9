import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreditHubClient, CreditHubError, operationTable, ValidationError } from './index';

// What the client makes of the generated table of operations: a method for every public operation
// of the API, keys put in the path, query or body as the operation says, lists paged by cursor,
// and the request's correlation id on every error. Against a scripted HTTP server on 127.0.0.1.

interface Received {
  method: string;
  url: string;
  correlationId: string | undefined;
  body: string;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server;
let baseUrl: string;
let received: Received[];
let script: Answer[];

function handle(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const correlationId = request.headers['x-correlation-id'];
    received.push({ method: request.method ?? '', url: request.url ?? '', correlationId: typeof correlationId === 'string' ? correlationId : undefined, body });
    const answer = script.shift() ?? { status: 200, body: {} };
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body ?? {}));
  });
}

function client(overrides: Partial<ConstructorParameters<typeof CreditHubClient>[0]> = {}): CreditHubClient {
  return new CreditHubClient({ baseUrl, apiKey: 'chk_dom_test', backoffBaseMs: 5, backoffMaxMs: 10, ...overrides });
}

function problem(status: number, code: string): Answer {
  return { status, body: { type: `https://credit-hub.dev/problems/${code}`, title: code, status, detail: code, code, retryable: status >= 500 } };
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

/** Operations the SDK leaves out: Stripe calls its webhook, probes the health checks, a scraper the metrics. */
const notForBuilders = ['handleStripeWebhook', 'handleStripeConnectWebhook', 'getHealth', 'getReadiness', 'getMetrics'];

describe('operations', () => {
  it('has a method for every public operation of the API, named by its operationId', () => {
    const publicOperations = Object.keys(operationTable).filter((name) => !notForBuilders.includes(name));
    expect(publicOperations.length).toBeGreaterThan(30);
    const methods = publicOperations.filter((name) => typeof (CreditHubClient.prototype as unknown as Record<string, unknown>)[name] === 'function');
    expect(methods).toEqual(publicOperations);
    for (const name of notForBuilders) expect(operationTable).toHaveProperty(name);
  });

  it('puts path parameters in the path, query keys in the query and body keys in the body, and nothing else', async () => {
    await client().captureReservation({ reservationId: 'res 1/2', email: 'ada@example.com', domain: 'yourproduct.com', credits: 3, extra: 'dropped' } as never);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/api/portfolio/credits/reservations/res%201%2F2/capture' });
    expect(JSON.parse(received[0].body)).toEqual({ email: 'ada@example.com', domain: 'yourproduct.com', credits: 3 });

    await client().listWebhookDeliveries({ id: 'we_1', cursor: 'c1', limit: 5 });
    expect(received[1]).toMatchObject({ method: 'GET', url: '/api/webhooks/endpoints/we_1/deliveries?cursor=c1&limit=5', body: '' });

    await client().getAnalyticsUsage({ domain: 'a.com,b.com', from: '2026-12-01' });
    expect(received[2].url).toBe('/api/analytics/usage?domain=a.com%2Cb.com&from=2026-12-01');

    await client().deleteWebhookEndpoint({ id: 'we_2' });
    expect(received[3]).toMatchObject({ method: 'DELETE', url: '/api/webhooks/endpoints/we_2', body: '' });
  });

  it('refuses a missing path parameter before sending anything', async () => {
    const error = await client().releaseReservation({ email: 'ada@example.com', domain: 'yourproduct.com' } as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'validation_failed', field: 'reservationId', status: 400 });
    expect(received).toHaveLength(0);
  });
});

describe('auto-pagination', () => {
  const item = (eventId: string) => ({ eventId, type: 'CreditsConsumed', version: 1, occurredAt: '2026-12-01T12:00:00.000Z', domain: 'yourproduct.com', creditsDelta: -1, balanceAfter: 1, referenceId: eventId, actionType: 'ai_generation', details: {} });

  it('iterates every item of every page, asking the next page with the cursor, only when needed', async () => {
    script = [
      { status: 200, body: { email: 'ada@example.com', items: [item('e1'), item('e2')], nextCursor: 'c2' } },
      { status: 200, body: { email: 'ada@example.com', items: [item('e3')], nextCursor: null } },
    ];
    const seen: string[] = [];
    for await (const event of client().getHistory({ email: 'ada@example.com', limit: 2 })) {
      seen.push(event.eventId);
      if (event.eventId === 'e1') expect(received).toHaveLength(1); // the second page is not asked yet
    }
    expect(seen).toEqual(['e1', 'e2', 'e3']);
    expect(received.map((request) => request.url)).toEqual([
      '/api/portfolio/credits/history?email=ada%40example.com&limit=2',
      '/api/portfolio/credits/history?email=ada%40example.com&cursor=c2&limit=2',
    ]);
  });

  it('awaited, answers the first page only', async () => {
    script = [{ status: 200, body: { domain: 'yourproduct.com', items: [], nextCursor: 'next' } }];
    await expect(client().getRefundRequests({ domain: 'yourproduct.com' })).resolves.toEqual({ domain: 'yourproduct.com', items: [], nextCursor: 'next' });
    expect(received).toHaveLength(1);
  });

  it('throws the failing page error from the iteration, and stops on a cursor that repeats', async () => {
    script = [{ status: 200, body: { email: 'a', items: [item('e1')], nextCursor: 'c2' } }, problem(404, 'not_found')];
    const seen: string[] = [];
    const failed = (async () => {
      for await (const event of client().getHistory({ email: 'ada@example.com' })) seen.push(event.eventId);
    })();
    await expect(failed).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(seen).toEqual(['e1']);

    script = [
      { status: 200, body: { email: 'a', items: [item('e1')], nextCursor: 'same' } },
      { status: 200, body: { email: 'a', items: [item('e2')], nextCursor: 'same' } },
    ];
    const looping = (async () => {
      for await (const event of client().getHistory({ email: 'ada@example.com' })) void event;
    })();
    await expect(looping).rejects.toThrow(RangeError);
  });
});

describe('correlation id', () => {
  it('sends one X-Correlation-Id per call, the same on every retry, and puts the answered one on the error', async () => {
    script = [problem(503, 'service_unavailable'), { ...problem(402, 'insufficient_credits'), headers: { 'x-correlation-id': 'corr-from-gateway' } }];
    const error = (await client().consumeCredits({ email: 'ada@example.com', domain: 'yourproduct.com', deltaCredits: -1, actionType: 'ai_generation', referenceId: 'r1' }).catch((caught: unknown) => caught)) as CreditHubError;
    expect(received).toHaveLength(2);
    expect(received[0].correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(received[1].correlationId).toBe(received[0].correlationId);
    expect(error).toMatchObject({ code: 'insufficient_credits', correlationId: 'corr-from-gateway' });
  });

  it('puts the sent id on the error when the answer has none, and on a network failure', async () => {
    script = [problem(409, 'reservation_closed')];
    const refused = (await client({ correlationId: () => 'my-request-7' }).getBalance({ email: 'ada@example.com' }).catch((caught: unknown) => caught)) as CreditHubError;
    expect(received[0].correlationId).toBe('my-request-7');
    expect(refused.correlationId).toBe('my-request-7');

    const unreachable = new CreditHubClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'chk_dom_test', retries: 0, correlationId: () => 'my-request-8' });
    const failed = (await unreachable.getBalance({ email: 'ada@example.com' }).catch((caught: unknown) => caught)) as CreditHubError;
    expect(failed).toMatchObject({ code: 'network_error', status: 0, correlationId: 'my-request-8' });
  });
});

describe('retries of operations the hub does not deduplicate', () => {
  const endpoint = { domain: 'yourproduct.com', url: 'https://yourproduct.com/hooks', eventTypes: ['credits.low_balance'] };

  it.each([
    ['a 503 (the endpoint may exist already)', problem(503, 'service_unavailable')],
    ['a 504 (the answer was lost)', problem(504, 'timeout')],
  ])('createWebhookEndpoint is sent once after %s, and the error thrown', async (_why, failure) => {
    script = [failure, { status: 201, body: { id: 'we_2' } }];
    const error = (await client().createWebhookEndpoint(endpoint as never).catch((caught: unknown) => caught)) as CreditHubError;
    expect(error).toBeInstanceOf(CreditHubError);
    expect(error.status).toBe(failure.status);
    expect(received.map((request) => request.method)).toEqual(['POST']);
  });

  it('replayWebhookDelivery is sent once after a 502', async () => {
    script = [problem(502, 'bad_gateway'), { status: 200, body: {} }];
    await expect(client().replayWebhookDelivery({ id: 'wd_1' } as never)).rejects.toMatchObject({ status: 502 });
    expect(received).toHaveLength(1);
  });

  it('a 429 (refused before anything happened) is retried for them too', async () => {
    script = [{ ...problem(429, 'rate_limited'), headers: { 'retry-after': '0' } }, { status: 201, body: { id: 'we_1' } }];
    await expect(client().createWebhookEndpoint(endpoint as never)).resolves.toEqual({ id: 'we_1' });
    expect(received).toHaveLength(2);
  });

  it('operations idempotent in the hub keep their retries', async () => {
    script = [problem(503, 'service_unavailable'), { status: 200, body: { ok: true } }];
    await expect(client().grantCredits({ email: 'ada@example.com', domain: 'yourproduct.com', credits: 1, grantId: 'g1', reason: 'goodwill' } as never)).resolves.toEqual({ ok: true });
    expect(received).toHaveLength(2);
    expect(received[1].body).toBe(received[0].body);
  });
});
