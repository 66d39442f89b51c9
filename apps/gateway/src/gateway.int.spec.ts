import { AnalyticsSubjects, BillingSubjects, LedgerSubjects, replyOk, replyRefused } from '@credit-hub/contracts';
import { DataSource } from 'typeorm';
import { revokeApiKey, typeOrmSqlRunner } from './api-keys/api-keys';
import { createOpenApiDocument } from './openapi/openapi-document';
import { useGatewayEdge } from './test/gateway-harness';
import { http, HttpAnswer } from './test/http';

// The gateway edge against real PostgreSQL and NATS; the services behind NATS are FakeService
// responders speaking Nest's wire format. The full system is covered by the e2e tests.

const requestTimeoutMs = 400;
const domainA = 'a.example';
const domainB = 'b.example';
const edge = useGatewayEdge({ NATS_REQUEST_TIMEOUT_MS: String(requestTimeoutMs), HTTP_BODY_LIMIT_BYTES: '102400' }, [domainA, domainB]);


function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string): void {
  expect({ status: answer.status, code: answer.body['code'] }).toEqual({ status, code });
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: `https://credit-hub.dev/problems/${code}`, status, title: expect.any(String), detail: expect.any(String) });
  if (field !== undefined) expect(answer.body['field']).toBe(field);
}

const consumeBody = (overrides: Record<string, unknown> = {}) => ({
  email: ' Ada@Example.COM ',
  domain: domainA,
  deltaCredits: -1,
  actionType: 'ai_generation',
  referenceId: 'gen_abc123',
  ...overrides,
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['an unknown key', { authorization: `Bearer chk_dom_${'x'.repeat(43)}` }],
    ['a Basic header', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['a bearer that is not a key', { authorization: 'Bearer hello' }],
  ])('refuses %s with 401 unauthorized problem+json', async (_, headers) => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 1, eventId: 'e', repeated: false }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { json: consumeBody(), headers });
    expectProblem(answer, 401, 'unauthorized');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(edge.services.received).toEqual([]);
  });

  it('refuses a key of domain A acting for domain B with 403, forwarding nothing', async () => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 1, eventId: 'e', repeated: false }));
    await edge.services.serve(LedgerSubjects.getBalance, () => replyOk({ email: 'x', balance: 0, lots: [] }));
    await edge.services.serve(AnalyticsSubjects.usage, () => replyOk({}));
    await edge.services.serve(BillingSubjects.createCheckout, () => replyOk({}));
    const answers = [
      await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody({ domain: domainB }) }),
      await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody({ domain: 'B.Example' }) }),
      await http(edge.gateway.baseUrl, 'GET', `/api/portfolio/credits/balance?email=ada@example.com&domain=${domainB}`, { key: edge.keys[0] }),
      await http(edge.gateway.baseUrl, 'GET', `/api/analytics/usage?domain=${domainB}`, { key: edge.keys[0] }),
      await http(edge.gateway.baseUrl, 'GET', `/api/analytics/usage?domain=${domainA}&domain=${domainB}`, { key: edge.keys[0] }),
      await http(edge.gateway.baseUrl, 'POST', '/api/billing/checkout', {
        key: edge.keys[0],
        json: { domain: domainB, offeringId: 'starter_3', email: 'ada@example.com', successUrl: 'https://b.example/ok', cancelUrl: 'https://b.example/no' },
      }),
    ];
    for (const answer of answers) expectProblem(answer, 403, 'forbidden_domain', 'domain');
    expect(edge.services.received).toEqual([]);
  });

  it('stops accepting a revoked key within about a second', async () => {
    await edge.services.serve(LedgerSubjects.getBalance, () => replyOk({ email: 'ada@example.com', balance: 3, lots: [] }));
    const { id, key } = await edge.gateway.createKey(domainA);
    const path = '/api/portfolio/credits/balance?email=ada@example.com';
    expect((await http(edge.gateway.baseUrl, 'GET', path, { key })).status).toBe(200); // cached now
    await revokeApiKey(typeOrmSqlRunner(edge.gateway.app.get(DataSource)), id);
    const revokedAt = Date.now();
    let answer = await http(edge.gateway.baseUrl, 'GET', path, { key });
    while (answer.status === 200 && Date.now() - revokedAt < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await http(edge.gateway.baseUrl, 'GET', path, { key });
    }
    expectProblem(answer, 401, 'unauthorized');
    expect(Date.now() - revokedAt).toBeLessThan(2000); // cache TTL 1000 ms + request latency under load
  });
});

describe('POST /api/portfolio/credits/consume', () => {
  it('forwards ConsumeCreditsCommand (email normalised, credits = -deltaCredits) and returns the result', async () => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 2, eventId: 'evt-1', repeated: false }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody({ deltaCredits: -3 }) });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ balance: 2, eventId: 'evt-1', repeated: false });
    expect(edge.services.received).toEqual([
      {
        subject: LedgerSubjects.consumeCredits,
        data: { email: 'ada@example.com', domain: domainA, credits: 3, actionType: 'ai_generation', referenceId: 'gen_abc123' },
      },
    ]);
  });

  it.each([
    ['deltaCredits 0', { deltaCredits: 0 }, 'deltaCredits'],
    ['deltaCredits 1', { deltaCredits: 1 }, 'deltaCredits'],
    ['deltaCredits 1.5', { deltaCredits: 1.5 }, 'deltaCredits'],
    ['deltaCredits -1.5', { deltaCredits: -1.5 }, 'deltaCredits'],
    ['deltaCredits "x"', { deltaCredits: 'x' }, 'deltaCredits'],
    ['deltaCredits "-1" (a string)', { deltaCredits: '-1' }, 'deltaCredits'],
    ['deltaCredits null', { deltaCredits: null }, 'deltaCredits'],
    ['deltaCredits below the bound', { deltaCredits: -1_000_000_001 }, 'deltaCredits'],
    ['missing deltaCredits', { deltaCredits: undefined }, 'deltaCredits'],
    ['missing referenceId', { referenceId: undefined }, 'referenceId'],
    ['empty referenceId', { referenceId: '' }, 'referenceId'],
    ['referenceId of 201 characters', { referenceId: 'r'.repeat(201) }, 'referenceId'],
    ['a bad email', { email: 'not-an-email' }, 'email'],
    ['a bad actionType', { actionType: 'has spaces' }, 'actionType'],
    ['a domain that is not a string', { domain: 42 }, 'domain'],
    ['an unknown property', { extra: true }, 'extra'],
  ])('refuses %s with 400 validation_failed naming the field, forwarding nothing', async (_, overrides, field) => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 1, eventId: 'e', repeated: false }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody(overrides) });
    expectProblem(answer, 400, 'validation_failed', field);
    expect(edge.services.received).toEqual([]);
  });

  it('accepts deltaCredits -1 at the edge', async () => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 0, eventId: 'e', repeated: true }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody({ deltaCredits: -1 }) });
    expect(answer.status).toBe(200);
    expect(edge.services.received[0]?.data).toMatchObject({ credits: 1 });
  });

  it.each([
    ['insufficient_credits', 402],
    ['reference_conflict', 409],
  ] as const)('turns a %s refusal into %i problem+json with that code', async (code, status) => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyRefused(code, `refused: ${code}`));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody() });
    expectProblem(answer, status, code);
    expect(answer.body['detail']).toBe(`refused: ${code}`);
    expect(answer.body['instance']).toBe('/api/portfolio/credits/consume');
  });

  it('answers 503 service_unavailable with Retry-After when no service responds, within the timeout', async () => {
    const startedAt = Date.now();
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody() });
    expectProblem(answer, 503, 'service_unavailable');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.body['retryable']).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(requestTimeoutMs + 1000);
  });

  it('answers 503 with Retry-After when the service takes longer than NATS_REQUEST_TIMEOUT_MS', async () => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => undefined); // never answers
    const startedAt = Date.now();
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody() });
    const elapsedMs = Date.now() - startedAt;
    expectProblem(answer, 503, 'service_unavailable');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(elapsedMs).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
    expect(elapsedMs).toBeLessThan(requestTimeoutMs + 1000);
    expect(edge.services.received).toHaveLength(1);
  });

  it('answers 500 internal_error (no stack, no payload) when a service replies in an unknown form', async () => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => ({ secretInternals: 'leak-me' }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody() });
    expectProblem(answer, 500, 'internal_error');
    expect(answer.text).not.toContain('leak-me');
  });

  it('answers 500 internal_error when the remote handler threw', async () => {
    await edge.services.serveError(LedgerSubjects.consumeCredits, { status: 'error', message: 'relation "x" does not exist' });
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody() });
    expectProblem(answer, 500, 'internal_error');
    expect(answer.text).not.toContain('relation');
  });

  it('answers 503 when the remote service has no handler for the subject', async () => {
    await edge.services.serveError(LedgerSubjects.consumeCredits, 'There is no matching message handler defined in the remote service.');
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: consumeBody() });
    expectProblem(answer, 503, 'service_unavailable');
    expect(answer.headers.get('retry-after')).toBe('1');
  });
});

describe('request bodies', () => {
  it('answers malformed JSON with 400 problem+json, not HTML', async () => {
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], raw: '{"email": "a@b.c", ' });
    expectProblem(answer, 400, 'validation_failed', 'body');
    expect(answer.text).not.toMatch(/<html|<pre/i);
  });

  it('answers a 200 KB body with 413 payload_too_large problem+json', async () => {
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', {
      key: edge.keys[0],
      json: consumeBody({ referenceId: 'r'.repeat(200 * 1024) }),
    });
    expectProblem(answer, 413, 'payload_too_large');
    expect(answer.text).not.toMatch(/<html|<pre/i);
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const answer = await http(edge.gateway.baseUrl, 'GET', '/api/nothing-here', { key: edge.keys[0] });
    expectProblem(answer, 404, 'not_found');
  });

  it('refuses a JSON array body with 400', async () => {
    await edge.services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 1, eventId: 'e', repeated: false }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key: edge.keys[0], json: [consumeBody()] });
    expectProblem(answer, 400, 'validation_failed');
    expect(edge.services.received).toEqual([]);
  });
});

describe('other endpoints forward their contract', () => {
  it('POST /api/billing/checkout forwards CreateCheckoutCommand and returns {checkoutUrl, sessionId}', async () => {
    await edge.services.serve(BillingSubjects.createCheckout, () => replyOk({ checkoutUrl: 'https://pay.example/cs_1', sessionId: 'cs_1' }));
    const body = { domain: domainA, offeringId: 'starter_3', email: 'Ada@Example.com', successUrl: 'https://a.example/ok', cancelUrl: 'http://localhost:3000/no' };
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/billing/checkout', { key: edge.keys[0], json: body });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ checkoutUrl: 'https://pay.example/cs_1', sessionId: 'cs_1' });
    expect(edge.services.received[0]?.data).toEqual({ ...body, email: 'ada@example.com' });
  });

  it('POST /api/billing/checkout refuses a bad successUrl and maps offering_not_found to 404', async () => {
    await edge.services.serve(BillingSubjects.createCheckout, () => replyRefused('offering_not_found', 'no such offering', 'offeringId'));
    const body = { domain: domainA, offeringId: 'nope', email: 'ada@example.com', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' };
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/billing/checkout', { key: edge.keys[0], json: { ...body, successUrl: 'javascript:alert(1)' } }), 400, 'validation_failed', 'successUrl');
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/billing/checkout', { key: edge.keys[0], json: body }), 404, 'offering_not_found', 'offeringId');
  });

  it("GET /api/portfolio/credits/balance forwards GetBalanceQuery for the key's domain", async () => {
    const view = { email: 'ada@example.com', balance: 3, lots: [] };
    await edge.services.serve(LedgerSubjects.getBalance, () => replyOk(view));
    const withDomain = await http(edge.gateway.baseUrl, 'GET', `/api/portfolio/credits/balance?email=ADA@example.com&domain=${domainB}`, { key: edge.keys[1] });
    const withoutDomain = await http(edge.gateway.baseUrl, 'GET', '/api/portfolio/credits/balance?email=ada@example.com', { key: edge.keys[1] });
    expect([withDomain.status, withoutDomain.status]).toEqual([200, 200]);
    expect(withDomain.body).toEqual(view);
    expect(edge.services.received.map((r) => r.data)).toEqual([
      { email: 'ada@example.com', domain: domainB },
      { email: 'ada@example.com', domain: domainB },
    ]);
    expectProblem(await http(edge.gateway.baseUrl, 'GET', '/api/portfolio/credits/balance', { key: edge.keys[1] }), 400, 'validation_failed', 'email');
  });

  it('GET /api/analytics/usage forwards UsageQuery', async () => {
    const view = { domain: domainA, rows: [], totals: { creditsConsumed: 0, consumptions: 0, creditsPurchased: 0, purchases: 0 } };
    await edge.services.serve(AnalyticsSubjects.usage, () => replyOk(view));
    const answer = await http(edge.gateway.baseUrl, 'GET', `/api/analytics/usage?domain=${domainA}&from=2026-11-01&to=2026-11-30`, { key: edge.keys[0] });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(view);
    expect(edge.services.received[0]?.data).toEqual({ domain: domainA, from: '2026-11-01', to: '2026-11-30' });
    expectProblem(await http(edge.gateway.baseUrl, 'GET', '/api/analytics/usage?from=yesterday', { key: edge.keys[0] }), 400, 'validation_failed', 'from');
  });
});

describe('POST /webhooks/stripe', () => {
  // Odd spacing, key order and non-ASCII: any re-serialisation would change these bytes.
  const rawEvent = '{ "id":"evt_1",  "type":"checkout.session.completed","data":{"object":{"name":"Zoë ✓","n":1.50}}}\n';

  it('forwards the exact raw bytes (base64) and the signature, without an API key', async () => {
    await edge.services.serve(BillingSubjects.handleStripeWebhook, () => replyOk({ outcome: 'processed', stripeEventId: 'evt_1', type: 'checkout.session.completed' }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/webhooks/stripe', {
      raw: Buffer.from(rawEvent, 'utf8'),
      headers: { 'stripe-signature': 't=1,v1=abc', 'content-type': 'application/json; charset=utf-8' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ received: true, outcome: 'processed' });
    const forwarded = edge.services.received[0]?.data as { payloadBase64: string; signature: string };
    expect(Buffer.from(forwarded.payloadBase64, 'base64').toString('utf8')).toBe(rawEvent);
    expect(forwarded.signature).toBe('t=1,v1=abc');
  });

  it('refuses a missing signature with 400, forwarding nothing', async () => {
    await edge.services.serve(BillingSubjects.handleStripeWebhook, () => replyOk({ outcome: 'processed', stripeEventId: 'evt_1', type: 't' }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/webhooks/stripe', { raw: rawEvent });
    expectProblem(answer, 400, 'webhook_signature_invalid', 'stripe-signature');
    expect(edge.services.received).toEqual([]);
  });

  it("answers billing's refusal with 400 problem+json", async () => {
    await edge.services.serve(BillingSubjects.handleStripeWebhook, () => replyRefused('webhook_signature_invalid', 'No signatures found matching the expected signature'));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/webhooks/stripe', { raw: rawEvent, headers: { 'stripe-signature': 't=1,v1=bad' } });
    expectProblem(answer, 400, 'webhook_signature_invalid');
  });
});

describe('documentation and health', () => {
  it('/docs-json lists every endpoint with the bearer scheme and problem responses', async () => {
    const answer = await http(edge.gateway.baseUrl, 'GET', '/docs-json');
    expect(answer.status).toBe(200);
    const document = answer.body as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, unknown> }> }>>;
      components: { securitySchemes: Record<string, { scheme: string }>; schemas: Record<string, unknown> };
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/billing/checkout', '/api/portfolio/credits/consume', '/api/portfolio/credits/balance', '/api/analytics/usage', '/webhooks/stripe']),
    );
    expect(document.components.securitySchemes['api-key']?.scheme).toBe('bearer');
    const consume = document.paths['/api/portfolio/credits/consume']?.['post'];
    expect(consume?.security).toEqual([{ 'api-key': [] }]);
    expect(Object.keys(consume?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '402', '403', '409', '413', '503']));
    expect(consume?.responses['402']?.content).toHaveProperty(['application/problem+json']);
    expect(document.paths['/webhooks/stripe']?.['post']?.security).toEqual([]); // open on purpose: Stripe signs it
    expect(document.components.schemas).toHaveProperty('ProblemResponse');
  });

  it('/docs-json is the document built without a running gateway (the one the SDK is generated from)', async () => {
    const served = await http(edge.gateway.baseUrl, 'GET', '/docs-json');
    expect(served.body).toEqual(JSON.parse(JSON.stringify(await createOpenApiDocument())));
  });

  it('/docs serves the Swagger UI', async () => {
    const answer = await http(edge.gateway.baseUrl, 'GET', '/docs');
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/swagger/i);
  });

  it('/health reports PostgreSQL and NATS up', async () => {
    const answer = await http(edge.gateway.baseUrl, 'GET', '/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', info: { nats: { status: 'up' }, postgres: { status: 'up' } } });
  });
});
