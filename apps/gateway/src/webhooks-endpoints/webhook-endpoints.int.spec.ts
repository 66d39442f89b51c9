import { replyOk, replyRefused, WebhookSubjects } from '@credit-hub/contracts';
import { useGatewayEdge } from '../test/gateway-harness';

// The gateway's webhook routes against real PostgreSQL and NATS; feedback-analytics is a
// FakeService. What the gateway forwards is checked here; the whole flow in tools/e2e/webhooks.

const domain = 'hooks.example';
const edge = useGatewayEdge({ NATS_REQUEST_TIMEOUT_MS: '400' }, [domain]);
const endpointId = '6f1c2b8e-2d4a-4b8e-9c1d-0a1b2c3d4e5f';

async function call(method: string, path: string, body?: unknown, bearer: string | null = edge.keys[0]) {
  const response = await fetch(edge.gateway.baseUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

describe('webhook endpoints at the edge', () => {
  it("forwards a registration for the key's domain and answers 201 with the secret", async () => {
    const created = { id: endpointId, url: 'https://hooks.example/in', eventTypes: ['credits.purchased'], description: null, createdAt: '2026-11-20T00:00:00.000Z', secret: 'whsec_x' };
    await edge.services.serve(WebhookSubjects.createEndpoint, () => replyOk(created));
    const answer = await call('POST', '/api/webhooks/endpoints', { url: 'https://hooks.example/in', eventTypes: ['credits.purchased'] });
    expect(answer).toMatchObject({ status: 201, body: created });
    expect(edge.services.received).toEqual([{ subject: WebhookSubjects.createEndpoint, data: { domain, url: 'https://hooks.example/in', eventTypes: ['credits.purchased'] } }]);
  });

  it.each([
    ['an ftp URL', 'url', { url: 'ftp://hooks.example/in', eventTypes: ['credits.purchased'] }],
    ['no event types', 'eventTypes', { url: 'https://hooks.example/in', eventTypes: [] }],
    ['an unknown event type', 'eventTypes', { url: 'https://hooks.example/in', eventTypes: ['everything'] }],
    ['an unknown field', 'secret', { url: 'https://hooks.example/in', eventTypes: ['credits.purchased'], secret: 'mine' }],
  ])('refuses %s with 400 naming %s, forwarding nothing', async (_, field, body) => {
    const answer = await call('POST', '/api/webhooks/endpoints', body);
    expect(answer).toMatchObject({ status: 400, body: { code: 'validation_failed', field } });
    expect(answer.type).toContain('application/problem+json');
    expect(edge.services.received).toHaveLength(0);
  });

  it('forwards list, delete, deliveries (limit as a number) and replay with the domain of the key', async () => {
    for (const subject of Object.values(WebhookSubjects)) await edge.services.serve(subject, () => replyOk({ items: [] }));
    expect((await call('GET', '/api/webhooks/endpoints')).status).toBe(200);
    expect((await call('DELETE', `/api/webhooks/endpoints/${endpointId}`)).status).toBe(200);
    expect((await call('GET', `/api/webhooks/endpoints/${endpointId}/deliveries?limit=5&cursor=123_abc`)).status).toBe(200);
    expect((await call('POST', `/api/webhooks/deliveries/${endpointId}/replay`)).status).toBe(202);
    expect(edge.services.received.map((r) => r.data)).toEqual([
      { domain },
      { domain, endpointId },
      { domain, endpointId, cursor: '123_abc', limit: 5 },
      { domain, deliveryId: endpointId },
    ]);
    expect(await call('GET', `/api/webhooks/endpoints/${endpointId}/deliveries?limit=500`)).toMatchObject({ status: 400, body: { field: 'limit' } });
  });

  it('answers the not_found refusal as 404 problem+json, and 401 without a key', async () => {
    await edge.services.serve(WebhookSubjects.deleteEndpoint, () => replyRefused('not_found', 'No such webhook endpoint', 'endpointId'));
    expect(await call('DELETE', `/api/webhooks/endpoints/${endpointId}`)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await call('GET', '/api/webhooks/endpoints', undefined, null)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
  });
});
