// Stripe Connect on the stand-in, through the official SDK with `{ stripeAccount }`: onboarding through
// account links (page and helpers), the Stripe-Account header scoping every object, application fees on
// direct charges and their refunds, disputes on connected accounts, and Connect webhooks (own endpoint,
// own secret, top-level `account`). Every response and event is checked against Stripe's schema
// (close() fails on a violation).
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Account, ApplicationFee, DeliveryReply, Dispute, Refund, StripeStandin } from './standin';
import { startStripeStandin } from './standin';
import type { Receiver } from './test/spec-support';
import { advance, drain, helper, sdk, SPEC_WEBHOOK_SECRET, startReceiver, stripeError, typesOf } from './test/spec-support';

/** The Connect endpoint's secret: random per run (no usable secret is committed), distinct from the platform's. */
const CONNECT_SECRET = `whsec_${randomBytes(24).toString('hex')}`;

describe('Stripe Connect', () => {
  let platformReceiver: Receiver;
  let connectReceiver: Receiver;
  let standin: StripeStandin;
  let stripe: Stripe;

  beforeEach(async () => {
    platformReceiver = await startReceiver();
    connectReceiver = await startReceiver(CONNECT_SECRET);
    standin = await startStripeStandin({
      port: 0,
      webhookUrl: platformReceiver.url,
      webhookSecret: SPEC_WEBHOOK_SECRET,
      connectWebhookUrl: connectReceiver.url,
      connectWebhookSecret: CONNECT_SECRET,
    });
    stripe = sdk(standin);
  });

  afterEach(async () => {
    // close() rejects when the stand-in broke Stripe's schema: the receivers are closed either way.
    await standin.close().finally(() => Promise.all([platformReceiver.close(), connectReceiver.close()]));
    // Each receiver only accepts its own secret: a Connect event signed with the platform secret (or sent to the wrong endpoint) shows here.
    expect(platformReceiver.rejected).toEqual([]);
    expect(connectReceiver.rejected).toEqual([]);
    expect(platformReceiver.received.filter((delivery) => delivery.event.account !== undefined)).toEqual([]);
    expect(connectReceiver.received.filter((delivery) => delivery.event.account === undefined)).toEqual([]);
  });

  /** A Standard account, onboarded (charges enabled) unless `onboard` is false. */
  async function connectedAccount(onboard = true): Promise<Stripe.Account> {
    const account = await stripe.accounts.create({ type: 'standard', email: 'builder@example.com' });
    if (onboard) expect((await helper(standin, `/test/accounts/${account.id}/onboarding/complete`)).status).toBe(200);
    return stripe.accounts.retrieve(account.id);
  }

  const usd = (amount: number, recurring?: { interval: 'month' }) => ({
    price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Credits' }, ...(recurring ? { recurring } : {}) },
    quantity: 1,
  });

  /** A paid payment-mode checkout on `account` with `fee` (minor units) for the platform. */
  async function payOn(account: string, amount: number, fee: number | null): Promise<{ session: Stripe.Checkout.Session; paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge }> {
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [usd(amount)],
        success_url: 'http://x/s',
        customer_email: 'buyer@example.com',
        payment_intent_data: { metadata: { pack: 'p1' }, ...(fee === null ? {} : { application_fee_amount: fee }) },
      },
      { stripeAccount: account },
    );
    const completed = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${session.id}/complete`);
    expect(completed.status).toBe(200);
    const paymentIntent = await stripe.paymentIntents.retrieve(completed.body.event.data.object.payment_intent as string, {}, { stripeAccount: account });
    const charge = await stripe.charges.retrieve(paymentIntent.latest_charge as string, {}, { stripeAccount: account });
    return { session, paymentIntent, charge };
  }

  describe('accounts and onboarding', () => {
    it('creates a Standard account (type or controller properties) that cannot charge until onboarded', async () => {
      const standard = await stripe.accounts.create({ type: 'standard', country: 'US', email: 'b@example.com', business_profile: { name: 'Builder' } });
      expect(standard).toMatchObject({
        object: 'account', type: 'standard', charges_enabled: false, payouts_enabled: false, details_submitted: false, email: 'b@example.com',
        business_profile: { name: 'Builder', url: null }, controller: { type: 'application', stripe_dashboard: { type: 'full' }, fees: { payer: 'account' } },
        requirements: { disabled_reason: 'requirements.past_due', currently_due: expect.arrayContaining(['external_account']) },
      });
      expect(standard.id).toMatch(/^acct_/);
      const controlled = await stripe.accounts.create({
        controller: { stripe_dashboard: { type: 'full' }, fees: { payer: 'account' }, losses: { payments: 'stripe' }, requirement_collection: 'stripe' },
      });
      expect(controlled).toMatchObject({ type: 'none', charges_enabled: false, controller: { is_controller: true } });
      expect(await stripe.accounts.retrieve(controlled.id)).toMatchObject({ id: controlled.id });
      expect((await stripe.accounts.list()).data.map((account) => account.id)).toEqual([controlled.id, standard.id]);

      expect(await stripeError(stripe.accounts.create({ type: 'express' }))).toMatchObject({ statusCode: 400, param: 'type' });
      expect(await stripeError(stripe.accounts.create({ controller: { stripe_dashboard: { type: 'none' } } }))).toMatchObject({ statusCode: 400, param: 'controller' });
      expect(await stripeError(stripe.accounts.create({}))).toMatchObject({ statusCode: 400, code: 'parameter_missing' });
      expect(await stripeError(stripe.accounts.retrieve('acct_nope'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
      // No payments before onboarding enables charges.
      const early = await stripeError(stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s' }, { stripeAccount: standard.id }));
      expect(early).toMatchObject({ statusCode: 400, message: expect.stringContaining('charges_enabled is false') });
      expect(standin.contract.violations()).toEqual([]);
    });

    it('an account link opens the hosted page; its button completes onboarding (account.updated on the Connect endpoint) and returns to return_url', async () => {
      const account = await stripe.accounts.create({ type: 'standard' });
      const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'http://hub.test/refresh', return_url: 'http://hub.test/return' });
      expect(link).toMatchObject({ object: 'account_link', expires_at: link.created + 300, url: expect.stringMatching(new RegExp(`^${standin.url}/connect/onboarding/\\w+$`)) });
      const page = await fetch(link.url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(account.id);
      const action = /action="([^"]*\/complete)"/.exec(html)?.[1] as string;
      const start = connectReceiver.received.length;
      const submitted = await fetch(`${standin.url}${action}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' }, body: '', redirect: 'manual' });
      expect(submitted.status).toBe(303);
      expect(submitted.headers.get('location')).toBe('http://hub.test/return');
      expect(connectReceiver.typesSince(start)).toEqual(['account.updated']);
      const event = connectReceiver.received[start].event as Stripe.AccountUpdatedEvent;
      expect(event.account).toBe(account.id);
      expect(event.data.object).toMatchObject({ id: account.id, charges_enabled: true, details_submitted: true, payouts_enabled: true, requirements: { currently_due: [], disabled_reason: null } });
      expect(event.data.previous_attributes).toMatchObject({ charges_enabled: false, details_submitted: false });
      expect(await stripe.accounts.retrieve(account.id)).toMatchObject({ charges_enabled: true });
      // The link is single-use: opening it again goes to refresh_url.
      const again = await fetch(link.url, { redirect: 'manual' });
      expect([again.status, again.headers.get('location')]).toEqual([303, 'http://hub.test/refresh']);
      expect(platformReceiver.received).toEqual([]);
    });

    it('abandoning the page sends the builder to refresh_url and changes nothing; restrict disables charges with requirements due', async () => {
      const account = await stripe.accounts.create({ type: 'standard' });
      const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'http://hub.test/refresh', return_url: 'http://hub.test/return' });
      const token = link.url.split('/').pop() as string;
      const abandoned = await helper<{ redirect: string; events: string[] }>(standin, `/test/account_links/${token}/abandon`);
      expect(abandoned.body).toMatchObject({ redirect: 'http://hub.test/refresh', events: [] });
      expect(await stripe.accounts.retrieve(account.id)).toMatchObject({ details_submitted: false, charges_enabled: false });
      expect((await helper(standin, `/test/account_links/${token}/complete`)).status).toBe(400);

      await helper(standin, `/test/accounts/${account.id}/onboarding/complete`);
      const restricted = await helper<{ account: Account; events: string[] }>(standin, `/test/accounts/${account.id}/onboarding/restrict`);
      expect(restricted.body.account).toMatchObject({ charges_enabled: false, payouts_enabled: false, details_submitted: true, requirements: { disabled_reason: 'requirements.past_due' } });
      expect(typesOf(standin, restricted.body.events)).toEqual(['account.updated']);
      expect(connectReceiver.received.map((delivery) => [delivery.event.type, delivery.event.account])).toEqual([
        ['account.updated', account.id],
        ['account.updated', account.id],
      ]);
      const events = await stripe.events.list({}, { stripeAccount: account.id });
      expect(events.data.map((event) => event.type)).toEqual(['account.updated', 'account.updated']);
    });

    it('deauthorisation: account.application.deauthorized (the application, with account) and every Stripe-Account call refused after', async () => {
      const account = await connectedAccount();
      const { charge } = await payOn(account.id, 500, 50);
      const start = connectReceiver.received.length;
      const reply = await helper<{ events: string[] }>(standin, `/test/accounts/${account.id}/deauthorize`);
      expect(reply.status).toBe(200);
      expect(connectReceiver.typesSince(start)).toEqual(['account.application.deauthorized']);
      const event = connectReceiver.received[start].event as Stripe.AccountApplicationDeauthorizedEvent;
      expect(event.account).toBe(account.id);
      expect(event.data.object).toMatchObject({ object: 'application', id: expect.stringMatching(/^ca_/), name: 'credit-hub' });
      expect(await stripeError(stripe.charges.retrieve(charge.id, {}, { stripeAccount: account.id }))).toMatchObject({ statusCode: 403, code: 'account_invalid' });
      expect(await stripeError(stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s' }, { stripeAccount: account.id }))).toMatchObject({ statusCode: 403 });
      expect(await stripeError(stripe.accounts.retrieve(account.id))).toMatchObject({ statusCode: 403 });
      expect((await helper(standin, `/test/accounts/${account.id}/deauthorize`)).status).toBe(400);
      // The builder keeps using their own Stripe account, but the platform hears nothing more from it.
      const afterwards = await helper<{ events: string[] }>(standin, `/test/charges/${charge.id}/refund`, { amount: 100 });
      expect(typesOf(standin, afterwards.body.events)).toEqual(['charge.refunded', 'refund.created']);
      expect(connectReceiver.typesSince(start)).toEqual(['account.application.deauthorized']);
      expect(standin.state.deliveries.some((delivery) => afterwards.body.events.includes(delivery.event_id))).toBe(false);

      // The builder reconnects the same account through OAuth: reachable again, its objects as they were.
      const reconnected = await helper<{ code: string; account: Account; events: string[] }>(standin, '/test/oauth/authorize', { redirect_uri: 'http://hub.test/cb', account: account.id });
      expect(typesOf(standin, reconnected.body.events)).toEqual(['account.application.authorized']);
      expect((await stripe.oauth.token({ grant_type: 'authorization_code', code: reconnected.body.code })).stripe_user_id).toBe(account.id);
      expect(await stripe.charges.retrieve(charge.id, {}, { stripeAccount: account.id })).toMatchObject({ amount_refunded: 100 });
      expect((await helper(standin, '/test/oauth/authorize', { redirect_uri: 'http://hub.test/cb', account: account.id })).status).toBe(400);
    });
  });

  describe('Connect OAuth: an existing Stripe account connects', () => {
    it('authorize page → code → POST /oauth/token (SDK) → stripe_user_id of an account that can charge; codes are single-use', async () => {
      const query = new URLSearchParams({ response_type: 'code', client_id: 'ca_platform', scope: 'read_write', redirect_uri: 'http://hub.test/oauth/callback', state: 'csrf-1', 'stripe_user[email]': 'old@example.com' });
      const page = await fetch(`${standin.url}/oauth/authorize?${query.toString()}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('value="http://hub.test/oauth/callback"');
      const accepted = await fetch(`${standin.url}/test/oauth/authorize`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
        body: new URLSearchParams({ redirect_uri: 'http://hub.test/oauth/callback', state: 'csrf-1', scope: 'read_write', email: 'old@example.com', decision: 'accept' }).toString(),
        redirect: 'manual',
      });
      expect(accepted.status).toBe(303);
      const callback = new URL(accepted.headers.get('location') as string);
      expect([callback.origin + callback.pathname, callback.searchParams.get('state'), callback.searchParams.get('scope')]).toEqual(['http://hub.test/oauth/callback', 'csrf-1', 'read_write']);
      const code = callback.searchParams.get('code') as string;
      expect(code).toMatch(/^ac_/);
      const token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
      expect(token).toMatchObject({ token_type: 'bearer', scope: 'read_write', livemode: false, stripe_user_id: expect.stringMatching(/^acct_/) });
      const account = await stripe.accounts.retrieve(token.stripe_user_id as string);
      expect(account).toMatchObject({ charges_enabled: true, details_submitted: true, email: 'old@example.com', type: 'standard' });
      expect(connectReceiver.received.map((delivery) => [delivery.event.type, delivery.event.account])).toEqual([['account.application.authorized', account.id]]);
      await expect(stripe.oauth.token({ grant_type: 'authorization_code', code })).rejects.toMatchObject({ type: 'StripeInvalidGrantError' });
      await expect(stripe.oauth.token({ grant_type: 'authorization_code', code: 'ac_nope' })).rejects.toMatchObject({ type: 'StripeInvalidGrantError' });

      const denied = await helper<{ redirect: string; events: string[] }>(standin, '/test/oauth/authorize', { redirect_uri: 'http://hub.test/cb', state: 's2', decision: 'deny' });
      expect(denied.body).toMatchObject({ redirect: 'http://hub.test/cb?error=access_denied&error_description=The+user+denied+your+request&state=s2', events: [] });
      expect((await helper(standin, '/test/oauth/authorize', { redirect_uri: 'javascript:alert(1)' })).status).toBe(400);
      expect((await fetch(`${standin.url}/oauth/authorize?response_type=code&client_id=ca_x`)).status).toBe(400);

      const start = connectReceiver.received.length;
      await expect(stripe.oauth.deauthorize({ client_id: 'ca_platform', stripe_user_id: account.id })).resolves.toMatchObject({ stripe_user_id: account.id });
      await drain(standin);
      expect(connectReceiver.typesSince(start)).toEqual(['account.application.deauthorized']);
      await expect(stripe.oauth.deauthorize({ client_id: 'ca_platform', stripe_user_id: account.id })).rejects.toMatchObject({ type: 'StripeInvalidClientError' });
    });
  });

  describe('the Stripe-Account header scopes every object', () => {
    it('objects made on account A are invisible from B and from the platform, and the platform’s from both', async () => {
      const a = (await connectedAccount()).id;
      const b = (await connectedAccount()).id;
      const onA = await payOn(a, 800, 80);
      const platformPaid = await payOn_platform();
      const customerA = await stripe.customers.create({ email: 'a@example.com' }, { stripeAccount: a });
      const refundA = await stripe.refunds.create({ charge: onA.charge.id, amount: 100 }, { stripeAccount: a });
      const disputed = await payOn(a, 600, 60);
      const dispute = (await helper<{ dispute: Dispute }>(standin, `/test/charges/${disputed.charge.id}/dispute`, {})).body.dispute;
      const subscriptionSession = await stripe.checkout.sessions.create(
        { mode: 'subscription', line_items: [usd(1000, { interval: 'month' })], success_url: 'http://x/s', customer_email: 's@example.com', subscription_data: { application_fee_percent: 10 } },
        { stripeAccount: a },
      );
      const completedSubscription = (await helper<DeliveryReply>(standin, `/test/checkout/sessions/${subscriptionSession.id}/complete`)).body.event.data.object;
      const subscriptionId = completedSubscription.subscription as string;
      const invoiceId = completedSubscription.invoice as string;
      await drain(standin);

      const reads: [string, (options: Stripe.RequestOptions) => Promise<unknown>][] = [
        ['checkout session', (options) => stripe.checkout.sessions.retrieve(onA.session.id, {}, options)],
        ['payment intent', (options) => stripe.paymentIntents.retrieve(onA.paymentIntent.id, {}, options)],
        ['charge', (options) => stripe.charges.retrieve(onA.charge.id, {}, options)],
        ['refund', (options) => stripe.refunds.retrieve(refundA.id, {}, options)],
        ['customer', (options) => stripe.customers.retrieve(customerA.id, {}, options)],
        ['dispute', (options) => stripe.disputes.retrieve(dispute.id, {}, options)],
        ['subscription', (options) => stripe.subscriptions.retrieve(subscriptionId, {}, options)],
        ['invoice', (options) => stripe.invoices.retrieve(invoiceId, {}, options)],
      ];
      for (const [kind, read] of reads) {
        await expect(read({ stripeAccount: a })).resolves.toMatchObject({ object: expect.any(String) });
        for (const [who, options] of [['account B', { stripeAccount: b }], ['the platform', {}]] as const) {
          const error = await stripeError(read(options));
          expect({ kind, who, status: error.statusCode, code: error.code }).toEqual({ kind, who, status: 404, code: 'resource_missing' });
        }
      }
      // The platform's own payment is invisible from the connected accounts.
      for (const account of [a, b]) {
        expect((await stripeError(stripe.charges.retrieve(platformPaid.charge.id, {}, { stripeAccount: account }))).statusCode).toBe(404);
        expect((await stripeError(stripe.checkout.sessions.retrieve(platformPaid.session.id, {}, { stripeAccount: account }))).statusCode).toBe(404);
      }
      // Lists: each account sees its own objects only.
      expect((await stripe.checkout.sessions.list({}, { stripeAccount: b })).data).toEqual([]);
      expect((await stripe.checkout.sessions.list({})).data.map((session) => session.id)).toEqual([platformPaid.session.id]);
      expect((await stripe.checkout.sessions.list({}, { stripeAccount: a })).data).toHaveLength(3);
      expect((await stripe.customers.list({}, { stripeAccount: b })).data).toEqual([]);
      expect((await stripe.refunds.list({}, { stripeAccount: b })).data).toEqual([]);
      expect((await stripe.refunds.list({})).data).toEqual([]);
      expect((await stripe.disputes.list({}, { stripeAccount: b })).data).toEqual([]);
      expect((await stripe.subscriptions.list({})).data).toEqual([]);
      expect((await stripe.invoices.list({}, { stripeAccount: b })).data).toEqual([]);
      // Writes cannot cross either: a refund or evidence from B or the platform on A's objects.
      expect((await stripeError(stripe.refunds.create({ charge: onA.charge.id }, { stripeAccount: b }))).statusCode).toBe(400);
      expect((await stripeError(stripe.refunds.create({ payment_intent: onA.paymentIntent.id }))).statusCode).toBe(400);
      expect((await stripeError(stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'x' } }, { stripeAccount: b }))).statusCode).toBe(404);
      expect((await stripeError(stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true }))).statusCode).toBe(404);
      expect((await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', customer: customerA.id, line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s' }, { stripeAccount: b }))).statusCode).toBe(400);
      // Events: A's carry `account` and are listed with A's header only; the platform's list has no Connect events.
      const eventsA = await stripe.events.list({ limit: 100 }, { stripeAccount: a });
      expect(eventsA.data.length).toBeGreaterThan(0);
      expect(eventsA.data.every((event) => event.account === a)).toBe(true);
      expect((await stripe.events.list({ limit: 100 }, { stripeAccount: b })).data.every((event) => event.account === b)).toBe(true);
      const platformEvents = await stripe.events.list({ limit: 100 });
      expect(platformEvents.data.every((event) => event.account === undefined)).toBe(true);
      expect(platformEvents.data.map((event) => event.type)).toEqual(expect.arrayContaining(['checkout.session.completed', 'application_fee.created']));
      expect((await stripeError(stripe.events.retrieve(eventsA.data[0].id))).statusCode).toBe(404);
      expect((await stripeError(stripe.events.retrieve(eventsA.data[0].id, {}, { stripeAccount: b }))).statusCode).toBe(404);
      // Unknown accounts are refused outright.
      expect(await stripeError(stripe.customers.list({}, { stripeAccount: 'acct_unknown' }))).toMatchObject({ statusCode: 403, code: 'account_invalid' });
      expect(standin.contract.violations()).toEqual([]);
    });

    it('idempotency keys are per account, as in Stripe', async () => {
      const a = (await connectedAccount()).id;
      const b = (await connectedAccount()).id;
      const onA = await stripe.customers.create({ email: 'x@example.com' }, { stripeAccount: a, idempotencyKey: 'same-key' });
      const onB = await stripe.customers.create({ email: 'x@example.com' }, { stripeAccount: b, idempotencyKey: 'same-key' });
      expect(onB.id).not.toBe(onA.id);
      expect((await stripe.customers.retrieve(onB.id, {}, { stripeAccount: b })).id).toBe(onB.id);
    });
  });

  /** A paid payment-mode checkout on the platform itself (no fee). */
  async function payOn_platform(): Promise<{ session: Stripe.Checkout.Session; charge: Stripe.Charge }> {
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(700)], success_url: 'http://x/s' });
    const completed = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${session.id}/complete`);
    const paymentIntent = await stripe.paymentIntents.retrieve(completed.body.event.data.object.payment_intent as string);
    return { session, charge: await stripe.charges.retrieve(paymentIntent.latest_charge as string) };
  }

  describe('application fees', () => {
    it('payment_intent_data.application_fee_amount: the charge carries the fee, an application_fee on the platform, application_fee.created to the platform endpoint', async () => {
      const account = (await connectedAccount()).id;
      const start = { platform: platformReceiver.received.length, connect: connectReceiver.received.length };
      const { paymentIntent, charge } = await payOn(account, 2000, 150);
      expect(paymentIntent).toMatchObject({ application_fee_amount: 150, application: expect.stringMatching(/^ca_/) });
      expect(charge).toMatchObject({ amount: 2000, application_fee_amount: 150, application_fee: expect.stringMatching(/^fee_/), application: paymentIntent.application });
      const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
      expect(fee).toMatchObject({ object: 'application_fee', account, amount: 150, amount_refunded: 0, refunded: false, charge: charge.id, currency: 'usd', originating_transaction: null, refunds: { data: [] } });
      expect((await stripe.applicationFees.list()).data.map((item) => item.id)).toEqual([fee.id]);
      expect((await stripe.applicationFees.list({ charge: 'ch_other' })).data).toEqual([]);
      expect((await stripeError(stripe.applicationFees.retrieve(fee.id, {}, { stripeAccount: account }))).statusCode).toBe(404);
      // Balance: the account's charge nets the fee; the fee is the platform's earning. Each sees only its own.
      const withBalance = await stripe.charges.retrieve(charge.id, { expand: ['balance_transaction'] }, { stripeAccount: account });
      expect(withBalance.balance_transaction).toMatchObject({
        object: 'balance_transaction', type: 'charge', amount: 2000, fee: 150, net: 1850, currency: 'usd', source: charge.id,
        fee_details: [{ type: 'application_fee', amount: 150, application: paymentIntent.application, currency: 'usd' }],
      });
      const platformEarning = await stripe.balanceTransactions.retrieve(fee.balance_transaction as string);
      expect(platformEarning).toMatchObject({ type: 'application_fee', amount: 150, fee: 0, net: 150, source: fee.id, reporting_category: 'platform_earning' });
      expect((await stripeError(stripe.balanceTransactions.retrieve(charge.balance_transaction as string))).statusCode).toBe(404);
      expect((await stripeError(stripe.balanceTransactions.retrieve(platformEarning.id, {}, { stripeAccount: account }))).statusCode).toBe(404);
      expect((await stripe.balanceTransactions.list({}, { stripeAccount: account })).data.map((item) => item.source)).toEqual([charge.id]);
      expect((await stripe.balanceTransactions.list({ type: 'application_fee' })).data.map((item) => item.source)).toEqual([fee.id]);
      await drain(standin);
      expect(platformReceiver.typesSince(start.platform)).toEqual(['application_fee.created']);
      expect(connectReceiver.typesSince(start.connect)).toEqual(['checkout.session.completed']);
      expect(connectReceiver.received[start.connect].event.account).toBe(account);

      // Only on a connected account, and never more than the payment.
      const onPlatform = await stripeError(stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s', payment_intent_data: { application_fee_amount: 10 } }));
      expect(onPlatform).toMatchObject({ statusCode: 400, param: 'payment_intent_data[application_fee_amount]' });
      const tooBig = await stripeError(stripe.checkout.sessions.create({ mode: 'payment', line_items: [usd(500)], success_url: 'http://x/s', payment_intent_data: { application_fee_amount: 501 } }, { stripeAccount: account }));
      expect(tooBig).toMatchObject({ statusCode: 400, param: 'payment_intent_data[application_fee_amount]' });
      // Without a fee, a connected account's charge has none.
      const plain = await payOn(account, 500, null);
      expect(plain.charge).toMatchObject({ application_fee: null, application_fee_amount: null, application: null });
    });

    it('subscription_data.application_fee_percent: each invoice payment takes round-half-up(total × percent / 100)', async () => {
      const account = (await connectedAccount()).id;
      const session = await stripe.checkout.sessions.create(
        { mode: 'subscription', line_items: [usd(1999, { interval: 'month' })], success_url: 'http://x/s', customer_email: 'p@example.com', subscription_data: { application_fee_percent: 12.5 } },
        { stripeAccount: account },
      );
      const completed = await helper<DeliveryReply>(standin, `/test/checkout/sessions/${session.id}/complete`);
      const subscription = await stripe.subscriptions.retrieve(completed.body.event.data.object.subscription as string, {}, { stripeAccount: account });
      expect(subscription).toMatchObject({ application_fee_percent: 12.5, application: expect.stringMatching(/^ca_/) });
      const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string, {}, { stripeAccount: account });
      const paymentIntent = await stripe.paymentIntents.retrieve(invoice.payments?.data[0].payment.payment_intent as string, {}, { stripeAccount: account });
      // 1999 × 12.5 % = 249.875 → 250.
      expect(paymentIntent.application_fee_amount).toBe(250);
      const charge = await stripe.charges.retrieve(paymentIntent.latest_charge as string, {}, { stripeAccount: account });
      expect(await stripe.applicationFees.retrieve(charge.application_fee as string)).toMatchObject({ amount: 250, account, charge: charge.id });
      // The renewal is charged the same way, on the account; its events carry the account.
      const renewalStart = connectReceiver.received.length;
      await advance(standin, { days: 32 });
      const fees = await stripe.applicationFees.list();
      expect(fees.data.map((fee) => fee.amount)).toEqual([250, 250]);
      expect(fees.data.every((fee) => fee.account === account)).toBe(true);
      expect(connectReceiver.typesSince(renewalStart)).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
      expect(connectReceiver.received.slice(renewalStart).every((delivery) => delivery.event.account === account)).toBe(true);
      // A new percent applies from the next invoice: 1999 × 10 % = 199.9 → 200.
      await expect(stripe.subscriptions.update(subscription.id, { application_fee_percent: 10 }, { stripeAccount: account })).resolves.toMatchObject({ application_fee_percent: 10 });
      await advance(standin, { days: 31 });
      expect((await stripe.applicationFees.list()).data.map((fee) => fee.amount)).toEqual([200, 250, 250]);
      expect(await stripeError(stripe.subscriptions.update(subscription.id, { application_fee_percent: 101 }, { stripeAccount: account }))).toMatchObject({ statusCode: 400, param: 'application_fee_percent' });
      const bad = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s', subscription_data: { application_fee_percent: 1.234 } }, { stripeAccount: account }));
      expect(bad).toMatchObject({ statusCode: 400, param: 'subscription_data[application_fee_percent]' });
      const platform = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [usd(900, { interval: 'month' })], success_url: 'http://x/s', subscription_data: { application_fee_percent: 5 } }));
      expect(platform).toMatchObject({ statusCode: 400, param: 'subscription_data[application_fee_percent]' });
    });

    it('a refund with refund_application_fee gives the fee back in proportion (fee_refund, application_fee.refunded); without it the fee stays', async () => {
      const account = (await connectedAccount()).id;
      const { charge } = await payOn(account, 1000, 100);
      const feeId = charge.application_fee as string;
      const start = { platform: platformReceiver.received.length, connect: connectReceiver.received.length };

      const kept = await stripe.refunds.create({ charge: charge.id, amount: 300 }, { stripeAccount: account });
      expect(kept).toMatchObject({ amount: 300, charge: charge.id });
      expect(await stripe.applicationFees.retrieve(feeId)).toMatchObject({ amount_refunded: 0, refunded: false });

      const withFee = await stripe.refunds.create({ charge: charge.id, amount: 333, refund_application_fee: true }, { stripeAccount: account, idempotencyKey: 'fee-refund-1' });
      await stripe.refunds.create({ charge: charge.id, amount: 333, refund_application_fee: true }, { stripeAccount: account, idempotencyKey: 'fee-refund-1' });
      expect(withFee.amount).toBe(333);
      // 100 × 333 / 1000 = 33.3 → 33.
      const partly = await stripe.applicationFees.retrieve(feeId);
      expect(partly).toMatchObject({ amount_refunded: 33, refunded: false, refunds: { data: [{ object: 'fee_refund', amount: 33, fee: feeId, currency: 'usd' }] } });

      // The rest of the charge: the whole remainder of the fee comes back.
      await stripe.refunds.create({ charge: charge.id, refund_application_fee: true }, { stripeAccount: account });
      const full = await stripe.applicationFees.retrieve(feeId);
      expect(full).toMatchObject({ amount_refunded: 100, refunded: true });
      expect(full.refunds.data.map((item) => item.amount)).toEqual([67, 33]);
      expect((await stripe.applicationFees.listRefunds(feeId)).data.map((item) => item.amount)).toEqual([67, 33]);
      expect(await stripe.charges.retrieve(charge.id, {}, { stripeAccount: account })).toMatchObject({ amount_refunded: 1000, refunded: true });
      const accountBalance = await stripe.balanceTransactions.list({ type: 'refund' }, { stripeAccount: account });
      expect(accountBalance.data.map((item) => [item.amount, item.net])).toEqual([[-367, -367], [-333, -333], [-300, -300]]);
      const feeRefunds = await stripe.balanceTransactions.list({ type: 'application_fee_refund' });
      expect(feeRefunds.data.map((item) => item.amount)).toEqual([-67, -33]);

      await drain(standin);
      expect(connectReceiver.typesSince(start.connect)).toEqual(['charge.refunded', 'refund.created', 'charge.refunded', 'refund.created', 'charge.refunded', 'refund.created']);
      expect(connectReceiver.received.slice(start.connect).every((delivery) => delivery.event.account === account)).toBe(true);
      expect(platformReceiver.typesSince(start.platform)).toEqual(['application_fee.refunded', 'application_fee.refunded']);
      const refunded = platformReceiver.received[start.platform].event as Stripe.ApplicationFeeRefundedEvent;
      expect(refunded.data).toMatchObject({ object: { id: feeId, amount_refunded: 33 }, previous_attributes: { amount_refunded: 0 } });
    });

    it('a refund made in the builder’s own dashboard: charge.refunded with account, on the Connect endpoint; the fee stays', async () => {
      const account = (await connectedAccount()).id;
      const { charge } = await payOn(account, 900, 90);
      const start = connectReceiver.received.length;
      const reply = await helper<{ refund: Refund; events: string[] }>(standin, `/test/charges/${charge.id}/refund`, { amount: 400 });
      expect(reply.status).toBe(200);
      expect(connectReceiver.typesSince(start)).toEqual(['charge.refunded', 'refund.created']);
      const event = connectReceiver.received[start].event as Stripe.ChargeRefundedEvent;
      expect(event.account).toBe(account);
      expect(event.data.object).toMatchObject({ id: charge.id, amount_refunded: 400, application_fee_amount: 90 });
      expect(await stripe.refunds.retrieve(reply.body.refund.id, {}, { stripeAccount: account })).toMatchObject({ amount: 400 });
      expect(await stripe.applicationFees.retrieve(charge.application_fee as string)).toMatchObject({ amount_refunded: 0 });
    });
  });

  describe('disputes on a connected account', () => {
    it('opened by the helper (charge.dispute.created with account), evidence written with Stripe-Account, closed', async () => {
      const account = (await connectedAccount()).id;
      const { charge } = await payOn(account, 1200, 120);
      const start = connectReceiver.received.length;
      const opened = await helper<{ dispute: Dispute }>(standin, `/test/charges/${charge.id}/dispute`, { reason: 'fraudulent' });
      expect(opened.status).toBe(200);
      const dispute = opened.body.dispute;
      const updated = await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'usage: 120 calls' } }, { stripeAccount: account });
      expect(updated).toMatchObject({ status: 'under_review', evidence: { uncategorized_text: 'usage: 120 calls' } });
      expect(await stripeError(stripe.refunds.create({ charge: charge.id }, { stripeAccount: account }))).toMatchObject({ code: 'charge_disputed' });
      await helper(standin, `/test/disputes/${dispute.id}/close`, { outcome: 'won' });
      await drain(standin);
      expect(connectReceiver.typesSince(start)).toEqual(['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed']);
      expect(connectReceiver.received.slice(start).map((delivery) => delivery.event.account)).toEqual([account, account, account]);
      expect((await stripe.disputes.list({}, { stripeAccount: account })).data.map((item) => item.status)).toEqual(['won']);
    });
  });

  describe('Connect webhook delivery', () => {
    it('signs Connect events with the Connect secret only, and records failed deliveries when no Connect secret is set', async () => {
      const account = (await connectedAccount()).id;
      const delivery = connectReceiver.received[0];
      expect(delivery.event).toMatchObject({ type: 'account.updated', account });
      expect(() => new Stripe('sk_test_x').webhooks.constructEvent(delivery.rawBody, delivery.signature, SPEC_WEBHOOK_SECRET)).toThrow();
      expect(standin.state.deliveries.find((item) => item.event_id === delivery.event.id)?.url).toBe(connectReceiver.url);

      const bare = await startStripeStandin({ port: 0, webhookUrl: platformReceiver.url, webhookSecret: SPEC_WEBHOOK_SECRET });
      try {
        const client = sdk(bare);
        const other = await client.accounts.create({ type: 'standard' });
        const reply = await helper<{ events: string[] }>(bare, `/test/accounts/${other.id}/onboarding/complete`);
        const [record] = bare.state.deliveries.filter((item) => item.event_id === reply.body.events[0]);
        expect(record.result).toMatchObject({ status: 0, error: expect.stringContaining('STRIPE_CONNECT_WEBHOOK_SECRET') });
        expect(platformReceiver.received.some((item) => item.event.id === reply.body.events[0])).toBe(false);
      } finally {
        await bare.close();
      }
    });
  });

  it('stores no fee object for platform charges and counts the Connect objects in /test/state', async () => {
    const account = await connectedAccount();
    await payOn_platform();
    await payOn(account.id, 500, null);
    const summary = (await (await fetch(`${standin.url}/test/state`)).json()) as Record<string, unknown>;
    expect(summary).toMatchObject({
      accounts: 1,
      application_fees: 0,
      counts: { charges: 1, checkout_sessions: 1 },
      connected_accounts: { [account.id]: { disconnected: false, counts: { charges: 1, checkout_sessions: 1, balance_transactions: 1 } } },
    });
    const fees: ApplicationFee[] = [...standin.state.connect.applicationFees.values()];
    expect(fees).toEqual([]);
  });
});
