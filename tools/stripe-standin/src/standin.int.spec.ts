// The stand-in driven by the real `stripe` SDK, with a local webhook receiver that verifies every
// delivery with `stripe.webhooks.constructEvent`, as the billing service does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { DeliveryReply, StripeStandin } from './standin';
import { startStripeStandin } from './standin';

const WEBHOOK_SECRET = 'whsec_spec_receiver_secret';
const verifier = new Stripe('sk_test_verifier', { telemetry: false });

interface Received {
  event: Stripe.Event;
  rawBody: string;
  signature: string;
}

interface Receiver {
  url: string;
  received: Received[];
  rejected: string[];
  close(): Promise<void>;
}

/** A webhook endpoint that accepts only correctly signed deliveries (200) and rejects the rest (400). */
async function startReceiver(secret = WEBHOOK_SECRET): Promise<Receiver> {
  const received: Received[] = [];
  const rejected: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const signature = String(request.headers['stripe-signature'] ?? '');
      try {
        received.push({ event: verifier.webhooks.constructEvent(rawBody, signature, secret), rawBody, signature });
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
      } catch (error) {
        rejected.push((error as Error).message);
        response.writeHead(400).end('bad signature');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sdk(standin: StripeStandin, key = 'sk_test_spec'): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: standin.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

function sessionParams(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Starter' } }, quantity: 1 }],
    customer_email: 'a@b.c',
    metadata: { domain: 'demo.localhost' },
    success_url: 'http://x/s',
    cancel_url: 'http://x/c',
    ...overrides,
  };
}

async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the Stripe call to fail');
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: <T = { error: { type: string; message: string; code?: string; param?: string } }>() => T;
}

async function raw(standin: StripeStandin, path: string, init: RequestInit = {}): Promise<RawResponse> {
  const response = await fetch(`${standin.url}${path}`, { redirect: 'manual', ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

function complete(standin: StripeStandin, sessionId: string, body?: object): Promise<RawResponse> {
  const init: RequestInit = body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  return raw(standin, `/test/checkout/sessions/${sessionId}/complete`, init);
}

const AUTH = { Authorization: 'Bearer sk_test_spec', 'Content-Type': 'application/x-www-form-urlencoded' };

describe('Stripe stand-in', () => {
  let receiver: Receiver;
  let standin: StripeStandin;
  let stripe: Stripe;

  beforeAll(async () => {
    receiver = await startReceiver();
    standin = await startStripeStandin({ port: 0, webhookUrl: receiver.url, webhookSecret: WEBHOOK_SECRET });
    stripe = sdk(standin);
  });

  afterAll(async () => {
    // close() rejects when the stand-in broke Stripe's schema: the receiver is closed either way.
    await standin.close().finally(() => receiver.close());
  });

  describe('POST /v1/checkout/sessions', () => {
    it('creates an open, unpaid session with the real Stripe field shapes', async () => {
      const before = Math.floor(Date.now() / 1000);
      const session = await stripe.checkout.sessions.create(sessionParams({ client_reference_id: 'acct_42' }));

      expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]+$/);
      expect(session).toMatchObject({
        object: 'checkout.session',
        mode: 'payment',
        status: 'open',
        payment_status: 'unpaid',
        amount_total: 500,
        amount_subtotal: 500,
        currency: 'usd',
        customer_email: 'a@b.c',
        metadata: { domain: 'demo.localhost' },
        success_url: 'http://x/s',
        cancel_url: 'http://x/c',
        payment_intent: null,
        livemode: false,
        client_reference_id: 'acct_42',
        url: `${standin.url}/checkout/${session.id}`,
      });
      expect(session.created).toBeGreaterThanOrEqual(before);
      expect(session.created).toBeLessThanOrEqual(before + 2);
      expect(session.expires_at).toBe(session.created + 24 * 60 * 60);
      expect(session.custom_text).toEqual({ after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null });
      expect(standin.state.checkoutSessions.get(session.id)?.session.amount_total).toBe(500);
    });

    it('sums unit_amount * quantity over all line items (integer minor units)', async () => {
      const session = await stripe.checkout.sessions.create(
        sessionParams({
          line_items: [
            { price_data: { currency: 'EUR', unit_amount: 1999, product_data: { name: 'Pro' } }, quantity: 3 },
            { price_data: { currency: 'eur', unit_amount: 1, product_data: { name: 'Tip' } }, quantity: 7 },
          ],
        }),
      );
      expect(session.amount_total).toBe(1999 * 3 + 7);
      expect(session.currency).toBe('eur');
    });

    it('parses nested bracket params: custom_text, payment_intent_data[metadata], expand[]', async () => {
      const session = await stripe.checkout.sessions.create(
        sessionParams({
          custom_text: { submit: { message: 'Credits are added right after payment.' } },
          payment_intent_data: { metadata: { ledger_account: 'acct_7', amount: '500' } },
          metadata: { domain: 'demo.localhost', '0': 'zero', amount: '12' },
          expand: ['line_items'],
        }),
      );
      expect(session.custom_text.submit).toEqual({ message: 'Credits are added right after payment.' });
      // Metadata stays a string map even for numeric-looking keys and values.
      expect(session.metadata).toEqual({ domain: 'demo.localhost', '0': 'zero', amount: '12' });
      expect(session.line_items?.data).toHaveLength(1);
      expect(session.line_items?.data[0]).toMatchObject({
        object: 'item',
        description: 'Starter',
        quantity: 1,
        amount_total: 500,
        currency: 'usd',
        price: { object: 'price', unit_amount: 500, currency: 'usd', type: 'one_time' },
      });
      expect(standin.state.checkoutSessions.get(session.id)?.paymentIntentMetadata).toEqual({ ledger_account: 'acct_7', amount: '500' });
    });

    it.each([
      ['mode', { mode: undefined }],
      ['line_items', { line_items: undefined }],
      ['success_url', { success_url: undefined }],
    ])('rejects a request without %s with 400 parameter_missing', async (param, overrides) => {
      const error = await stripeError(stripe.checkout.sessions.create(sessionParams(overrides as Partial<Stripe.Checkout.SessionCreateParams>)));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error.statusCode).toBe(400);
      expect(error.rawType).toBe('invalid_request_error');
      expect(error.code).toBe('parameter_missing');
      expect(error.param).toBe(param);
      expect(error.message).toBe(`Missing required param: ${param}.`);
    });

    it('rejects bad nested values with the bracket name of the param', async () => {
      const noName = await stripeError(
        stripe.checkout.sessions.create(sessionParams({ line_items: [{ price_data: { currency: 'usd', unit_amount: 500, product_data: { description: 'no name' } as Stripe.Checkout.SessionCreateParams.LineItem.PriceData.ProductData }, quantity: 1 }] })),
      );
      expect(noName.param).toBe('line_items[0][price_data][product_data][name]');

      const zeroQuantity = await stripeError(
        stripe.checkout.sessions.create(sessionParams({ line_items: [{ price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'x' } }, quantity: 0 }] })),
      );
      expect(zeroQuantity.param).toBe('line_items[0][quantity]');

      const badUrl = await stripeError(stripe.checkout.sessions.create(sessionParams({ success_url: 'javascript:alert(1)' })));
      expect(badUrl.param).toBe('success_url');

      const unknown = { ...sessionParams(), colour: 'red' };
      const unknownError = await stripeError(stripe.checkout.sessions.create(unknown));
      expect(unknownError.code).toBe('parameter_unknown');
      expect(unknownError.param).toBe('colour');
    });

    it('answers a non-integer amount with parameter_invalid_integer', async () => {
      const body =
        'mode=payment&success_url=http%3A%2F%2Fx%2Fs&line_items[0][price_data][currency]=usd' +
        '&line_items[0][price_data][unit_amount]=5.00&line_items[0][price_data][product_data][name]=A&line_items[0][quantity]=1';
      const response = await raw(standin, '/v1/checkout/sessions', { method: 'POST', headers: AUTH, body });
      expect(response.status).toBe(400);
      expect(response.json().error).toEqual({
        type: 'invalid_request_error',
        code: 'parameter_invalid_integer',
        param: 'line_items[0][price_data][unit_amount]',
        message: 'Invalid integer: 5.00',
      });
    });

    it('accepts hand-written form bodies with `expand[]` and `+` for spaces', async () => {
      const body =
        'mode=payment&success_url=http%3A%2F%2Fx%2Fs&customer_email=a%40b.c&metadata[domain]=x&expand[]=line_items' +
        '&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=250' +
        '&line_items[0][price_data][product_data][name]=Two+words&line_items[0][quantity]=2';
      const response = await raw(standin, '/v1/checkout/sessions', { method: 'POST', headers: AUTH, body });
      expect(response.status).toBe(200);
      const session = response.json<Stripe.Checkout.Session>();
      expect(session.amount_total).toBe(500);
      expect(session.metadata).toEqual({ domain: 'x' });
      expect(session.line_items?.data[0].description).toBe('Two words');
    });
  });

  describe('authentication', () => {
    it('401s a request without an API key, in the Stripe error shape', async () => {
      const response = await raw(standin, '/v1/checkout/sessions');
      expect(response.status).toBe(401);
      expect(response.json().error.type).toBe('invalid_request_error');
      expect(response.json().error.message).toMatch(/You did not provide an API key/);
    });

    it('401s a publishable key through the SDK as StripeAuthenticationError', async () => {
      const error = await stripeError(sdk(standin, 'pk_test_nope').checkout.sessions.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.statusCode).toBe(401);
      expect(error.message).not.toContain('pk_test_nope');
    });

    it('accepts curl-style Basic auth with the secret key as user name', async () => {
      const basic = Buffer.from('sk_test_curl:').toString('base64');
      const response = await raw(standin, '/v1/checkout/sessions?limit=1', { headers: { Authorization: `Basic ${basic}` } });
      expect(response.status).toBe(200);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the stored response for the same key and path, creating nothing new', async () => {
      const count = standin.state.checkoutSessions.size;
      const first = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-same' });
      const second = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-same' });

      expect(second.id).toBe(first.id);
      expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(standin.state.checkoutSessions.size).toBe(count + 1);
    });

    it('replays the original snapshot even after the session changed (Stripe semantics)', async () => {
      const first = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-snapshot' });
      expect((await complete(standin, first.id, { deliver: false })).status).toBe(200);
      const replay = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-snapshot' });
      expect(replay.id).toBe(first.id);
      expect(replay.status).toBe('open');
      expect((await stripe.checkout.sessions.retrieve(first.id)).status).toBe('complete');
    });

    it('rejects the same key with different params as an idempotency_error', async () => {
      await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-conflict' });
      const error = await stripeError(stripe.checkout.sessions.create(sessionParams({ customer_email: 'other@b.c' }), { idempotencyKey: 'idem-conflict' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(error.statusCode).toBe(400);
    });

    it('does not store failed requests, so a corrected retry with the same key succeeds', async () => {
      await stripeError(stripe.checkout.sessions.create(sessionParams({ success_url: undefined }), { idempotencyKey: 'idem-retry' }));
      const session = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-retry' });
      expect(session.status).toBe('open');
    });

    it('creates distinct sessions for distinct keys', async () => {
      const a = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-a' });
      const b = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'idem-b' });
      expect(a.id).not.toBe(b.id);
    });
  });

  describe('GET /v1/checkout/sessions', () => {
    it('retrieves a session by id and 404s an unknown one as resource_missing', async () => {
      const created = await stripe.checkout.sessions.create(sessionParams());
      const retrieved = await stripe.checkout.sessions.retrieve(created.id);
      expect({ ...retrieved }).toEqual({ ...created });

      const error = await stripeError(stripe.checkout.sessions.retrieve('cs_test_missing'));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error.statusCode).toBe(404);
      expect(error.code).toBe('resource_missing');
      expect(error.message).toBe("No such checkout.session: 'cs_test_missing'");
    });

    it('lists newest first with limit, has_more and starting_after', async () => {
      const a = await stripe.checkout.sessions.create(sessionParams());
      const b = await stripe.checkout.sessions.create(sessionParams());
      const page = await stripe.checkout.sessions.list({ limit: 2 });
      expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/checkout/sessions' });
      expect(page.data.map((session) => session.id)).toEqual([b.id, a.id]);
      const next = await stripe.checkout.sessions.list({ limit: 1, starting_after: b.id });
      expect(next.data[0].id).toBe(a.id);
    });

    it('lists line items of a session', async () => {
      const session = await stripe.checkout.sessions.create(sessionParams({ line_items: [{ price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Big' } }, quantity: 2 }] }));
      const items = await stripe.checkout.sessions.listLineItems(session.id);
      expect(items.data.map((item) => [item.description, item.quantity, item.amount_total])).toEqual([['Big', 2, 1400]]);
    });
  });

  describe('completion and webhooks', () => {
    it('completes a session, stores the event and delivers it with a signature constructEvent accepts', async () => {
      const session = await stripe.checkout.sessions.create(sessionParams({ payment_intent_data: { metadata: { ledger_account: 'acct_9' } } }));
      const deliveredBefore = receiver.received.length;

      const response = await complete(standin, session.id);
      expect(response.status).toBe(200);
      const { event, delivery } = response.json<DeliveryReply>();

      expect(event.id).toMatch(/^evt_test_/);
      expect(event).toMatchObject({ object: 'event', type: 'checkout.session.completed', livemode: false, request: { id: null, idempotency_key: null } });
      expect(event.api_version).toMatch(/^\d{4}-\d{2}-\d{2}\.\w+$/);
      expect(event.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid', amount_total: 500, metadata: { domain: 'demo.localhost' } });
      expect(event.data.object.payment_intent).toMatch(/^pi_test_/);
      expect(delivery).toEqual({ status: 200, body: '{"received":true}' });

      expect(receiver.received).toHaveLength(deliveredBefore + 1);
      const received = receiver.received[receiver.received.length - 1];
      expect(received.event.id).toBe(event.id);
      expect(received.event.type).toBe('checkout.session.completed');
      expect(received.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(() => verifier.webhooks.constructEvent(received.rawBody, received.signature, 'whsec_some_other_secret')).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );

      const retrieved = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
      expect(retrieved.status).toBe('complete');
      expect(retrieved.customer_details?.email).toBe('a@b.c');
      expect(retrieved.payment_intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 500, amount_received: 500, currency: 'usd', metadata: { ledger_account: 'acct_9' } });
      expect(await stripe.events.retrieve(event.id)).toMatchObject({ id: event.id, data: { object: { id: session.id } }, pending_webhooks: 0 });
      const byEmail = await stripe.checkout.sessions.list({ customer_details: { email: 'a@b.c' }, limit: 100 });
      expect(byEmail.data.map((found) => found.id)).toContain(session.id);
      expect(byEmail.data.every((found) => found.status === 'complete')).toBe(true);
    });

    it('refuses to complete a session twice with a 409 Stripe error, and emits no second event', async () => {
      const session = await stripe.checkout.sessions.create(sessionParams());
      expect((await complete(standin, session.id, { deliver: false })).status).toBe(200);
      const events = standin.state.events.length;

      const second = await complete(standin, session.id);
      expect(second.status).toBe(409);
      expect(second.json().error.type).toBe('invalid_request_error');
      expect(standin.state.events).toHaveLength(events);
    });

    it('stores but does not deliver when deliver is false', async () => {
      const session = await stripe.checkout.sessions.create(sessionParams());
      const deliveredBefore = receiver.received.length;
      const response = await complete(standin, session.id, { deliver: false });
      const { event, delivery } = response.json<DeliveryReply>();
      expect(delivery).toBeNull();
      expect(event.pending_webhooks).toBe(0);
      expect(receiver.received).toHaveLength(deliveredBefore);
      expect((await stripe.events.retrieve(event.id)).id).toBe(event.id);
    });

    it('re-delivers stored events as duplicates and in any order, each freshly signed', async () => {
      const first = await stripe.checkout.sessions.create(sessionParams());
      const second = await stripe.checkout.sessions.create(sessionParams());
      const firstEvent = (await complete(standin, first.id, { deliver: false })).json<DeliveryReply>().event;
      const secondEvent = (await complete(standin, second.id, { deliver: false })).json<DeliveryReply>().event;
      const start = receiver.received.length;

      for (const id of [secondEvent.id, firstEvent.id, firstEvent.id]) {
        const response = await raw(standin, `/test/events/${id}/deliver`, { method: 'POST' });
        expect(response.status).toBe(200);
        expect(response.json<DeliveryReply>().delivery?.status).toBe(200);
      }

      const ids = receiver.received.slice(start).map((delivery) => delivery.event.id);
      expect(ids).toEqual([secondEvent.id, firstEvent.id, firstEvent.id]);
      expect(receiver.rejected).toEqual([]);
      expect((await raw(standin, '/test/events/evt_test_missing/deliver', { method: 'POST' })).status).toBe(404);
    });

    it('400s a malformed JSON body on the completion helper without completing', async () => {
      const session = await stripe.checkout.sessions.create(sessionParams());
      const response = await raw(standin, `/test/checkout/sessions/${session.id}/complete`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"deliver":' });
      expect(response.status).toBe(400);
      expect(response.json().error.type).toBe('invalid_request_error');
      expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    });
  });

  describe('hosted checkout page', () => {
    it('shows amount and email, escapes user text, and its Pay form completes and redirects', async () => {
      const session = await stripe.checkout.sessions.create(
        sessionParams({
          line_items: [{ price_data: { currency: 'usd', unit_amount: 1250, product_data: { name: '<script>alert(1)</script>' } }, quantity: 1 }],
          success_url: 'http://x/s?session_id={CHECKOUT_SESSION_ID}',
        }),
      );
      const page = await raw(standin, `/checkout/${session.id}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('$12.50');
      expect(page.text).toContain('a@b.c');
      expect(page.text).not.toContain('<script>alert(1)</script>');
      expect(page.text).toContain(`action="/test/checkout/sessions/${session.id}/complete"`);

      const pay = await raw(standin, `/test/checkout/sessions/${session.id}/complete`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
        body: 'deliver=true',
      });
      expect(pay.status).toBe(303);
      expect(pay.headers.get('location')).toBe(`http://x/s?session_id=${session.id}`);
      expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
      expect((await raw(standin, `/checkout/${session.id}`)).text).toContain('complete (paid)');
    });

    it('404s an unknown session page', async () => {
      expect((await raw(standin, '/checkout/cs_test_nope')).status).toBe(404);
    });
  });

  describe('robustness', () => {
    it('answers unknown routes with a Stripe-shaped 404', async () => {
      const response = await raw(standin, '/v1/charges', { headers: AUTH });
      expect(response.status).toBe(404);
      expect(response.json().error).toEqual({ type: 'invalid_request_error', message: 'Unrecognized request URL (GET: /v1/charges).' });
    });

    it.each([
      ['bad percent-encoding', 'mode=payment&metadata[x]=%E0%A4%A'],
      ['unbalanced brackets', 'metadata[x=1'],
      ['a name used as value and object', 'metadata=1&metadata[x]=2'],
    ])('400s a malformed form body (%s) and keeps serving', async (_case, body) => {
      const response = await raw(standin, '/v1/checkout/sessions', { method: 'POST', headers: AUTH, body });
      expect(response.status).toBe(400);
      expect(response.json().error.type).toBe('invalid_request_error');
      expect((await raw(standin, '/test/health')).json<{ ok: boolean }>()).toEqual({ ok: true });
    });

    it('400s a JSON body on the form-encoded API', async () => {
      const response = await raw(standin, '/v1/checkout/sessions', { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: '{"mode":"payment"}' });
      expect(response.status).toBe(400);
    });
  });
});

describe('GET /v1/events', () => {
  let standin: StripeStandin;
  let stripe: Stripe;
  const eventIds: string[] = [];

  beforeAll(async () => {
    standin = await startStripeStandin({ port: 0, webhookUrl: 'http://127.0.0.1:9/unused' });
    stripe = sdk(standin);
    for (let index = 0; index < 3; index++) {
      const session = await stripe.checkout.sessions.create(sessionParams());
      eventIds.push((await complete(standin, session.id, { deliver: false })).json<DeliveryReply>().event.id);
    }
  });

  afterAll(() => standin.close());

  it('lists newest first with limit, has_more and starting_after', async () => {
    const page = await stripe.events.list({ limit: 2 });
    expect(page.data.map((event) => event.id)).toEqual([eventIds[2], eventIds[1]]);
    expect(page.has_more).toBe(true);
    expect(page.url).toBe('/v1/events');
    const rest = await stripe.events.list({ limit: 2, starting_after: eventIds[1] });
    expect(rest.data.map((event) => event.id)).toEqual([eventIds[0]]);
    expect(rest.has_more).toBe(false);
  });

  it('filters by created[gte] and by type (with * wildcard)', async () => {
    const created = standin.state.events[0].created;
    expect((await stripe.events.list({ created: { gte: created } })).data).toHaveLength(3);
    expect((await stripe.events.list({ created: { gte: created + 3600 } })).data).toHaveLength(0);
    expect((await stripe.events.list({ type: 'checkout.session.completed' })).data).toHaveLength(3);
    expect((await stripe.events.list({ type: 'checkout.session.*' })).data).toHaveLength(3);
    expect((await stripe.events.list({ type: 'invoice.paid' })).data).toHaveLength(0);
  });

  it('rejects an unknown cursor, an out-of-range limit and unknown params', async () => {
    expect((await stripeError(stripe.events.list({ starting_after: 'evt_nope' }))).code).toBe('resource_missing');
    expect((await stripeError(stripe.events.list({ limit: 101 }))).param).toBe('limit');
    const unknown = { colour: 'red' } as Stripe.EventListParams;
    expect((await stripeError(stripe.events.list(unknown))).code).toBe('parameter_unknown');
  });

  it('404s an unknown event id', async () => {
    const error = await stripeError(stripe.events.retrieve('evt_nope'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
  });
});

describe('webhook receiver down', () => {
  it('reports delivery status 0 with the error, keeps the event, and keeps serving', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const standin = await startStripeStandin({ port: 0, webhookUrl: `http://127.0.0.1:${closedPort}/webhooks/stripe` });
    try {
      const stripe = sdk(standin);
      const session = await stripe.checkout.sessions.create(sessionParams());
      const response = await complete(standin, session.id);
      expect(response.status).toBe(200);
      const { event, delivery } = response.json<DeliveryReply>();
      expect(delivery).toMatchObject({ status: 0 });
      expect(delivery && 'error' in delivery ? delivery.error : '').toMatch(/ECONNREFUSED/);
      expect(event.pending_webhooks).toBe(1);
      expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(1);
      expect(standin.state.deliveries).toEqual([expect.objectContaining({ event_id: event.id, result: delivery })]);
      expect((await raw(standin, '/test/health')).status).toBe(200);
    } finally {
      await standin.close();
    }
  });
});
