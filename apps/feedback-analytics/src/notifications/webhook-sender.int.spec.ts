import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { sendWebhook } from './webhook-sender';
import { generateWebhookSecret } from './webhook-endpoints.service';

/** Real sockets: a node http server on 127.0.0.1 and a random port. */
describe('sendWebhook: one signed attempt over real HTTP', () => {
  let server: Server;
  let url: string;
  let answer: (request: IncomingMessage, body: string, response: ServerResponse) => void;
  const received: { headers: Record<string, string>; body: string }[] = [];
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ type: 'credits.purchased', timestamp: '2025-03-01T12:00:00.000Z', data: { credits: 100 } });
  const options = { timeoutMs: 2000, allowPrivateUrls: true };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        received.push({ headers: request.headers as Record<string, string>, body: text });
        answer(request, text, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
    answer = (_, __, response) => response.writeHead(204).end();
  });

  it('signs per Standard Webhooks: the library verifies it with the secret, not with another, nor a tampered body', async () => {
    const result = await sendWebhook({ url, webhookId: 'delivery-1', body, secret }, options);
    expect(result).toMatchObject({ succeeded: true, responseStatus: 204, error: null });
    const [{ headers, body: sent }] = received;
    expect(sent).toBe(body);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe('delivery-1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(new Webhook(secret).verify(sent, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(sent, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(sent.replace('100', '1000'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(sent, { ...headers, 'webhook-id': 'delivery-2' })).toThrow(WebhookVerificationError);
  });

  it('fails on a non-2xx answer, keeping the status and the start of the body; redirects are not followed', async () => {
    answer = (_, __, response) => response.writeHead(500).end('upstream exploded' + 'x'.repeat(10_000));
    const failed = await sendWebhook({ url, webhookId: 'd', body, secret }, options);
    expect(failed).toMatchObject({ succeeded: false, responseStatus: 500 });
    expect(failed.error).toMatch(/^HTTP 500: upstream exploded/);
    expect(failed.error!.length).toBeLessThanOrEqual(220);

    answer = (_, __, response) => response.writeHead(301, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    const redirected = await sendWebhook({ url, webhookId: 'd', body, secret }, options);
    expect(redirected).toMatchObject({ succeeded: false, responseStatus: 301, error: 'HTTP 301 (redirects are not followed)' });
    expect(received).toHaveLength(2);
  });

  it('gives up on an endpoint that does not answer within the timeout', async () => {
    answer = () => undefined; // never answers
    const result = await sendWebhook({ url, webhookId: 'd', body, secret }, { ...options, timeoutMs: 300 });
    expect(result).toMatchObject({ succeeded: false, responseStatus: null, error: 'timed out after 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('fails on a refused connection', async () => {
    const result = await sendWebhook({ url: 'http://127.0.0.1:1/hook', webhookId: 'd', body, secret }, options);
    expect(result).toMatchObject({ succeeded: false, responseStatus: null });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses private addresses when they are not allowed, also behind a name, without connecting', async () => {
    const port = new URL(url).port;
    const literal = await sendWebhook({ url, webhookId: 'd', body, secret }, { ...options, allowPrivateUrls: false });
    expect(literal.error).toBe('refused: 127.0.0.1 is a private address');
    const named = await sendWebhook({ url: `http://localhost:${port}/hook`, webhookId: 'd', body, secret }, { ...options, allowPrivateUrls: false });
    expect(named.error).toMatch(/^refused: localhost resolves to the private address/);
    expect(received).toHaveLength(0);
  });
});
