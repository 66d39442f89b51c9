import { BillingSubjects, LedgerSubjects, replyOk } from '@credit-hub/contracts';
import { testNatsUrl } from '@credit-hub/testing';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { FakeService, RunningGateway, startGateway } from '../test/gateway-harness';
import { http } from '../test/http';

// The Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header) on a POST without a
// natural key (checkout), against real PostgreSQL and NATS and a stand-in billing service.

const domain = 'a.example';
let gateway: RunningGateway;
let services: FakeService;
let nc: NatsConnection;
let key: string;
let otherKey: string;
let sessions = 0;

const checkout = (offeringId = 'starter_3') => ({ domain, offeringId, email: 'ada@example.com', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' });
const post = (body: unknown, idempotencyKey?: string, apiKey = key) =>
  http(gateway.baseUrl, 'POST', '/api/billing/checkout', { key: apiKey, json: body, headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey } });

beforeAll(async () => {
  services = await FakeService.connect();
  nc = await connect({ servers: testNatsUrl, name: 'idempotency-key-test' });
  gateway = await startGateway({ NATS_REQUEST_TIMEOUT_MS: '3000' });
  key = (await gateway.createKey(domain)).key;
  otherKey = (await gateway.createKey(domain)).key;
});

afterAll(async () => {
  await gateway?.close();
  await services?.close();
  await nc?.drain();
});

beforeEach(async () => {
  // Every checkout made is a new session: a repeat that reaches billing shows as a new id.
  await services.serve(BillingSubjects.createCheckout, () => {
    sessions++;
    return replyOk({ checkoutUrl: `https://pay.example/cs_${sessions}`, sessionId: `cs_${sessions}` });
  });
});

afterEach(async () => {
  await services.stop();
  services.received.length = 0;
});

describe('Idempotency-Key', () => {
  it('answers the same key and body with the first answer, without forwarding it again', async () => {
    const first = await post(checkout(), '"order-1"');
    const again = await post(checkout(), '"order-1"');
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(services.received).toHaveLength(1);
    // The same JSON with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(checkout()).reverse());
    expect((await post(reordered, '"order-1"')).body).toEqual(first.body);
    expect(services.received).toHaveLength(1);
  });

  it('refuses the same key with another body (422) and keeps keys apart per API key', async () => {
    const first = await post(checkout(), '"order-2"');
    expect(first.status).toBe(200);
    const other = await post(checkout('pro_100'), '"order-2"');
    expect([other.status, other.body['code'], other.body['field']]).toEqual([422, 'idempotency_key_reused', 'Idempotency-Key']);
    // Another API key of the same domain has its own keys.
    const otherKeys = await post(checkout('pro_100'), '"order-2"', otherKey);
    expect(otherKeys.status).toBe(200);
    expect(otherKeys.body['sessionId']).not.toBe(first.body['sessionId']);
    expect(services.received).toHaveLength(2);
  });

  it('answers 409 to a duplicate while the first is in flight, then the first answer', async () => {
    await services.stop();
    const codec = JSONCodec();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const subscription = nc.subscribe(BillingSubjects.createCheckout, {
      callback: (_, message) => {
        const packet = codec.decode(message.data) as { id: string };
        void held.then(() => message.respond(codec.encode({ id: packet.id, response: replyOk({ checkoutUrl: 'https://pay.example/cs_slow', sessionId: 'cs_slow' }), isDisposed: true })));
      },
    });
    await nc.flush();
    const first = post(checkout(), '"order-3"');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first is being processed (held by the service)
    const duplicate = await post(checkout(), '"order-3"');
    expect([duplicate.status, duplicate.body['code'], duplicate.headers.get('retry-after')]).toEqual([409, 'idempotency_key_in_flight', '1']);
    release();
    expect((await first).body).toEqual({ checkoutUrl: 'https://pay.example/cs_slow', sessionId: 'cs_slow' });
    expect((await post(checkout(), '"order-3"')).body).toEqual({ checkoutUrl: 'https://pay.example/cs_slow', sessionId: 'cs_slow' });
    subscription.unsubscribe();
  });

  it('does not keep an error answer: the same key may be retried after a 503', async () => {
    await services.stop();
    expect((await post(checkout(), '"order-4"')).status).toBe(503);
    await services.serve(BillingSubjects.createCheckout, () => replyOk({ checkoutUrl: 'https://pay.example/cs_after', sessionId: 'cs_after' }));
    const retried = await post(checkout(), '"order-4"');
    expect([retried.status, retried.body['sessionId']]).toEqual([200, 'cs_after']);
  });

  it('refuses a malformed key (400) and changes nothing without the header or on a route with a natural key', async () => {
    const malformed = await post(checkout(), '"' + 'x'.repeat(300) + '"');
    expect([malformed.status, malformed.body['code'], malformed.body['field']]).toEqual([400, 'validation_failed', 'Idempotency-Key']);
    const a = await post(checkout());
    const b = await post(checkout());
    expect(a.body['sessionId']).not.toBe(b.body['sessionId']);
    // consume is idempotent on (domain, referenceId): the header is ignored there.
    await services.serve(LedgerSubjects.consumeCredits, () => replyOk({ balance: 1, eventId: 'e1', repeated: false }));
    const consume = { email: 'ada@example.com', domain, deltaCredits: -1, actionType: 'gen', referenceId: 'r-1' };
    for (const referenceId of ['r-1', 'r-2']) {
      const answer = await http(gateway.baseUrl, 'POST', '/api/portfolio/credits/consume', { key, json: { ...consume, referenceId }, headers: { 'idempotency-key': '"same"' } });
      expect(answer.status).toBe(200);
    }
    expect(services.received.filter((r) => r.subject === LedgerSubjects.consumeCredits)).toHaveLength(2);
  });
});
