// The stand-in checked against Stripe's own schema (JSON Schemas generated from the pinned `stripe`
// package's types by the jest global setup): what it returns and sends has every field API
// 2026-10-28.endive always returns, none it removed, only enum values it lists; and it refuses the
// requests Stripe refuses, with Stripe-shaped 400s.
import Stripe from 'stripe';
import { StripeContract } from './contract/contract';
import type { DeliveryReply, Dispute, StripeStandin } from './standin';
import { CONTRACT_SCHEMAS_ENV, startStripeStandin } from './standin';
import type { Receiver } from './test/spec-support';
import { advance, drain, helper, sdk, SPEC_WEBHOOK_SECRET, startReceiver, stripeError } from './test/spec-support';

describe('Stripe schema contract', () => {
  let receiver: Receiver;
  let standin: StripeStandin;
  let stripe: Stripe;

  beforeEach(async () => {
    receiver = await startReceiver();
    standin = await startStripeStandin({ port: 0, webhookUrl: receiver.url, webhookSecret: SPEC_WEBHOOK_SECRET });
    stripe = sdk(standin);
  });

  afterEach(async () => {
    // close() rejects when the stand-in broke Stripe's schema: the receiver is closed either way.
    await standin.close().finally(() => receiver.close());
    expect(receiver.rejected).toEqual([]);
  });

  const usd = (amount: number, recurring?: { interval: 'month' }) => ({
    price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Credits' }, ...(recurring ? { recurring } : {}) },
    quantity: 1,
  });

  async function complete(sessionId: string): Promise<DeliveryReply> {
    const { status, body } = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${sessionId}/complete`);
    expect(status).toBe(200);
    return body;
  }

  describe('the check itself', () => {
    it('is on in the test run and reports the shapes the pinned version removed or never had', async () => {
      expect(standin.contract.enabled).toBe(true);
      const contract = StripeContract.load(process.env[CONTRACT_SCHEMAS_ENV] as string);
      expect(contract.versions).toEqual({ stripe: '23.1.0', api: Stripe.API_VERSION });
      const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s', customer_email: 'd@example.com' });
      const subscription = await stripe.subscriptions.retrieve((await complete(session.id)).event.data.object.subscription as string);
      // Raw JSON, as it goes over the wire (the SDK turns `*_decimal` strings into Decimal objects).
      const raw = await fetch(`${standin.url}/v1/invoices/${subscription.latest_invoice as string}`, { headers: { Authorization: 'Bearer sk_test_spec' } });
      const invoice = (await raw.json()) as Record<string, unknown>;
      expect(contract.checkObject('the invoice', invoice)).toEqual([]);
      const { automatic_tax: _tax, issuer: _issuer, ...preBasil } = { ...invoice, subscription: subscription.id };
      const [violation] = contract.checkObject('a pre-2025 invoice', preBasil);
      expect(violation.errors.sort()).toEqual(["(top): missing required field 'automatic_tax'", "(top): missing required field 'issuer'", "(top): unknown field 'subscription'"]);
      const [badEnum] = contract.checkObject('a dispute', { object: 'dispute', evidence_details: { submission_method: 'manual_api' } });
      expect(badEnum.errors).toContain('/evidence_details/submission_method: must be one of ["manual","not_submitted","smart_disputes"]');
      expect(contract.checkObject('no object', { id: 'x' })[0].errors).toEqual(['not a Stripe object (no `object` field)']);
      expect(contract.checkEvent('an unknown event', { object: 'event', type: 'charge.bogus' })[0].errors).toEqual(["no Stripe schema for event type 'charge.bogus'"]);
    });

    it('fails close() with what it recorded, so a suite cannot pass over a stand-in that breaks the schema', async () => {
      const other = await startStripeStandin({ port: 0, webhookUrl: receiver.url, webhookSecret: SPEC_WEBHOOK_SECRET });
      // A served object bent out of shape behind the stand-in's back: the next response carries it.
      const session = await sdk(other).checkout.sessions.create({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s' });
      (other.state.checkoutSessions.get(session.id)?.session as unknown as Record<string, unknown>).ui_mode = 'hosted';
      await sdk(other).checkout.sessions.retrieve(session.id);
      const report = (await (await fetch(`${other.url}/test/contract-violations`)).json()) as { enabled: boolean; violations: { source: string; errors: string[] }[] };
      expect(report).toMatchObject({ enabled: true, violations: [{ source: `GET /v1/checkout/sessions/${session.id}` }] });
      expect(report.violations[0].errors).toContain('/ui_mode: must be one of ["elements","embedded_page","form","hosted_page"]');
      await expect(other.close()).rejects.toThrow(/outside Stripe's schema[\s\S]*GET \/v1\/checkout\/sessions/);
    });
  });

  describe('objects with every field Stripe always returns', () => {
    it('checkout session and payment intent', async () => {
      const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s', customer_email: 'a@example.com' });
      expect(session).toMatchObject({
        automatic_tax: { enabled: false, liability: null, provider: null, status: null },
        custom_fields: [],
        shipping_options: [],
        total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
        client_secret: null,
        ui_mode: 'hosted_page',
        customer_creation: 'if_required',
      });
      const completed = await complete(session.id);
      const paymentIntent = await stripe.paymentIntents.retrieve(completed.event.data.object.payment_intent as string);
      expect(paymentIntent).toMatchObject({ capture_method: 'automatic', confirmation_method: 'automatic', client_secret: expect.stringMatching(/^pi_test_\w+_secret_\w+$/) });
      expect(standin.contract.violations()).toEqual([]);
    });

    it('subscription and invoice as API 2026-10-28 has them: period on the items, subscription on the invoice parent', async () => {
      const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s', customer_email: 'b@example.com' });
      const completed = await complete(session.id);
      const subscription = await stripe.subscriptions.retrieve(completed.event.data.object.subscription as string);
      expect(subscription).toMatchObject({
        billing_mode: { type: 'classic', flexible: null },
        invoice_settings: { issuer: { type: 'self' }, account_tax_ids: null, custom_fields: null },
        items: { data: [{ current_period_start: subscription.start_date, current_period_end: expect.any(Number) }] },
      });
      expect(subscription).not.toHaveProperty('current_period_start');
      expect(subscription).not.toHaveProperty('current_period_end');
      const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
      expect(invoice).toMatchObject({
        automatic_tax: { enabled: false },
        default_tax_rates: [],
        issuer: { type: 'self' },
        payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
        parent: { subscription_details: { subscription: subscription.id } },
      });
      expect(invoice).not.toHaveProperty('subscription');
      await advance(standin, { days: 32 });
      await drain(standin);
      expect(standin.contract.violations()).toEqual([]);
    });

    it('dispute: card network, and submission_method from Stripe enum (not_submitted, then manual)', async () => {
      const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(700)], success_url: 'http://x/s' });
      const completed = await complete(session.id);
      const paymentIntent = await stripe.paymentIntents.retrieve(completed.event.data.object.payment_intent as string);
      const opened = await helper<{ dispute: Dispute }>(standin, `/test/charges/${paymentIntent.latest_charge as string}/dispute`, {});
      expect(opened.body.dispute).toMatchObject({ payment_method_details: { card: { network: 'visa' } }, evidence_details: { submission_method: 'not_submitted' } });
      const submitted = await stripe.disputes.update(opened.body.dispute.id, { evidence: { uncategorized_text: 'usage log' } });
      expect(submitted.evidence_details.submission_method).toBe('manual');
      await drain(standin);
      expect(standin.contract.violations()).toEqual([]);
    });
  });

  describe('refuses what Stripe refuses', () => {
    const paymentSession = (overrides: Record<string, unknown>) =>
      ({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s', ...overrides }) as Stripe.Checkout.SessionCreateParams;

    it('a currency Stripe does not support (zzz)', async () => {
      const error = await stripeError(stripe.checkout.sessions.create(paymentSession({ line_items: [{ ...usd(500), price_data: { ...usd(500).price_data, currency: 'zzz' } }] })));
      expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'line_items[0][price_data][currency]' });
      expect(error.message).toMatch(/^Invalid currency: zzz\. Stripe currently supports these currencies: usd, /);
    });

    it('a USD charge below the 50-cent minimum (49 refused, 50 accepted; a free plan is fine)', async () => {
      const error = await stripeError(stripe.checkout.sessions.create(paymentSession({ line_items: [usd(49)] })));
      expect(error).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'line_items', message: "The Checkout Session's total amount due must add up to at least 0.50 usd" });
      await expect(stripe.checkout.sessions.create(paymentSession({ line_items: [usd(50)] }))).resolves.toMatchObject({ amount_total: 50 });
      const cheapPlan = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(10, { interval: 'month' })], success_url: 'http://x/s' }));
      expect(cheapPlan).toMatchObject({ statusCode: 400, code: 'amount_too_small' });
      await expect(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(0, { interval: 'month' })], success_url: 'http://x/s' })).resolves.toMatchObject({ amount_total: 0 });
    });

    it('proration_behavior=sometimes on a subscription update', async () => {
      const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s', customer_email: 'c@example.com' });
      const subscriptionId = (await complete(session.id)).event.data.object.subscription as string;
      const error = await stripeError(stripe.subscriptions.update(subscriptionId, { proration_behavior: 'sometimes' as 'none', metadata: { a: '1' } }));
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_invalid_string', param: 'proration_behavior' });
      expect((await stripe.subscriptions.retrieve(subscriptionId)).metadata).toEqual({});
      await expect(stripe.subscriptions.update(subscriptionId, { proration_behavior: 'none', metadata: { a: '1' } })).resolves.toMatchObject({ metadata: { a: '1' } });
      const checkoutError = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s', subscription_data: { proration_behavior: 'sometimes' as 'none' } }));
      expect(checkoutError).toMatchObject({ statusCode: 400, param: 'subscription_data[proration_behavior]' });
    });

    it.each([
      ['checkout sessions', (client: Stripe) => client.checkout.sessions.list({ status: 'bogus' as 'open' })],
      ['invoices', (client: Stripe) => client.invoices.list({ status: 'bogus' as 'open' })],
      ['subscriptions', (client: Stripe) => client.subscriptions.list({ status: 'bogus' as 'active' })],
    ])('status=bogus on the %s list', async (_name, list) => {
      const error = await stripeError(list(stripe));
      expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'parameter_invalid_string', param: 'status' });
      expect(error.message).toMatch(/^Invalid status: must be one of /);
    });

    it('unknown keys under custom_text[*] and payment_intent_data', async () => {
      const customText = await stripeError(stripe.checkout.sessions.create(paymentSession({ custom_text: { submit: { message: 'hi', colour: 'red' } } })));
      expect(customText).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'custom_text[submit][colour]' });
      const paymentIntentData = await stripeError(stripe.checkout.sessions.create(paymentSession({ payment_intent_data: { metadata: { a: '1' }, bogus: 'x' } })));
      expect(paymentIntentData).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'payment_intent_data[bogus]' });
      await expect(stripe.checkout.sessions.create(paymentSession({ custom_text: { submit: { message: 'hi' } }, payment_intent_data: { metadata: { a: '1' }, description: 'Credits' } }))).resolves.toMatchObject({ object: 'checkout.session' });
      expect(standin.state.checkoutSessions.size).toBe(1);
    });
  });
});
