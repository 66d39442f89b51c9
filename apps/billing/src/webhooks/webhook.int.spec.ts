import { BillingEventSubjects, BillingSubjects, CreateCheckoutResult, HandleStripeWebhookResult, PaymentSucceededV1, Reply, Streams } from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { readCatalogFile, CatalogService } from '../catalog/catalog.service';
import { BillingHarness, completeInStandin, demoCatalogFile, signedWebhook, startBillingHarness } from '../test/billing-harness';

type WebhookReply = Reply<HandleStripeWebhookResult>;

describe('handleStripeWebhook (real PostgreSQL, NATS JetStream, Stripe stand-in)', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function checkout(offeringId: string, email: string): Promise<string> {
    const reply = await harness.request<CreateCheckoutResult>(BillingSubjects.createCheckout, {
      domain: 'demo.localhost', offeringId, email, successUrl: 'http://demo.localhost/ok', cancelUrl: 'http://demo.localhost/pricing',
    });
    if (!reply.ok) throw new Error(JSON.stringify(reply.refusal));
    return reply.value.sessionId;
  }

  const deliver = (command: { payloadBase64: string; signature: string }) =>
    harness.request<HandleStripeWebhookResult>(BillingSubjects.handleStripeWebhook, command);

  async function count(sql: string, parameters: unknown[]): Promise<number> {
    const [row] = await harness.dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, parameters);
    return row.n;
  }

  /** Every message of stream BILLING for `stripeEventId`, read from the start with an ordered consumer. */
  async function streamMessagesFor(stripeEventId: string): Promise<Array<{ subject: string; body: PaymentSucceededV1 }>> {
    const consumer = await harness.nc.jetstream().consumers.get(Streams.billing.name);
    const found: Array<{ subject: string; body: PaymentSucceededV1 }> = [];
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1500 });
    for await (const message of batch) {
      const body = message.json<PaymentSucceededV1>();
      if (body.stripeEventId === stripeEventId) found.push({ subject: message.subject, body });
    }
    return found;
  }

  it('credits one paid checkout once although its event arrives 10 times, some concurrently', async () => {
    const sessionId = await checkout('pro_100', 'Grace@Example.com');
    const event = await completeInStandin(harness.standin, sessionId);
    const payload = JSON.stringify(event, null, 2);

    const concurrent = await Promise.all(Array.from({ length: 7 }, () => deliver(signedWebhook(harness.stripe, payload))));
    const sequential: WebhookReply[] = [];
    for (let i = 0; i < 3; i++) sequential.push(await deliver(signedWebhook(harness.stripe, payload)));
    const outcomes = [...concurrent, ...sequential].map((reply) => (reply.ok ? reply.value.outcome : reply.refusal.code));
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
    expect(sequential[2]).toEqual({ ok: true, value: { outcome: 'duplicate', stripeEventId: event['id'], type: 'checkout.session.completed' } });

    expect(await count('outbox WHERE message_id = $1', [event['id']])).toBe(1);
    expect(await count(`stripe_events WHERE stripe_event_id = $1 AND outcome = 'processed'`, [event['id']])).toBe(1);
    const [row] = await harness.dataSource.query('SELECT status, completed_at FROM checkout_sessions WHERE id = $1', [sessionId]);
    expect(row.status).toBe('completed');
    expect(row.completed_at).toEqual(new Date((event['created'] as number) * 1000));

    await eventually('the outbox row to be published', async () =>
      (await count('outbox WHERE message_id = $1 AND published_at IS NOT NULL', [event['id']])) === 1,
    );
    const messages = await streamMessagesFor(event['id'] as string);
    expect(messages).toHaveLength(1);
    const session = (event['data'] as { object: { payment_intent: string } }).object;
    expect(messages[0]).toEqual({
      subject: BillingEventSubjects.paymentSucceeded,
      body: {
        stripeEventId: event['id'],
        checkoutSessionId: sessionId,
        paymentIntentId: session.payment_intent,
        domain: 'demo.localhost',
        offeringId: 'pro_100',
        email: 'grace@example.com',
        credits: 100,
        amountMinor: 4900,
        currency: 'usd',
        scopeDomain: null,
        paidAt: new Date((event['created'] as number) * 1000).toISOString(),
        connectedAccountId: null,
        applicationFeeMinor: null,
      },
    });
    expect(session.payment_intent).toMatch(/^pi_/);
  });

  describe('refuses and writes nothing', () => {
    let payload: string;
    let eventId: string;

    beforeAll(async () => {
      const event = await completeInStandin(harness.standin, await checkout('starter_3', 'mallory@example.com'));
      payload = JSON.stringify(event);
      eventId = event['id'] as string;
    });

    afterEach(async () => {
      expect(await count('stripe_events WHERE stripe_event_id = $1', [eventId])).toBe(0);
      expect(await count('outbox WHERE message_id = $1', [eventId])).toBe(0);
    });

    const now = () => Math.floor(Date.now() / 1000);

    it('a signature made with another secret: webhook_signature_invalid', async () => {
      const reply = await deliver(signedWebhook(harness.stripe, payload, 'whsec_forged'));
      expect(reply).toMatchObject({ ok: false, refusal: { code: 'webhook_signature_invalid' } });
    });

    it('a payload changed after signing: webhook_signature_invalid', async () => {
      const signed = signedWebhook(harness.stripe, payload);
      const tampered = payload.replace('"amount_total":500', '"amount_total":5');
      expect(tampered).not.toBe(payload);
      const reply = await deliver({ payloadBase64: Buffer.from(tampered).toString('base64'), signature: signed.signature });
      expect(reply).toMatchObject({ ok: false, refusal: { code: 'webhook_signature_invalid' } });
    });

    it('a garbage signature header: webhook_signature_invalid', async () => {
      const reply = await deliver({ payloadBase64: Buffer.from(payload).toString('base64'), signature: 'nonsense' });
      expect(reply).toMatchObject({ ok: false, refusal: { code: 'webhook_signature_invalid' } });
    });

    it('a timestamp 10 minutes in the future: webhook_timestamp_out_of_tolerance', async () => {
      const reply = await deliver(signedWebhook(harness.stripe, payload, undefined, now() + 600));
      expect(reply).toMatchObject({ ok: false, refusal: { code: 'webhook_timestamp_out_of_tolerance' } });
    });

    it('a timestamp 10 minutes old: webhook_timestamp_out_of_tolerance', async () => {
      const reply = await deliver(signedWebhook(harness.stripe, payload, undefined, now() - 600));
      expect(reply).toMatchObject({ ok: false, refusal: { code: 'webhook_timestamp_out_of_tolerance' } });
    });
  });

  it('refuses a correctly signed body that is not JSON: webhook_payload_invalid', async () => {
    const reply = await deliver(signedWebhook(harness.stripe, 'not json at all'));
    expect(reply).toMatchObject({ ok: false, refusal: { code: 'webhook_payload_invalid' } });
  });

  it('records an unhandled event type as ignored and acknowledges it, then its repeat as duplicate', async () => {
    const event = { id: 'evt_test_unhandled_1', object: 'event', type: 'customer.created', created: 1_700_000_000, data: { object: { id: 'cus_1', object: 'customer' } } };
    const payload = JSON.stringify(event);
    const first = await deliver(signedWebhook(harness.stripe, payload));
    expect(first).toEqual({ ok: true, value: { outcome: 'ignored', stripeEventId: event.id, type: 'customer.created' } });
    const again = await deliver(signedWebhook(harness.stripe, payload));
    expect(again).toMatchObject({ ok: true, value: { outcome: 'duplicate' } });
    expect(await count(`stripe_events WHERE stripe_event_id = $1 AND outcome = 'ignored'`, [event.id])).toBe(1);
    expect(await count('outbox WHERE message_id = $1', [event.id])).toBe(0);
  });

  it('ignores a completed session that is not paid yet (delayed payment method)', async () => {
    const event = await completeInStandin(harness.standin, await checkout('starter_3', 'later@example.com'));
    const session = (event['data'] as { object: Record<string, unknown> }).object;
    const unpaid = { ...event, id: 'evt_test_unpaid_1', data: { object: { ...session, payment_status: 'unpaid' } } };
    const reply = await deliver(signedWebhook(harness.stripe, JSON.stringify(unpaid)));
    expect(reply).toMatchObject({ ok: true, value: { outcome: 'ignored' } });
    expect(await count('outbox WHERE message_id = $1', [unpaid.id])).toBe(0);
    const [row] = await harness.dataSource.query('SELECT status FROM checkout_sessions WHERE id = $1', [session['id']]);
    expect(row.status).toBe('open');
  });

  it('credits what was bought even if the offering changed before payment', async () => {
    const catalog = harness.app.get(CatalogService);
    const original = await readCatalogFile(demoCatalogFile);
    const sessionId = await checkout('team_1000', 'bought-before@example.com');
    const repriced = structuredClone(original);
    const team = repriced.domains[0].offerings.find((o) => o.offeringId === 'team_1000')!;
    Object.assign(team, { credits: 500, amountMinor: 39900 });
    await catalog.store(repriced);
    try {
      const event = await completeInStandin(harness.standin, sessionId);
      const reply = await deliver(signedWebhook(harness.stripe, JSON.stringify(event)));
      expect(reply).toMatchObject({ ok: true, value: { outcome: 'processed' } });
      const [row] = await harness.dataSource.query('SELECT payload FROM outbox WHERE message_id = $1', [event['id']]);
      expect(row.payload).toMatchObject({ offeringId: 'team_1000', credits: 1000, amountMinor: 29900, currency: 'usd' });
    } finally {
      await catalog.store(original);
    }
  });

  it('credits a session once even when a second event (other id) reports it paid', async () => {
    const event = await completeInStandin(harness.standin, await checkout('starter_3', 'twice@example.com'));
    const first = await deliver(signedWebhook(harness.stripe, JSON.stringify(event)));
    const asyncPaid = { ...event, id: `${event['id'] as string}_async`, type: 'checkout.session.async_payment_succeeded' };
    const second = await deliver(signedWebhook(harness.stripe, JSON.stringify(asyncPaid)));
    expect([first, second].map((r) => (r.ok ? r.value.outcome : r.refusal.code))).toEqual(['processed', 'duplicate']);
    expect(await count('outbox WHERE message_id = ANY($1)', [[event['id'], asyncPaid.id]])).toBe(1);
  });
});
