import Stripe from 'stripe';
import {
  BillingConnectSubjects,
  ConnectOAuthResult,
  ConnectOAuthStartResult,
  BillingRefundSubjects,
  BillingSubjects,
  BillingSubscriptionSubjects,
  ConnectedAccountUpdatedV1,
  ConnectOnboardingResult,
  ConnectStateResult,
  CreateCheckoutResult,
  CreateStripeRefundResult,
  PaymentSucceededV1,
  ReconcileReport,
} from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { BillingHarness, startBillingHarness, testConnectWebhookSecret, testWebhookSecret } from '../test/billing-harness';
import { advanceDays, outbox, standinPost, subjects } from '../test/billing-scenario';

// Stripe Connect through billing, against the stand-in in-process (which speaks Connect): onboarding,
// account state from Connect webhooks, direct-charge checkouts with the domain's fee, money refunds
// on the connected account, dashboard refunds and disputes there, deauthorisation, and events that
// try to cross accounts.
/** Polls `assertion` until it passes (10 s). */
const until = (assertion: () => Promise<unknown>) => eventually(assertion.toString().slice(0, 120), async () => (await assertion(), true));

describe('billing: Stripe Connect (real PostgreSQL, NATS, Stripe stand-in)', () => {
  let harness: BillingHarness;
  const returnUrls = { returnUrl: 'http://127.0.0.1/dashboard/connect', refreshUrl: 'http://127.0.0.1/dashboard/connect' };

  beforeAll(async () => {
    harness = await startBillingHarness({ CONNECT_APPLICATION_FEE_BPS: '500', CONNECT_REFUND_APPLICATION_FEE: 'true', STRIPE_CONNECT_CLIENT_ID: 'ca_testPlatformClient' });
    for (const domain of ['slides.localhost', 'other.localhost', 'gone.localhost', 'plans.localhost', 'oauth.localhost', 'revoked.localhost', 'kept.localhost', 'lost.localhost']) {
      const reply = await harness.request(BillingSubscriptionSubjects.putDomainCatalog, {
        domain, displayName: domain, supportEmail: `help@${domain}`, checkoutMessage: 'Credits for your work.',
        offerings: [
          { offeringId: 'pack_10', kind: 'pack', credits: 10, amountMinor: 999, currency: 'usd' },
          { offeringId: 'monthly_100', kind: 'plan', credits: 100, amountMinor: 2000, currency: 'usd', interval: 'month', trialDays: 0, rollover: false },
        ],
      });
      if (!reply.ok) throw new Error(JSON.stringify(reply));
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  const onboard = (domains: string[]) => harness.request<ConnectOnboardingResult>(BillingConnectSubjects.startOnboarding, { domains, ...returnUrls });
  const state = async (domains: string[]) => {
    const reply = await harness.request<ConnectStateResult>(BillingConnectSubjects.getConnectState, { domains });
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    return reply.value.domains;
  };
  const checkout = (domain: string, offeringId: string, email: string) =>
    harness.request<CreateCheckoutResult>(BillingSubjects.createCheckout, { domain, offeringId, email, successUrl: 'http://x.localhost/ok', cancelUrl: 'http://x.localhost/no' });
  const onAccount = (accountId: string): Stripe.RequestOptions => ({ stripeAccount: accountId });
  const drain = () => standinPost(harness, '/test/webhooks/drain');

  async function readyAccount(domains: string[]): Promise<string> {
    const reply = await onboard(domains);
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    await standinPost(harness, `/test/accounts/${reply.value.accountId}/onboarding/complete`);
    await drain();
    await until(async () => expect((await state(domains)).every((domain) => domain.status === 'ready')).toBe(true));
    return reply.value.accountId;
  }

  /** Pays a checkout session of `accountId` in the stand-in; the Connect webhook is delivered to billing. */
  async function pay(sessionId: string, _accountId: string): Promise<void> {
    await standinPost(harness, `/test/checkout/sessions/${sessionId}/complete`);
    await drain();
  }

  it('onboards two domains onto one Standard account, refuses checkouts until Stripe says ready, then sells direct charges with the fee', async () => {
    const started = await onboard(['notes.localhost', 'Slides.Localhost']);
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    expect(started.value).toMatchObject({ domains: ['notes.localhost', 'slides.localhost'], status: 'onboarding' });
    expect(started.value.accountId).toMatch(/^acct_/);
    expect(started.value.onboardingUrl).toContain('/connect/onboarding/');
    const accountId = started.value.accountId;

    // Onboarding again (a fresh link) keeps the account; naming one of its domains is enough.
    const again = await onboard(['notes.localhost']);
    expect(again.ok && again.value.accountId).toBe(accountId);

    const early = await checkout('notes.localhost', 'notes_50', 'ada@example.com');
    expect(early).toMatchObject({ ok: false, refusal: { code: 'connected_account_not_ready' } });

    const published = await outbox<ConnectedAccountUpdatedV1>(harness, subjects.connectedAccountUpdated, { accountId });
    expect(published[0]).toMatchObject({ accountId, domains: ['notes.localhost', 'slides.localhost'], status: 'onboarding', chargesEnabled: false });

    await standinPost(harness, `/test/accounts/${accountId}/onboarding/complete`);
    await drain();
    expect(harness.connectDeliveries.find((d) => d.type === 'account.updated' && d.account === accountId)?.outcome).toBe('processed');
    const ready = await state(['notes.localhost', 'slides.localhost', 'demo.localhost']);
    expect(ready.map((d) => [d.domain, d.status, d.accountId])).toEqual([
      ['demo.localhost', 'none', null], ['notes.localhost', 'ready', accountId], ['slides.localhost', 'ready', accountId],
    ]);
    expect((await outbox<ConnectedAccountUpdatedV1>(harness, subjects.connectedAccountUpdated, { accountId, status: 'ready' }))[0]).toMatchObject({
      chargesEnabled: true, detailsSubmitted: true, domains: ['notes.localhost', 'slides.localhost'],
    });

    // A pack: a direct charge on the builder's account with floor(900 × 500 / 10000) = 45 cents of fee.
    const opened = await checkout('notes.localhost', 'notes_50', 'ada@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    await expect(harness.stripe.checkout.sessions.retrieve(opened.value.sessionId)).rejects.toThrow(); // not on the platform
    const onBuilder = await harness.stripe.checkout.sessions.retrieve(opened.value.sessionId, {}, onAccount(accountId));
    expect(onBuilder.amount_total).toBe(900);
    await pay(opened.value.sessionId, accountId);
    const [payment] = await outbox<PaymentSucceededV1>(harness, subjects.paymentSucceeded, { checkoutSessionId: opened.value.sessionId });
    expect(payment).toMatchObject({ domain: 'notes.localhost', email: 'ada@example.com', credits: 50, amountMinor: 900, currency: 'eur', connectedAccountId: accountId, applicationFeeMinor: 45 });
    const intent = await harness.stripe.paymentIntents.retrieve(payment!.paymentIntentId!, {}, onAccount(accountId));
    expect(intent.application_fee_amount).toBe(45);

    // The same Connect event again is a duplicate (deduplicated per account and event id).
    const completed = harness.connectDeliveries.find((d) => d.type === 'checkout.session.completed' && d.account === accountId);
    expect(completed?.outcome).toBe('processed');
    await standinPost(harness, `/test/events/${completed!.eventId}/deliver`);
    expect(harness.connectDeliveries.filter((d) => d.eventId === completed!.eventId).map((d) => d.outcome)).toEqual(['processed', 'duplicate']);

    // A money refund of half, made on the builder's account, gives back half of the fee.
    const refund = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, {
      refundRequestId: '5b0e5c1e-0000-4000-8000-000000000001', paymentIntentId: payment!.paymentIntentId, amountMinor: 450, currency: 'eur',
    });
    expect(refund).toMatchObject({ ok: true, value: { amountMinor: 450, currency: 'eur' } });
    const refunded = await harness.stripe.refunds.retrieve((refund as { value: CreateStripeRefundResult }).value.stripeRefundId, {}, onAccount(accountId));
    expect(refunded.payment_intent).toBe(payment!.paymentIntentId);
    const fees = await harness.stripe.applicationFees.list({ limit: 10 });
    const fee = fees.data.find((candidate) => candidate.account === accountId || (candidate.account as { id?: string } | null)?.id === accountId);
    expect(fee?.amount).toBe(45);
    expect(fee?.amount_refunded).toBe(23); // 45 × 450 / 900 = 22.5, given back in proportion (the stand-in rounds half up)
    // Published for analytics: the fee's share billing had given back, as Stripe computed it.
    expect(await outbox(harness, subjects.applicationFeeRefunded, { paymentIntentId: payment!.paymentIntentId })).toEqual([
      expect.objectContaining({ domain: 'notes.localhost', connectedAccountId: accountId, currency: 'eur', amountRefundedMinor: 450, applicationFeeRefundedMinor: 23 }),
    ]);
  });

  it('takes credits back after a refund in the builder\'s own dashboard, and freezes on a dispute with evidence written on the account', async () => {
    const accountId = (await state(['notes.localhost']))[0]!.accountId!;
    const opened = await checkout('slides.localhost', 'pack_10', 'bob@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    await pay(opened.value.sessionId, accountId);
    const [payment] = await outbox<PaymentSucceededV1>(harness, subjects.paymentSucceeded, { checkoutSessionId: opened.value.sessionId });
    expect(payment).toMatchObject({ connectedAccountId: accountId, applicationFeeMinor: 49, domain: 'slides.localhost' });
    const intent = await harness.stripe.paymentIntents.retrieve(payment!.paymentIntentId!, {}, onAccount(accountId));
    const chargeId = intent.latest_charge as string;

    await standinPost(harness, `/test/charges/${chargeId}/refund`, { amount: 300 });
    await drain();
    await until(async () =>
      expect(await outbox(harness, subjects.chargeRefundedExternally, { chargeId })).toEqual([expect.objectContaining({ email: 'bob@example.com', amountRefundedMinor: 300 })]));

    const disputed = await standinPost<{ dispute: { id: string } }>(harness, `/test/charges/${chargeId}/dispute`);
    await drain();
    await until(async () => expect(await outbox(harness, subjects.disputeOpened, { disputeId: disputed.dispute.id })).toHaveLength(1));
    const [row] = await harness.dataSource.query('SELECT connected_account_id FROM disputes WHERE id = $1', [disputed.dispute.id]);
    expect(row.connected_account_id).toBe(accountId);
    await until(async () => {
      const onBuilder = await harness.stripe.disputes.retrieve(disputed.dispute.id, {}, onAccount(accountId));
      expect(onBuilder.metadata?.['evidence_drafted_by']).toBe('credit-hub');
      expect(onBuilder.evidence.customer_email_address).toBe('bob@example.com');
    });
  });

  it('sells a plan on the builder\'s account with application_fee_percent; its credits are granted with the account', async () => {
    const accountId = (await state(['slides.localhost']))[0]!.accountId!;
    const opened = await checkout('slides.localhost', 'monthly_100', 'cleo@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    await pay(opened.value.sessionId, accountId);
    const session = await harness.stripe.checkout.sessions.retrieve(opened.value.sessionId, {}, onAccount(accountId));
    const subscription = await harness.stripe.subscriptions.retrieve(session.subscription as string, {}, onAccount(accountId));
    expect(subscription.application_fee_percent).toBe(5); // 500 bps
    const [grant] = await outbox<Record<string, unknown>>(harness, subjects.planCreditsGranted, { subscriptionId: subscription.id });
    expect(grant).toMatchObject({ email: 'cleo@example.com', domain: 'slides.localhost', credits: 100, connectedAccountId: accountId });
    const [row] = await harness.dataSource.query('SELECT connected_account_id FROM subscriptions WHERE id = $1', [subscription.id]);
    expect(row.connected_account_id).toBe(accountId);
  });

  it('refunds a plan invoice\'s payment as money on the builder\'s account, fee per the domain\'s policy, and sees a dashboard refund of it', async () => {
    const accountId = await readyAccount(['plans.localhost']);
    const opened = await checkout('plans.localhost', 'monthly_100', 'dora@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    await pay(opened.value.sessionId, accountId);
    const session = await harness.stripe.checkout.sessions.retrieve(opened.value.sessionId, {}, onAccount(accountId));
    const subscription = await harness.stripe.subscriptions.retrieve(session.subscription as string, {}, onAccount(accountId));
    const invoice = await harness.stripe.invoices.retrieve(subscription.latest_invoice as string, {}, onAccount(accountId));
    const paymentIntentId = (invoice.payments?.data[0]?.payment as { payment_intent?: string } | undefined)?.payment_intent as string;
    expect(paymentIntentId).toMatch(/^pi_/);
    await until(async () => expect(await harness.dataSource.query('SELECT subscription_id, connected_account_id FROM invoice_payments WHERE payment_intent_id = $1', [paymentIntentId]))
      .toEqual([{ subscription_id: subscription.id, connected_account_id: accountId }]));
    // The platform knows no such payment: the refund must be made on the builder's account.
    await expect(harness.stripe.paymentIntents.retrieve(paymentIntentId)).rejects.toThrow();

    // The domain's policy keeps the fee: a refund of half leaves the platform's 100 cents (5 % of 2000) untouched.
    const terms = await harness.request(BillingConnectSubjects.updateConnectSettings, { domain: 'plans.localhost', refundApplicationFee: false });
    expect(terms.ok).toBe(true);
    const kept = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, {
      refundRequestId: '5b0e5c1e-0000-4000-8000-000000000002', paymentIntentId, amountMinor: 500, currency: 'usd',
    });
    expect(kept).toMatchObject({ ok: true, value: { amountMinor: 500, currency: 'usd' } });
    const chargeId = (await harness.stripe.paymentIntents.retrieve(paymentIntentId, {}, onAccount(accountId))).latest_charge as string;
    const fee = async () => (await harness.stripe.applicationFees.list({ charge: chargeId })).data[0];
    expect(await fee()).toMatchObject({ amount: 100, amount_refunded: 0 });
    // With the fee given back: in proportion (500 of 2000 → 25 cents).
    await harness.request(BillingConnectSubjects.updateConnectSettings, { domain: 'plans.localhost', refundApplicationFee: true });
    const given = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, {
      refundRequestId: '5b0e5c1e-0000-4000-8000-000000000003', paymentIntentId, amountMinor: 500, currency: 'usd',
    });
    expect(given).toMatchObject({ ok: true, value: { amountMinor: 500 } });
    const refunded = await harness.stripe.refunds.retrieve((given as { value: CreateStripeRefundResult }).value.stripeRefundId, {}, onAccount(accountId));
    expect(refunded).toMatchObject({ payment_intent: paymentIntentId, metadata: { refundRequestId: '5b0e5c1e-0000-4000-8000-000000000003' } });
    expect(await fee()).toMatchObject({ amount: 100, amount_refunded: 25 });

    // A refund in the builder's own dashboard: charge.refunded from the account, recorded on it, with the subscriber as the owner.
    await standinPost(harness, `/test/charges/${chargeId}/refund`, { amount: 200 });
    await drain();
    await until(async () =>
      expect(await outbox(harness, subjects.chargeRefundedExternally, { chargeId })).toEqual([expect.objectContaining({ email: 'dora@example.com', paymentIntentId, amountRefundedMinor: 200 })]));
    const rows = await harness.dataSource.query('SELECT origin, connected_account_id FROM charge_refunds WHERE charge_id = $1 ORDER BY origin, amount_minor', [chargeId]);
    expect(rows).toEqual([
      { origin: 'external', connected_account_id: accountId }, { origin: 'ours', connected_account_id: accountId }, { origin: 'ours', connected_account_id: accountId },
    ]);
  });

  it('reconciliation lists each connected account\'s events and processes the ones no webhook delivered', async () => {
    const accountId = (await state(['notes.localhost']))[0]!.accountId!;
    const opened = await checkout('notes.localhost', 'notes_50', 'dora@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const completed = await standinPost<{ event: { id: string; account: string } }>(harness, `/test/checkout/sessions/${opened.value.sessionId}/complete`, { deliver: false });
    expect(completed.event.account).toBe(accountId);
    expect(await outbox(harness, subjects.paymentSucceeded, { checkoutSessionId: opened.value.sessionId })).toEqual([]);
    const report = await harness.request<ReconcileReport>(BillingSubscriptionSubjects.reconcile, { since: '1d' });
    if (!report.ok) throw new Error(JSON.stringify(report));
    expect(report.value.eventsMissing).toContain(completed.event.id);
    expect(report.value.eventsProcessed).toContainEqual({ id: completed.event.id, type: 'checkout.session.completed', outcome: 'processed' });
    expect(await outbox(harness, subjects.paymentSucceeded, { checkoutSessionId: opened.value.sessionId })).toEqual([
      expect.objectContaining({ connectedAccountId: accountId, applicationFeeMinor: 45 }),
    ]);
    const [row] = await harness.dataSource.query('SELECT source FROM stripe_events WHERE account_id = $1 AND stripe_event_id = $2', [accountId, completed.event.id]);
    expect(row.source).toBe('reconcile');
  });

  it('refuses a connected account\'s event that names another domain, and never lets one account touch another\'s sales', async () => {
    const builderA = (await state(['notes.localhost']))[0]!.accountId!;
    const builderB = await readyAccount(['other.localhost']);
    expect(builderB).not.toBe(builderA);

    // Builder B makes a session on its own account whose metadata names builder A's domain.
    const forged = await harness.stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'http://x.localhost/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'forged' } } }],
      metadata: { domain: 'notes.localhost', offeringId: 'notes_50', email: 'eve@example.com', credits: '1000', amountMinor: '100', currency: 'usd' },
      payment_intent_data: { metadata: { domain: 'notes.localhost' } },
    }, onAccount(builderB));
    await pay(forged.id, builderB);
    const delivery = harness.connectDeliveries.find((d) => d.type === 'checkout.session.completed' && d.account === builderB);
    expect(delivery?.outcome).toBe('ignored');
    const [recorded] = await harness.dataSource.query('SELECT refusal FROM stripe_events WHERE account_id = $1 AND stripe_event_id = $2', [builderB, delivery!.eventId]);
    expect(recorded.refusal).toContain('notes.localhost');
    expect(await outbox(harness, subjects.paymentSucceeded, { checkoutSessionId: forged.id })).toEqual([]);

    // A sale of builder A refunded through builder B's account is impossible: Stripe (the stand-in) hides A's objects from B.
    const [sale] = await outbox<PaymentSucceededV1>(harness, subjects.paymentSucceeded, { connectedAccountId: builderA });
    await expect(harness.stripe.refunds.create({ payment_intent: sale!.paymentIntentId! }, onAccount(builderB))).rejects.toThrow();
    // And a domain cannot be moved to another live account by onboarding both together.
    expect(await onboard(['notes.localhost', 'other.localhost'])).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'domains' } });
  });

  it('disconnects on account.application.deauthorized: checkouts are refused until the builder connects again', async () => {
    const accountId = (await state(['other.localhost']))[0]!.accountId!;
    await standinPost(harness, `/test/accounts/${accountId}/deauthorize`);
    await drain();
    await until(async () => expect((await state(['other.localhost']))[0]!.status).toBe('disconnected'));
    expect(await outbox(harness, subjects.connectedAccountUpdated, { accountId, status: 'disconnected' })).toEqual([
      expect.objectContaining({ domains: ['other.localhost'] }),
    ]);
    expect(await checkout('other.localhost', 'pack_10', 'ada@example.com')).toMatchObject({ ok: false, refusal: { code: 'connected_account_disconnected' } });

    const reconnected = await onboard(['other.localhost']);
    expect(reconnected.ok && reconnected.value.accountId).not.toBe(accountId);
    expect(reconnected).toMatchObject({ ok: true, value: { status: 'onboarding', domains: ['other.localhost'] } });
  });

  it('gives a domain a new account when Stripe no longer knows its account (deauthorized while no webhook arrived)', async () => {
    const first = await onboard(['gone.localhost']);
    if (!first.ok) throw new Error(JSON.stringify(first));
    await standinPost(harness, `/test/accounts/${first.value.accountId}/deauthorize`, { deliver: false });
    expect((await state(['gone.localhost']))[0]!.status).toBe('onboarding'); // billing has not heard of it
    const second = await onboard(['gone.localhost']);
    expect(second).toMatchObject({ ok: true, value: { status: 'onboarding', domains: ['gone.localhost'] } });
    expect(second.ok && second.value.accountId).not.toBe(first.value.accountId);
    const [old] = await harness.dataSource.query('SELECT status FROM connected_accounts WHERE account_id = $1', [first.value.accountId]);
    expect(old.status).toBe('disconnected');
    expect(await outbox(harness, subjects.connectedAccountUpdated, { accountId: first.value.accountId, status: 'disconnected' })).toHaveLength(1);
  });

  it('refuses Connect deliveries signed with the platform secret, and events without an account', async () => {
    const payload = JSON.stringify({ id: 'evt_forged_1', object: 'event', type: 'account.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: 'acct_x', object: 'account' } }, account: 'acct_x' });
    const platformSigned = harness.stripe.webhooks.generateTestHeaderString({ payload, secret: testWebhookSecret });
    const wrong = await harness.request(BillingConnectSubjects.handleConnectWebhook, { payloadBase64: Buffer.from(payload).toString('base64'), signature: platformSigned });
    expect(wrong).toMatchObject({ ok: false, refusal: { code: 'webhook_signature_invalid' } });

    const platformEvent = JSON.stringify({ id: 'evt_forged_2', object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cs_x', object: 'checkout.session' } } });
    const connectSigned = harness.stripe.webhooks.generateTestHeaderString({ payload: platformEvent, secret: testConnectWebhookSecret });
    const unscoped = await harness.request(BillingConnectSubjects.handleConnectWebhook, { payloadBase64: Buffer.from(platformEvent).toString('base64'), signature: connectSigned });
    expect(unscoped).toMatchObject({ ok: false, refusal: { code: 'webhook_payload_invalid' } });
    const [stored] = await harness.dataSource.query(`SELECT count(*)::int AS n FROM stripe_events WHERE stripe_event_id IN ('evt_forged_1', 'evt_forged_2')`);
    expect(stored.n).toBe(0);
  });

  it('connects a builder\'s existing Stripe account through Connect OAuth: a signed single-use state, the code exchanged, the same state machine', async () => {
    const redirectUri = 'http://127.0.0.1/connect/oauth/callback';
    const returnUrl = 'http://127.0.0.1/dashboard/connect';
    const startOAuth = () => harness.request<ConnectOAuthStartResult>(BillingConnectSubjects.startConnectOAuth, { domains: ['OAuth.localhost'], redirectUri, returnUrl });
    const started = await startOAuth();
    if (!started.ok) throw new Error(JSON.stringify(started));
    expect(started.value.domains).toEqual(['oauth.localhost']);
    const authorize = new URL(started.value.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${harness.standin.url}/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ response_type: 'code', client_id: 'ca_testPlatformClient', scope: 'read_write', redirect_uri: redirectUri });
    const token = authorize.searchParams.get('state')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}\.\d+\.[A-Za-z0-9_-]{43}$/);
    // The token is never stored: only its id.
    expect(JSON.stringify(await harness.dataSource.query('SELECT * FROM connect_oauth_states'))).not.toContain(token);

    // The builder accepts on Stripe's page; Stripe redirects to the callback with the code and the state.
    const accepted = await standinPost<{ code: string; account: { id: string }; redirect: string }>(harness, '/test/oauth/authorize', { redirect_uri: redirectUri, state: token });
    const callback = new URL(accepted.redirect);
    expect(callback.searchParams.get('state')).toBe(token);
    const complete = (params: Record<string, string>) => harness.request<ConnectOAuthResult>(BillingConnectSubjects.completeConnectOAuth, params);
    const code = callback.searchParams.get('code')!;
    // A forged or altered state is refused before anything else.
    expect(await complete({ state: `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`, code })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'state' } });
    const done = await complete({ state: token, code });
    expect(done).toEqual({ ok: true, value: { accountId: accepted.account.id, domains: ['oauth.localhost'], status: 'ready', returnUrl } });
    expect((await state(['oauth.localhost']))[0]).toMatchObject({ accountId: accepted.account.id, status: 'ready', chargesEnabled: true });
    expect(await outbox<ConnectedAccountUpdatedV1>(harness, subjects.connectedAccountUpdated, { accountId: accepted.account.id })).toEqual([
      expect.objectContaining({ domains: ['oauth.localhost'], status: 'ready', chargesEnabled: true, detailsSubmitted: true }),
    ]);
    // Single use: the same callback again is refused and changes nothing.
    expect(await complete({ state: token, code })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'state' } });
    // The domain sells on the builder's account at once.
    const opened = await checkout('oauth.localhost', 'pack_10', 'olga@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    expect((await harness.stripe.checkout.sessions.retrieve(opened.value.sessionId, {}, onAccount(accepted.account.id))).id).toBe(opened.value.sessionId);

    // Declined on Stripe's page: refused, nothing connected.
    const declinedStart = await startOAuth();
    if (!declinedStart.ok) throw new Error(JSON.stringify(declinedStart));
    const declinedState = new URL(declinedStart.value.authorizeUrl).searchParams.get('state')!;
    expect(await complete({ state: declinedState, error: 'access_denied' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'error' } });
    // A code Stripe does not know: refused as such.
    expect(await complete({ state: declinedState, code: 'ac_unknown' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'code' } });

    // Deauthorized, then connected again through OAuth: the same account, ready again.
    await standinPost(harness, `/test/accounts/${accepted.account.id}/deauthorize`);
    await drain();
    await until(async () => expect((await state(['oauth.localhost']))[0]!.status).toBe('disconnected'));
    const again = await startOAuth();
    if (!again.ok) throw new Error(JSON.stringify(again));
    const againState = new URL(again.value.authorizeUrl).searchParams.get('state')!;
    const reaccepted = await standinPost<{ code: string }>(harness, '/test/oauth/authorize', { redirect_uri: redirectUri, state: againState, account: accepted.account.id });
    expect(await complete({ state: againState, code: reaccepted.code })).toMatchObject({ ok: true, value: { accountId: accepted.account.id, status: 'ready' } });
    expect((await state(['oauth.localhost']))[0]!.status).toBe('ready');
  });

  it('never credits a session the builder opened on its own account for its own domain, whatever its metadata says', async () => {
    const accountId = (await state(['notes.localhost']))[0]!.accountId!;
    const minted = await harness.stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'http://x.localhost/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'minted' } } }],
      metadata: { domain: 'notes.localhost', offeringId: 'notes_50', email: 'mallory@example.com', credits: '999999999', amountMinor: '100', currency: 'eur' },
      payment_intent_data: { metadata: { domain: 'notes.localhost' } },
    }, onAccount(accountId));
    await pay(minted.id, accountId);
    const delivery = harness.connectDeliveries.find((d) => d.type === 'checkout.session.completed' && d.account === accountId && d.outcome === 'ignored');
    expect(delivery).toBeDefined();
    const [recorded] = await harness.dataSource.query('SELECT outcome, refusal FROM stripe_events WHERE account_id = $1 AND stripe_event_id = $2', [accountId, delivery!.eventId]);
    expect(recorded).toMatchObject({ outcome: 'ignored', refusal: expect.stringContaining('not opened by billing') });
    expect(await outbox(harness, subjects.paymentSucceeded, { checkoutSessionId: minted.id })).toEqual([]);
    expect(await outbox(harness, subjects.paymentSucceeded, { email: 'mallory@example.com' })).toEqual([]);
  });

  it('never grants plan credits for a subscription the builder opened itself, and ignores credits edited into a sold plan\'s metadata', async () => {
    const accountId = (await state(['slides.localhost']))[0]!.accountId!;
    // A plan session opened by the builder on its own account, naming its own domain.
    const minted = await harness.stripe.checkout.sessions.create({
      mode: 'subscription', success_url: 'http://x.localhost/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, recurring: { interval: 'month' }, product_data: { name: 'minted plan' } } }],
      metadata: { domain: 'slides.localhost', offeringId: 'monthly_100', email: 'mallory@example.com', credits: '999999', amountMinor: '2000', currency: 'usd', interval: 'month', rollover: 'false' },
      subscription_data: { metadata: { domain: 'slides.localhost', offeringId: 'monthly_100', email: 'mallory@example.com', credits: '999999', amountMinor: '2000', currency: 'usd', interval: 'month', rollover: 'false' } },
    }, onAccount(accountId));
    await pay(minted.id, accountId);
    expect(await outbox(harness, subjects.planCreditsGranted, { email: 'mallory@example.com' })).toEqual([]);
    const [refused] = await harness.dataSource.query(
      `SELECT refusal FROM stripe_events WHERE account_id = $1 AND type = 'checkout.session.completed' AND refusal LIKE $2`, [accountId, `%${minted.id}%`]);
    expect(refused.refusal).toContain('not opened by billing');

    // A plan billing sold: the builder edits its subscription's credits; the renewal grants the catalog's 100.
    const opened = await checkout('slides.localhost', 'monthly_100', 'finn@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    await pay(opened.value.sessionId, accountId);
    const session = await harness.stripe.checkout.sessions.retrieve(opened.value.sessionId, {}, onAccount(accountId));
    const subscriptionId = session.subscription as string;
    const sold = await harness.stripe.subscriptions.retrieve(subscriptionId, {}, onAccount(accountId));
    await harness.stripe.subscriptions.update(subscriptionId, { metadata: { ...sold.metadata, credits: '999999' } }, onAccount(accountId));
    await drain();
    await advanceDays(harness, 32);
    await drain();
    await until(async () => expect((await outbox<{ credits: number }>(harness, subjects.planCreditsGranted, { subscriptionId })).length).toBeGreaterThanOrEqual(2));
    const grants = await outbox<{ credits: number }>(harness, subjects.planCreditsGranted, { subscriptionId });
    expect(grants.map((grant) => grant.credits)).toEqual(grants.map(() => 100));
    const [record] = await harness.dataSource.query('SELECT credits_per_period FROM subscriptions WHERE id = $1', [subscriptionId]);
    expect(record.credits_per_period).toBe(100);
  });
  it('after a deauthorisation whose webhook was lost: a money refund is refused for good and a re-fetch 403 records the event, both disconnecting the account', async () => {
    const accountId = await readyAccount(['revoked.localhost']);
    const sold = await checkout('revoked.localhost', 'pack_10', 'gus@example.com');
    if (!sold.ok) throw new Error(JSON.stringify(sold));
    await pay(sold.value.sessionId, accountId);
    const [payment] = await outbox<PaymentSucceededV1>(harness, subjects.paymentSucceeded, { checkoutSessionId: sold.value.sessionId });
    const unpaid = await checkout('revoked.localhost', 'pack_10', 'hal@example.com');
    if (!unpaid.ok) throw new Error(JSON.stringify(unpaid));
    const stored = await standinPost<{ event: { id: string } }>(harness, `/test/checkout/sessions/${unpaid.value.sessionId}/complete`, { deliver: false });
    await standinPost(harness, `/test/accounts/${accountId}/deauthorize`, { deliver: false });

    // The stored completion, delivered now (signed as Stripe would): its re-fetch gets Stripe's 403; recorded as refused, not a 502 retried forever.
    const payload = JSON.stringify(harness.standin.state.events.find((event) => event.id === stored.event.id));
    const signature = harness.stripe.webhooks.generateTestHeaderString({ payload, secret: testConnectWebhookSecret });
    const delivered = await harness.request(BillingConnectSubjects.handleConnectWebhook, { payloadBase64: Buffer.from(payload).toString('base64'), signature });
    expect(delivered).toMatchObject({ ok: true, value: { outcome: 'ignored', stripeEventId: stored.event.id } });
    const [recorded] = await harness.dataSource.query('SELECT outcome, refusal FROM stripe_events WHERE account_id = $1 AND stripe_event_id = $2', [accountId, stored.event.id]);
    expect(recorded).toMatchObject({ outcome: 'ignored', refusal: expect.stringContaining('disconnected') });
    expect((await state(['revoked.localhost']))[0]!.status).toBe('disconnected');
    expect(await outbox(harness, subjects.connectedAccountUpdated, { accountId, status: 'disconnected' })).toHaveLength(1);

    // The money refund: a final refusal the saga compensates on, never stripe_unavailable.
    const refund = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, {
      refundRequestId: '5b0e5c1e-0000-4000-8000-000000000002', paymentIntentId: payment!.paymentIntentId, amountMinor: 500, currency: 'usd',
    });
    expect(refund).toMatchObject({ ok: false, refusal: { code: 'connected_account_disconnected' } });
  });

  it('a money refund on an account deauthorized unseen marks it disconnected and publishes it', async () => {
    const accountId = (await state(['slides.localhost']))[0]!.accountId!;
    const [payment] = await outbox<PaymentSucceededV1>(harness, subjects.paymentSucceeded, { connectedAccountId: accountId, domain: 'slides.localhost' });
    await standinPost(harness, `/test/accounts/${accountId}/deauthorize`, { deliver: false });
    const refund = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, {
      refundRequestId: '5b0e5c1e-0000-4000-8000-000000000003', paymentIntentId: payment!.paymentIntentId, amountMinor: 100, currency: payment!.currency,
    });
    expect(refund).toMatchObject({ ok: false, refusal: { code: 'connected_account_disconnected' } });
    expect((await state(['slides.localhost', 'notes.localhost'])).map((domain) => domain.status)).toEqual(['disconnected', 'disconnected']);
    expect(await outbox(harness, subjects.connectedAccountUpdated, { accountId, status: 'disconnected' })).toEqual([
      expect.objectContaining({ domains: ['notes.localhost', 'slides.localhost'] }),
    ]);
  });
  it('reconciliation goes on past an account deauthorized with its webhook lost: marked disconnected, reported, the others reconciled', async () => {
    const kept = await readyAccount(['kept.localhost']);
    const lost = await readyAccount(['lost.localhost']);
    const opened = await checkout('kept.localhost', 'pack_10', 'ivy@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const completed = await standinPost<{ event: { id: string } }>(harness, `/test/checkout/sessions/${opened.value.sessionId}/complete`, { deliver: false });
    await standinPost(harness, `/test/accounts/${lost}/deauthorize`, { deliver: false });

    const report = await harness.request<ReconcileReport>(BillingSubscriptionSubjects.reconcile, { since: '1d' });
    if (!report.ok) throw new Error(JSON.stringify(report));
    expect(report.value.findings).toContainEqual(expect.objectContaining({ kind: 'connected_account_disconnected', id: lost }));
    expect(report.value.eventsProcessed).toContainEqual({ id: completed.event.id, type: 'checkout.session.completed', outcome: 'processed' });
    expect(await outbox(harness, subjects.paymentSucceeded, { checkoutSessionId: opened.value.sessionId })).toEqual([expect.objectContaining({ connectedAccountId: kept })]);
    expect((await state(['kept.localhost', 'lost.localhost'])).map((domain) => domain.status)).toEqual(['ready', 'disconnected']);
    expect(await outbox(harness, subjects.connectedAccountUpdated, { accountId: lost, status: 'disconnected' })).toEqual([expect.objectContaining({ domains: ['lost.localhost'] })]);
  });
  it('freezes the refund fee policy on the sale: a refund retried after the domain\'s policy changed sends the same request', async () => {
    const accountId = (await state(['kept.localhost']))[0]!.accountId!;
    const opened = await checkout('kept.localhost', 'pack_10', 'jay@example.com');
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    await pay(opened.value.sessionId, accountId);
    const [payment] = await outbox<PaymentSucceededV1>(harness, subjects.paymentSucceeded, { checkoutSessionId: opened.value.sessionId });
    const command = { refundRequestId: '5b0e5c1e-0000-4000-8000-000000000004', paymentIntentId: payment!.paymentIntentId, amountMinor: 500, currency: 'usd' };
    const first = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, command);
    if (!first.ok) throw new Error(JSON.stringify(first));

    // The operator stops giving the fee back; the saga, which never heard the first answer, asks again.
    const changed = await harness.request(BillingConnectSubjects.updateConnectSettings, { domain: 'kept.localhost', refundApplicationFee: false });
    expect(changed.ok).toBe(true);
    const again = await harness.request<CreateStripeRefundResult>(BillingRefundSubjects.createRefund, command);
    expect(again).toEqual(first);
    const fees = (await harness.stripe.applicationFees.list({ limit: 100 })).data.filter((candidate) => candidate.account === accountId || (candidate.account as { id?: string } | null)?.id === accountId);
    expect(fees.map((fee) => [fee.amount, fee.amount_refunded])).toContainEqual([49, 25]); // half of the 49-cent fee given back, as the sale was made (the stand-in rounds half up)

    // A sale made after the change carries the new policy.
    const later = await checkout('kept.localhost', 'pack_10', 'kim@example.com');
    if (!later.ok) throw new Error(JSON.stringify(later));
    const [row] = await harness.dataSource.query('SELECT refund_application_fee FROM checkout_sessions WHERE id = $1', [later.value.sessionId]);
    expect(row.refund_application_fee).toBe(false);
  });
});
