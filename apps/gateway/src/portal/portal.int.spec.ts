import { PortalView, RefundRequestView, RefundsSubjects, replyOk, replyRefused, RequestRefundResult } from '@credit-hub/contracts';
import { useGatewayEdge } from '../test/gateway-harness';
import { http } from '../test/http';

// The portal and the refund-request API against real PostgreSQL and NATS, with the refunds service faked
// behind NATS: the portal pages, the portal-session and refund-request APIs. The whole flow with
// the real services and a browser is tools/e2e/refunds.e2e.spec.ts.

const edge = useGatewayEdge({ NATS_REQUEST_TIMEOUT_MS: '400' }, ['a.example', 'b.example']);
const token = 'v1.eyJlIjoiYWRhQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJl';

const branding = { domain: 'a.example', displayName: 'A <AI>', supportEmail: 'help@a.example', returnUrl: 'https://a.example/account' };
const portalView: PortalView = {
  email: 'ada@example.com',
  branding,
  expiresAt: '2099-01-01T00:00:00.000Z',
  balance: 4,
  policy: { windowDays: 14, refundsPerWindow: 1, creditsPerRefundMax: null, moneyRefunds: { enabled: false, withinDays: 14 } },
  consumptions: [{ referenceId: 'g1', actionType: 'ai_generation', credits: 2, creditsRefundable: 2, consumedAt: '2026-11-20T10:00:00.000Z' }],
  creditRefund: { available: true, credits: 2, reason: null },
  moneyRefunds: [],
  refunds: [],
};
const refundView: RefundRequestView = {
  id: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed', email: 'ada@example.com', domain: 'a.example', kind: 'credits', status: 'completed',
  feedback: { tried: 'Photos', didNotWork: 'Blurry', wouldBringBack: 'Sharper', category: 'quality', rating: 2 },
  creditsRequested: 2, creditsRefunded: 2, moneyRefunded: null, lotId: null, stripeRefundId: null, reviewReason: null, failureReason: null,
  createdAt: '2026-11-20T10:00:00.000Z', updatedAt: '2026-11-20T10:00:00.000Z', completedAt: '2026-11-20T10:00:00.000Z',
};
const form = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({ requestKey: 'k-1', kind: 'credits', lotId: '', tried: 'Photos', didNotWork: 'Blurry', wouldBringBack: 'Sharper', category: 'quality', rating: '2', ...overrides }).toString();
const post = (path: string, body: string) => http(edge.gateway.baseUrl, 'POST', path, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

describe('POST /api/portal/sessions', () => {
  it('returns a portal URL on the gateway for the key’s domain', async () => {
    await edge.services.serve(RefundsSubjects.createPortalSession, () => replyOk({ token, expiresAt: '2099-01-01T00:00:00.000Z' }));
    const answer = await http(edge.gateway.baseUrl, 'POST', '/api/portal/sessions', { key: edge.keys[0], json: { email: ' Ada@Example.com ', domain: 'a.example', returnUrl: 'https://a.example/account' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ url: `${edge.gateway.baseUrl}/portal/${token}`, expiresAt: '2099-01-01T00:00:00.000Z' });
    expect(edge.services.received).toEqual([{ subject: RefundsSubjects.createPortalSession, data: { email: 'ada@example.com', domain: 'a.example', returnUrl: 'https://a.example/account' } }]);
  });

  it('refuses another domain, no key, and a bad returnUrl, forwarding nothing', async () => {
    await edge.services.serve(RefundsSubjects.createPortalSession, () => replyOk({ token, expiresAt: '2099-01-01T00:00:00.000Z' }));
    const body = { email: 'ada@example.com', domain: 'b.example', returnUrl: 'https://a.example/' };
    expect((await http(edge.gateway.baseUrl, 'POST', '/api/portal/sessions', { key: edge.keys[0], json: body })).body).toMatchObject({ status: 403, code: 'forbidden_domain' });
    expect((await http(edge.gateway.baseUrl, 'POST', '/api/portal/sessions', { json: body })).body).toMatchObject({ status: 401, code: 'unauthorized' });
    const bad = await http(edge.gateway.baseUrl, 'POST', '/api/portal/sessions', { key: edge.keys[0], json: { ...body, domain: 'a.example', returnUrl: 'javascript:alert(1)' } });
    expect(bad.body).toMatchObject({ status: 400, code: 'validation_failed', field: 'returnUrl' });
    expect(edge.services.received).toEqual([]);
  });
});

describe('the portal pages', () => {
  it('renders the customer page as HTML with safe headers', async () => {
    await edge.services.serve(RefundsSubjects.getPortalView, () => replyOk(portalView));
    const page = await http(edge.gateway.baseUrl, 'GET', `/portal/${token}`);
    expect(page.status).toBe(200);
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('A &lt;AI&gt;');
    expect(page.text).toContain('<strong id="balance">4 credits</strong>');
    expect(edge.services.received).toEqual([{ subject: RefundsSubjects.getPortalView, data: { token } }]);
  });

  it('answers an invalid link with a 403 page and an outage with a 503 page', async () => {
    await edge.services.serve(RefundsSubjects.getPortalView, () => replyRefused('portal_link_invalid', 'This link has expired; ask for a new one'));
    const invalid = await http(edge.gateway.baseUrl, 'GET', `/portal/${token}`);
    expect(invalid.status).toBe(403);
    expect(invalid.text).toContain('This link has expired');
    await edge.services.stop();
    const down = await http(edge.gateway.baseUrl, 'GET', `/portal/${token}`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(down.contentType).toContain('text/html');
  });

  it('shows the form, re-shows it with every error next to its field, and forwards a valid one', async () => {
    await edge.services.serve(RefundsSubjects.getPortalView, () => replyOk(portalView));
    await edge.services.serve(RefundsSubjects.requestRefund, () => replyOk<RequestRefundResult>({ request: refundView, balance: 6, branding, repeated: false }));
    const blank = await http(edge.gateway.baseUrl, 'GET', `/portal/${token}/refunds/new?kind=credits`);
    expect(blank.status).toBe(200);
    expect(blank.text).toMatch(/name="requestKey" value="[0-9a-f-]{36}"/);

    const invalid = await post(`/portal/${token}/refunds`, form({ tried: ' ', category: '' }));
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('id="tried-error"');
    expect(invalid.text).toContain('id="category-error"');
    expect(invalid.text).toContain('>Blurry</textarea>');
    expect(edge.services.received.filter((r) => r.subject === RefundsSubjects.requestRefund)).toEqual([]);

    const done = await post(`/portal/${token}/refunds`, form());
    expect(done.status).toBe(200);
    expect(done.text).toContain('2 credits returned to your balance.');
    expect(done.text).toContain('<strong id="balance">6 credits</strong>');
    expect(edge.services.received.find((r) => r.subject === RefundsSubjects.requestRefund)?.data).toEqual({
      token, requestKey: 'k-1', kind: 'credits', tried: 'Photos', didNotWork: 'Blurry', wouldBringBack: 'Sharper', category: 'quality', rating: 2,
    });
  });

  it('shows why a refund was refused', async () => {
    await edge.services.serve(RefundsSubjects.requestRefund, () => replyRefused('refund_not_allowed', 'You can have one refund every 14 days, and you already had one.'));
    const refused = await post(`/portal/${token}/refunds`, form());
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('you already had one');
  });
});

describe('GET /api/refund/requests', () => {
  it('lists the key’s domain only, forwarding the filters', async () => {
    await edge.services.serve(RefundsSubjects.listRefundRequests, () => replyOk({ domain: 'a.example', items: [refundView], nextCursor: null }));
    const list = await http(edge.gateway.baseUrl, 'GET', '/api/refund/requests?domain=a.example&status=completed&category=quality&since=2026-11-01T00:00:00Z&limit=5', { key: edge.keys[0] });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ domain: 'a.example', items: [refundView], nextCursor: null });
    expect(edge.services.received[0].data).toEqual({ domain: 'a.example', status: 'completed', category: 'quality', since: '2026-11-01T00:00:00Z', limit: 5 });
    expect((await http(edge.gateway.baseUrl, 'GET', '/api/refund/requests?domain=a.example', { key: edge.keys[1] })).status).toBe(403);
    expect((await http(edge.gateway.baseUrl, 'GET', '/api/refund/requests?domain=a.example')).status).toBe(401);
    expect((await http(edge.gateway.baseUrl, 'GET', '/api/refund/requests?status=lost', { key: edge.keys[0] })).body).toMatchObject({ code: 'validation_failed', field: 'status' });
    expect(edge.services.received).toHaveLength(1);
  });

  it('finds one request by id for its own domain; anything else is 404', async () => {
    await edge.services.serve(RefundsSubjects.getRefundRequest, (data) =>
      (data as { domain: string }).domain === 'a.example' ? replyOk(refundView) : replyRefused('refund_not_found', 'no such refund request'),
    );
    expect((await http(edge.gateway.baseUrl, 'GET', `/api/refund/requests/${refundView.id}`, { key: edge.keys[0] })).body).toEqual(refundView);
    expect((await http(edge.gateway.baseUrl, 'GET', `/api/refund/requests/${refundView.id}`, { key: edge.keys[1] })).body).toMatchObject({ status: 404, code: 'refund_not_found' });
    expect((await http(edge.gateway.baseUrl, 'GET', '/api/refund/requests/not-a-uuid', { key: edge.keys[0] })).body).toMatchObject({ status: 404, code: 'refund_not_found' });
  });
});
