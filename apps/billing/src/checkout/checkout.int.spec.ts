import { BillingSubjects, CreateCheckoutResult } from '@credit-hub/contracts';
import { BillingHarness, startBillingHarness } from '../test/billing-harness';

describe('createCheckout (real PostgreSQL, NATS, Stripe stand-in)', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const command = (overrides: Record<string, unknown> = {}) => ({
    domain: 'demo.localhost',
    offeringId: 'pro_100',
    email: '  Ada@Example.COM ',
    successUrl: 'http://demo.localhost/success',
    cancelUrl: 'http://demo.localhost/pricing',
    ...overrides,
  });

  it('opens a payment-mode session with the offering as bought and stores it', async () => {
    const reply = await harness.request<CreateCheckoutResult>(BillingSubjects.createCheckout, command());
    if (!reply.ok) throw new Error(JSON.stringify(reply.refusal));
    expect(reply.value.sessionId).toMatch(/^cs_/);
    expect(reply.value.checkoutUrl).toBe(`${harness.standin.url}/checkout/${reply.value.sessionId}`);

    const [row] = await harness.dataSource.query('SELECT * FROM checkout_sessions WHERE id = $1', [reply.value.sessionId]);
    expect(row).toMatchObject({ domain: 'demo.localhost', offering_id: 'pro_100', email: 'ada@example.com', credits: 100, amount_minor: 4900, currency: 'usd', status: 'open', completed_at: null });

    const session = await harness.stripe.checkout.sessions.retrieve(reply.value.sessionId, { expand: ['line_items'] });
    const metadata = { domain: 'demo.localhost', offeringId: 'pro_100', email: 'ada@example.com', credits: '100', amountMinor: '4900', currency: 'usd' };
    expect(session).toMatchObject({ mode: 'payment', customer_email: 'ada@example.com', amount_total: 4900, currency: 'usd', metadata });
    expect(session.custom_text.submit?.message).toBe('Credits never expire. Refunds in exchange for feedback.');
    expect(session.line_items?.data[0]).toMatchObject({ quantity: 1, price: { unit_amount: 4900, currency: 'usd' } });
    expect(harness.standin.state.checkoutSessions.get(reply.value.sessionId)?.paymentIntentMetadata).toEqual(metadata);
  });

  it('serves every domain of the catalog', async () => {
    const reply = await harness.request<CreateCheckoutResult>(BillingSubjects.createCheckout, command({ domain: 'notes.localhost', offeringId: 'notes_50' }));
    expect(reply.ok).toBe(true);
  });

  it.each([
    ['an unknown offering', { offeringId: 'gold_9' }],
    ['an offering of another domain', { domain: 'notes.localhost', offeringId: 'starter_3' }],
    ['an unknown domain', { domain: 'nowhere.localhost' }],
  ])('refuses %s with offering_not_found and opens nothing', async (_, overrides) => {
    const before = harness.standin.state.checkoutSessions.size;
    const reply = await harness.request(BillingSubjects.createCheckout, command(overrides));
    expect(reply).toMatchObject({ ok: false, refusal: { code: 'offering_not_found', field: 'offeringId' } });
    expect(harness.standin.state.checkoutSessions.size).toBe(before);
  });

  it('refuses an invalid command with validation_failed naming the field', async () => {
    const reply = await harness.request(BillingSubjects.createCheckout, command({ email: 'not-an-email' }));
    expect(reply).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'email' } });
  });

  // Last: it stops the stand-in.
  it('answers stripe_unavailable (retryable) when Stripe cannot be reached, and stores nothing', async () => {
    await harness.standin.close();
    const reply = await harness.request(BillingSubjects.createCheckout, command({ email: 'unreachable@example.com' }));
    expect(reply).toMatchObject({ ok: false, refusal: { code: 'stripe_unavailable' } });
    const rows = await harness.dataSource.query(`SELECT 1 FROM checkout_sessions WHERE email = 'unreachable@example.com'`);
    expect(rows).toHaveLength(0);
  });
});
