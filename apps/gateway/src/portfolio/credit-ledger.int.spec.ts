import { LedgerSubjects, replyOk, replyRefused } from '@credit-hub/contracts';
import { useGatewayEdge } from '../test/gateway-harness';
import { http, HttpAnswer } from '../test/http';

// The holds, grants and history endpoints at the edge, against real PostgreSQL and NATS with a
// FakeService as the ledger: the exact commands forwarded, the statuses, the refusals mapped.
// The behaviour behind them is covered end to end by tools/e2e/holds-grants-history.e2e.spec.ts.

const domain = 'holds.example';
const edge = useGatewayEdge({ NATS_REQUEST_TIMEOUT_MS: '400' }, [domain]);

const view = (overrides: Record<string, unknown> = {}) => ({
  reservationId: 'rsv_1', email: 'ada@example.com', domain, referenceId: 'job-1', status: 'active', creditsReserved: 5, creditsCaptured: 0,
  expiresAt: '2026-11-20T12:10:00.000Z', balance: 10, spendable: 5, eventId: 'evt-1', repeated: false, ...overrides,
});

function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string): void {
  expect({ status: answer.status, code: answer.body['code'] }).toEqual({ status, code });
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  if (field !== undefined) expect(answer.body['field']).toBe(field);
}

describe('POST /api/portfolio/credits/reservations', () => {
  const body = { email: ' Ada@Example.com ', domain, credits: 5, referenceId: 'job-1', ttlSeconds: 600 };

  it('forwards ReserveCreditsCommand and answers 201 for a new hold, 200 for a repeat', async () => {
    const answers = [view(), view({ eventId: null, repeated: true })];
    await edge.services.serve(LedgerSubjects.reserveCredits, () => replyOk(answers.shift()));
    const first = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations', { key: edge.keys[0], json: body });
    const again = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations', { key: edge.keys[0], json: body });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(first.body).toEqual(view());
    expect(edge.services.received[0]).toEqual({ subject: LedgerSubjects.reserveCredits, data: { email: 'ada@example.com', domain, credits: 5, referenceId: 'job-1', ttlSeconds: 600 } });
  });

  it.each([
    ['credits 0', { credits: 0 }, 'credits'],
    ['credits "5" (a string)', { credits: '5' }, 'credits'],
    ['ttlSeconds 0', { ttlSeconds: 0 }, 'ttlSeconds'],
    ['ttlSeconds over 7 days', { ttlSeconds: 7 * 24 * 3600 + 1 }, 'ttlSeconds'],
    ['no referenceId', { referenceId: undefined }, 'referenceId'],
    ['an unknown property', { extra: 1 }, 'extra'],
  ])('refuses %s with 400 naming the field, forwarding nothing', async (_, overrides, field) => {
    await edge.services.serve(LedgerSubjects.reserveCredits, () => replyOk(view()));
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations', { key: edge.keys[0], json: { ...body, ...overrides } }), 400, 'validation_failed', field);
    expect(edge.services.received).toEqual([]);
  });

  it.each([
    ['insufficient_credits', 402],
    ['account_frozen', 403],
    ['payment_past_due', 402],
    ['reference_conflict', 409],
  ] as const)("maps the ledger's %s to %i problem+json", async (code, status) => {
    await edge.services.serve(LedgerSubjects.reserveCredits, () => replyRefused(code, 'refused'));
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations', { key: edge.keys[0], json: body }), status, code);
  });
});

describe('capture and release', () => {
  it('forward the reservation id from the path with the email of the account to lock', async () => {
    await edge.services.serve(LedgerSubjects.captureReservation, () => replyOk(view({ status: 'captured', creditsCaptured: 3 })));
    await edge.services.serve(LedgerSubjects.releaseReservation, () => replyOk(view({ status: 'released' })));
    const captured = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations/rsv_1/capture', { key: edge.keys[0], json: { email: 'ADA@example.com', domain, credits: 3, actionType: 'render' } });
    const released = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations/rsv_2/release', { key: edge.keys[0], json: { email: 'ada@example.com', domain } });
    expect([captured.status, released.status]).toEqual([200, 200]);
    expect(edge.services.received).toEqual([
      { subject: LedgerSubjects.captureReservation, data: { email: 'ada@example.com', reservationId: 'rsv_1', domain, credits: 3, actionType: 'render' } },
      { subject: LedgerSubjects.releaseReservation, data: { email: 'ada@example.com', reservationId: 'rsv_2', domain } },
    ]);
  });

  it.each([
    ['reservation_not_found', 404],
    ['reservation_closed', 409],
    ['capture_exceeds_reservation', 409],
  ] as const)("maps the ledger's %s to %i", async (code, status) => {
    await edge.services.serve(LedgerSubjects.captureReservation, () => replyRefused(code, 'refused'));
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations/rsv_1/capture', { key: edge.keys[0], json: { email: 'ada@example.com', domain, credits: 3 } }), status, code);
  });

  it('refuses a capture without email, a malformed reservation id, and another domain', async () => {
    await edge.services.serve(LedgerSubjects.captureReservation, () => replyOk(view()));
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations/rsv_1/capture', { key: edge.keys[0], json: { domain, credits: 3 } }), 400, 'validation_failed', 'email');
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations/rsv%20x/capture', { key: edge.keys[0], json: { email: 'a@b.co', domain, credits: 3 } }), 400, 'validation_failed', 'reservationId');
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/reservations/rsv_1/capture', { key: edge.keys[0], json: { email: 'a@b.co', domain: 'other.example', credits: 3 } }), 403, 'forbidden_domain');
    expect(edge.services.received).toEqual([]);
  });
});

describe('POST /api/portfolio/credits/grants', () => {
  it('forwards GrantCreditsCommand with only the fields given; 201 new, 200 repeated', async () => {
    const answers = [{ lotId: 'lot_g_1', eventId: 'e', balance: 10, repeated: false }, { lotId: 'lot_g_1', eventId: null, balance: 10, repeated: true }];
    await edge.services.serve(LedgerSubjects.grantCredits, () => replyOk(answers.shift()));
    const full = { email: 'ada@example.com', domain, credits: 10, grantId: 'promo-1', reason: 'launch', priority: 5, expiresAt: '2026-12-31T23:59:59Z', scope: 'domain' };
    const first = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/grants', { key: edge.keys[0], json: full });
    const again = await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/grants', { key: edge.keys[0], json: { email: 'ada@example.com', domain, credits: 10, grantId: 'promo-1', reason: 'launch' } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(edge.services.received.map((r) => r.data)).toEqual([full, { email: 'ada@example.com', domain, credits: 10, grantId: 'promo-1', reason: 'launch' }]);
  });

  it.each([
    ['no reason', { reason: undefined }, 'reason'],
    ['a bad scope', { scope: 'galaxy' }, 'scope'],
    ['a date that is not ISO 8601', { expiresAt: 'next week' }, 'expiresAt'],
    ['priority 1001', { priority: 1001 }, 'priority'],
    ['a source (billing only)', { source: 'plan' }, 'source'],
  ])('refuses %s', async (_, overrides, field) => {
    const body = { email: 'ada@example.com', domain, credits: 10, grantId: 'g', reason: 'r', ...overrides };
    expectProblem(await http(edge.gateway.baseUrl, 'POST', '/api/portfolio/credits/grants', { key: edge.keys[0], json: body }), 400, 'validation_failed', field);
  });
});

describe('GET /api/portfolio/credits/history', () => {
  it("forwards GetHistoryQuery for the key's domain, limit as a number", async () => {
    await edge.services.serve(LedgerSubjects.getHistory, () => replyOk({ email: 'ada@example.com', items: [], nextCursor: null }));
    const answer = await http(edge.gateway.baseUrl, 'GET', '/api/portfolio/credits/history?email=Ada%40example.com&cursor=v12&limit=20', { key: edge.keys[0] });
    expect(answer.status).toBe(200);
    expect(edge.services.received[0].data).toEqual({ email: 'ada@example.com', domain, cursor: 'v12', limit: 20 });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=42', 'cursor'],
  ])('refuses %s', async (query, field) => {
    expectProblem(await http(edge.gateway.baseUrl, 'GET', `/api/portfolio/credits/history?email=a%40b.co&${query}`, { key: edge.keys[0] }), 400, 'validation_failed', field);
  });
});
