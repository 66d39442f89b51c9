import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  PortalSession,
  PortalView,
  RefundEventV1,
  RefundRequestPage,
  RefundRequestView,
  RefundsSubjects,
  RequestRefundResult,
  Streams,
} from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { dropDatabase } from '@credit-hub/service-kit';
import { eventually, testNatsUrl, uniqueDatabaseUrl } from '@credit-hub/testing';
import { AckPolicy, connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { RefundRequestRow } from './requests/refund-requests.store';
import { SagaResumer } from './saga/saga-resumer';
import { FakeBilling, FakeLedger } from './test/fake-services';
import { feedback, rpc, startRefunds, valueOf, writeCatalog } from './test/refunds-harness';

// Real PostgreSQL and NATS; the ledger and billing are in-memory stand-ins behind NATS that keep
// their contracts (idempotent on the refund request id) and count effects.
describe('refunds: portal, policy, saga', () => {
  const databaseUrl = uniqueDatabaseUrl('refund_requests');
  const catalog = writeCatalog([
    { domain: 'credits.example.com' },
    { domain: 'capped.example.com', refundPolicy: { refundsPerWindow: 100, creditsPerRefundMax: 5 } },
    { domain: 'review.example.com', refundPolicy: { refundsPerWindow: 10, reviewThreshold: { refundsIn30Days: 1 } } },
    { domain: 'money.example.com', refundPolicy: { refundsPerWindow: 100, moneyRefunds: { enabled: true, withinDays: 30 } } },
  ]);
  let nc: NatsConnection;
  let db: Client;
  let ledger: FakeLedger;
  let billing: FakeBilling;
  let app: INestApplication | undefined;

  const portal = async (email: string, domain: string) =>
    valueOf(await rpc<PortalSession>(nc, RefundsSubjects.createPortalSession, { email, domain, returnUrl: `https://${domain}/account` })).token;
  const view = async (token: string) => valueOf(await rpc<PortalView>(nc, RefundsSubjects.getPortalView, { token }));
  const request = (token: string, extra: Record<string, unknown> = {}) =>
    rpc<RequestRefundResult>(nc, RefundsSubjects.requestRefund, { token, requestKey: randomUUID(), kind: 'credits', ...feedback(), ...extra });
  const row = async (id: string) => (await db.query<RefundRequestRow>('SELECT * FROM refund_requests WHERE id = $1', [id])).rows[0];
  const restart = async (faults?: Parameters<typeof startRefunds>[0]) => {
    await app?.close();
    app = await startRefunds(faults);
  };

  /** A customer with `credits` bought on `domain` and consumptions of the given sizes. */
  const customer = async (domain: string, bought: number, consumptions: number[], amountMinor = bought * 10) => {
    const email = `c-${randomUUID().slice(0, 8)}@example.com`;
    const lot = ledger.purchase(email, domain, bought, amountMinor);
    for (const credits of consumptions) await ledger.consume(email, domain, credits);
    return { email, lot, token: await portal(email, domain) };
  };

  beforeAll(async () => {
    Object.assign(process.env, {
      NATS_URL: testNatsUrl,
      REFUNDS_DATABASE_URL: databaseUrl,
      REFUNDS_HTTP_PORT: '0',
      CATALOG_FILE: catalog,
      LEDGER_REQUEST_TIMEOUT_MS: '700',
      BILLING_REQUEST_TIMEOUT_MS: '700',
      REFUNDS_SAGA_LEASE_MS: '1000',
      REFUNDS_SAGA_POLL_MS: '200',
      REFUNDS_MONEY_WAIT_MS: '3000',
    });
    nc = await connect({ servers: testNatsUrl });
    const jsm = await nc.jetstreamManager();
    for (const stream of [Streams.ledger, Streams.refunds]) await jsm.streams.delete(stream.name).catch(() => undefined);
    await ensureStreams(nc, [Streams.ledger, Streams.refunds]);
    ledger = await FakeLedger.start();
    billing = await FakeBilling.start();
    app = await startRefunds();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await app?.close();
    await db?.end();
    await ledger?.close();
    await billing?.close();
    const jsm = await nc.jetstreamManager();
    for (const stream of [Streams.ledger, Streams.refunds]) await jsm.streams.delete(stream.name).catch(() => undefined);
    await nc?.drain();
    await dropDatabase(databaseUrl);
  });

  it('mints portal links for one customer and domain, and refuses tampered, foreign and unknown ones', async () => {
    const { email, token } = await customer('credits.example.com', 10, [3]);
    const page = await view(token);
    expect(page).toMatchObject({
      email,
      balance: 7,
      branding: { domain: 'credits.example.com', displayName: 'credits.example.com AI', supportEmail: 'support@credits.example.com', returnUrl: 'https://credits.example.com/account' },
      policy: { windowDays: 14, refundsPerWindow: 1, creditsPerRefundMax: null, moneyRefunds: { enabled: false } },
      creditRefund: { available: true, credits: 3, reason: null },
      moneyRefunds: [],
      refunds: [],
    });
    expect(page.consumptions).toEqual([expect.objectContaining({ credits: 3, creditsRefundable: 3, actionType: 'chat' })]);

    const [version, keyId, claims, signature] = token.split('.');
    const json = JSON.parse(Buffer.from(claims, 'base64url').toString());
    const forged = `${version}.${keyId}.${Buffer.from(JSON.stringify({ ...json, e: 'eve@example.com' })).toString('base64url')}.${signature}`;
    expect(await rpc(nc, RefundsSubjects.getPortalView, { token: forged })).toMatchObject({ ok: false, refusal: { code: 'portal_link_invalid' } });
    expect(await request(forged)).toMatchObject({ ok: false, refusal: { code: 'portal_link_invalid' } });
    expect(await rpc(nc, RefundsSubjects.createPortalSession, { email, domain: 'unknown.example.com', returnUrl: 'https://x.example.com' })).toMatchObject({
      ok: false, refusal: { code: 'not_found', field: 'domain' },
    });
    expect(await rpc(nc, RefundsSubjects.createPortalSession, { email, domain: 'credits.example.com', returnUrl: 'javascript:alert(1)' })).toMatchObject({
      ok: false, refusal: { code: 'validation_failed', field: 'returnUrl' },
    });
    expect(await request(token, { tried: '   ' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'tried' } });
    expect(await request(token, { category: 'vibes' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'category' } });
  });

  it('refunds credits within the request, once per request key, and publishes the events', async () => {
    const { email, token } = await customer('credits.example.com', 20, [2, 5]);
    await eventually('both consumptions recorded', async () => (await view(token)).creditRefund.credits === 7);
    const before = { ...ledger.effects };
    const requestKey = randomUUID();
    const result = valueOf(await request(token, { requestKey }));
    expect(result).toMatchObject({
      balance: 20,
      repeated: false,
      request: { email, domain: 'credits.example.com', kind: 'credits', status: 'completed', creditsRequested: 7, creditsRefunded: 7, feedback: feedback() },
    });
    const again = valueOf(await request(token, { requestKey }));
    expect(again).toMatchObject({ repeated: true, request: { id: result.request.id, status: 'completed' } });
    expect(ledger.effects.refundConsumptions - before.refundConsumptions).toBe(1);
    expect(await request(token)).toMatchObject({ ok: false, refusal: { code: 'refund_not_allowed' } });
    const after = await view(token);
    expect(after).toMatchObject({ balance: 20, creditRefund: { available: false, credits: 0 } });
    expect(after.consumptions.map((c) => c.creditsRefundable)).toEqual([0, 0]);
    expect(after.refunds.map((r) => r.id)).toEqual([result.request.id]);

    const events = await eventually('events on REFUNDS', async () => {
      const found = await refundEvents(nc, result.request.id);
      return found.length >= 2 ? found : undefined;
    });
    expect(events.map((e) => [e.subject.replace(/^[^.]+\./, ''), e.event.type, e.event.request.status])).toEqual([
      ['refunds.events.refund-requested.v1', 'RefundRequested', 'requested'],
      ['refunds.events.refund-completed.v1', 'RefundCompleted', 'completed'],
    ]);
  });

  it('lets 1 of 20 simultaneous requests through under a one-refund window', async () => {
    const { email, token } = await customer('credits.example.com', 50, [4, 4]);
    await eventually('recorded', async () => (await view(token)).creditRefund.credits === 8);
    const before = ledger.effects.refundConsumptions;
    const replies = await Promise.all(Array.from({ length: 20 }, () => request(token)));
    const granted = replies.filter((r) => r.ok);
    expect(granted).toHaveLength(1);
    expect(replies.filter((r) => !r.ok && r.refusal.code === 'refund_not_allowed')).toHaveLength(19);
    expect(ledger.effects.refundConsumptions - before).toBe(1);
    expect(ledger.total(email)).toBe(50);
  });

  it('never refunds more than was consumed: 20 simultaneous requests with a 5-credit cap and 12 credits consumed', async () => {
    const { email, token } = await customer('capped.example.com', 40, [4, 4, 4]);
    await eventually('recorded', async () => (await view(token)).consumptions.length === 3);
    const replies = await Promise.all(Array.from({ length: 20 }, () => request(token)));
    const granted = replies.filter((r) => r.ok).map((r) => valueOf(r).request);
    expect(granted.length).toBeGreaterThanOrEqual(1);
    expect(granted.every((r) => r.status === 'completed' && r.creditsRefunded === r.creditsRequested && r.creditsRefunded <= 5)).toBe(true);
    expect(replies.filter((r) => !r.ok).every((r) => !r.ok && r.refusal.code === 'nothing_to_refund')).toBe(true);
    let total = granted.reduce((sum, r) => sum + r.creditsRefunded, 0);
    expect(total).toBeLessThanOrEqual(12);
    // One after the other, the rest comes back, 5 at most at a time, and then nothing more.
    for (let reply = await request(token); reply.ok; reply = await request(token)) {
      expect(valueOf(reply).request.creditsRefunded).toBeLessThanOrEqual(5);
      total += valueOf(reply).request.creditsRefunded;
    }
    expect(total).toBe(12);
    expect(ledger.total(email)).toBe(40);
    expect((await view(token)).creditRefund).toMatchObject({ available: false });
  });

  it('holds a refund over the review threshold (no credits move) until the builder approves or denies it', async () => {
    const { email, token } = await customer('review.example.com', 30, [1, 1, 1, 1]);
    await eventually('recorded', async () => (await view(token)).consumptions.length === 4);
    const first = valueOf(await request(token, { category: 'speed' }));
    expect(first.request).toMatchObject({ status: 'completed', creditsRefunded: 4, reviewReason: null });
    await ledger.consume(email, 'review.example.com', 2);
    await eventually('recorded', async () => (await view(token)).creditRefund.credits === 2);
    const calls = ledger.calls.refundConsumptions;
    const held = valueOf(await request(token, { category: 'price', rating: undefined }));
    expect(held).toMatchObject({ balance: 28, request: { status: 'held', creditsRequested: 2, creditsRefunded: 0, reviewReason: 'more than 1 refunds in 30 days' } });
    expect(ledger.calls.refundConsumptions).toBe(calls);
    expect(ledger.total(email)).toBe(28);

    const other = await rpc(nc, RefundsSubjects.reviewRefund, { domain: 'credits.example.com', refundRequestId: held.request.id, decision: 'approve' });
    expect(other).toMatchObject({ ok: false, refusal: { code: 'refund_not_found' } });
    const approved = valueOf(await rpc<RefundRequestView>(nc, RefundsSubjects.reviewRefund, { domain: 'review.example.com', refundRequestId: held.request.id, decision: 'approve' }));
    expect(approved).toMatchObject({ status: 'completed', creditsRefunded: 2 });
    expect(ledger.total(email)).toBe(30);
    expect(valueOf(await rpc<RefundRequestView>(nc, RefundsSubjects.reviewRefund, { domain: 'review.example.com', refundRequestId: held.request.id, decision: 'approve' }))).toMatchObject({ status: 'completed' });

    await ledger.consume(email, 'review.example.com', 3);
    await eventually('recorded', async () => (await view(token)).creditRefund.credits === 3);
    const heldAgain = valueOf(await request(token, { category: 'bug' }));
    expect(heldAgain.request.status).toBe('held');
    const denied = valueOf(await rpc<RefundRequestView>(nc, RefundsSubjects.reviewRefund, { domain: 'review.example.com', refundRequestId: heldAgain.request.id, decision: 'deny' }));
    expect(denied).toMatchObject({ status: 'denied', creditsRefunded: 0, failureReason: 'denied after review' });
    expect((await view(token)).consumptions[0].creditsRefundable).toBe(3); // the reservation is released

    // The builder's list: newest first, filters, cursor; another domain sees none of it.
    const page = valueOf(await rpc<RefundRequestPage>(nc, RefundsSubjects.listRefundRequests, { domain: 'review.example.com', limit: 2 }));
    expect(page.items.map((r) => r.id)).toEqual([heldAgain.request.id, held.request.id]);
    const next = valueOf(await rpc<RefundRequestPage>(nc, RefundsSubjects.listRefundRequests, { domain: 'review.example.com', limit: 2, cursor: page.nextCursor }));
    expect(next.items.map((r) => r.id)).toEqual([first.request.id]);
    expect(next.nextCursor).toBeNull();
    const byCategory = valueOf(await rpc<RefundRequestPage>(nc, RefundsSubjects.listRefundRequests, { domain: 'review.example.com', category: 'price' }));
    expect(byCategory.items.map((r) => r.id)).toEqual([held.request.id]);
    const byStatus = valueOf(await rpc<RefundRequestPage>(nc, RefundsSubjects.listRefundRequests, { domain: 'review.example.com', status: 'denied' }));
    expect(byStatus.items.map((r) => r.id)).toEqual([heldAgain.request.id]);
    const later = valueOf(await rpc<RefundRequestPage>(nc, RefundsSubjects.listRefundRequests, { domain: 'review.example.com', since: new Date(Date.now() + 60_000).toISOString() }));
    expect(later.items).toEqual([]);
    expect(await rpc(nc, RefundsSubjects.getRefundRequest, { domain: 'money.example.com', refundRequestId: first.request.id })).toMatchObject({ ok: false, refusal: { code: 'refund_not_found' } });
    expect(valueOf(await rpc<RefundRequestView>(nc, RefundsSubjects.getRefundRequest, { domain: 'review.example.com', refundRequestId: first.request.id }))).toMatchObject({
      feedback: { category: 'speed' },
    });
  });

  it('refunds the unused part of a purchase as money: credits removed, then Stripe, once', async () => {
    const { email, lot, token } = await customer('money.example.com', 100, [40], 4900);
    await eventually('recorded', async () => (await view(token)).consumptions.length === 1);
    expect((await view(token)).moneyRefunds).toEqual([expect.objectContaining({ lotId: lot.lotId, creditsUnused: 60, amountMinor: 2940, currency: 'usd' })]);
    const result = valueOf(await request(token, { kind: 'money', lotId: lot.lotId }));
    expect(result.request).toMatchObject({ kind: 'money', status: 'completed', creditsRequested: 60, creditsRefunded: 60, moneyRefunded: { amountMinor: 2940, currency: 'usd' }, lotId: lot.lotId });
    expect(result.request.stripeRefundId).toMatch(/^re_test_/);
    expect(result.balance).toBe(0);
    expect(billing.refunds.get(result.request.id)).toMatchObject({ amountMinor: 2940 });
    expect(ledger.moneyRefunds.get(result.request.id)).toMatchObject({ email, credits: 60, amountMinor: 2940, reverted: false });
    expect((await view(token)).moneyRefunds).toEqual([]);
    const steps = await db.query('SELECT from_status, to_status FROM refund_request_transitions WHERE refund_request_id = $1 ORDER BY id', [result.request.id]);
    expect(steps.rows.map((s) => `${s.from_status}→${s.to_status}`)).toEqual(['null→requested', 'requested→credits_removed', 'credits_removed→stripe_refunded', 'stripe_refunded→completed']);
  });

  it('compensates when Stripe declines: the removed credits come back', async () => {
    const { lot, token, email } = await customer('money.example.com', 10, [], 1000);
    billing.mode = 'decline';
    try {
      const result = valueOf(await request(token, { kind: 'money', lotId: lot.lotId }));
      expect(result.request).toMatchObject({ status: 'compensated', creditsRefunded: 10, moneyRefunded: null, failureReason: 'Stripe refused the refund: card_declined' });
      expect(result.balance).toBe(10);
      expect(ledger.moneyRefunds.get(result.request.id)).toMatchObject({ reverted: true });
      expect(ledger.total(email)).toBe(10);
      const events = await eventually('events', async () => {
        const found = await refundEvents(nc, result.request.id);
        return found.length >= 2 ? found : undefined;
      });
      expect(events.map((e) => e.event.type)).toEqual(['RefundRequested', 'RefundFailed']);
    } finally {
      billing.mode = 'succeed';
    }
  });

  it('parks a money refund for an operator on an idempotency conflict: no retry, no compensation', async () => {
    const { lot, token, email } = await customer('money.example.com', 10, [], 1000);
    billing.mode = 'idempotency';
    try {
      const calls = billing.calls;
      const result = valueOf(await request(token, { kind: 'money', lotId: lot.lotId }));
      expect(result.request.status).toBe('credits_removed');
      const parked = await row(result.request.id);
      expect(parked.last_error).toContain('needs an operator');
      expect(new Date(parked.next_attempt_at).getUTCFullYear()).toBe(9999);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(billing.calls - calls).toBe(1);
      expect(ledger.moneyRefunds.get(result.request.id)).toMatchObject({ reverted: false });
      expect(ledger.total(email)).toBe(0);
    } finally {
      billing.mode = 'succeed';
    }
  });

  it('resumes a money refund killed between its steps and finishes it exactly once', async () => {
    for (const crashAfter of ['credits_removed', 'stripe_refunded'] as const) {
      const { lot, token } = await customer('money.example.com', 10, [3], 1000);
      await eventually('recorded', async () => (await view(token)).moneyRefunds.length === 1);
      await restart({
        afterStep: (r) => {
          if (r.status === crashAfter) throw new Error(`simulated crash after ${crashAfter}`);
        },
      });
      const half = valueOf(await request(token, { kind: 'money', lotId: lot.lotId }));
      expect(half.request.status).toBe(crashAfter);
      const id = half.request.id;
      const billingCalls = billing.calls;
      await restart(); // a new process; the dead one's lease expires after REFUNDS_SAGA_LEASE_MS
      await eventually(`refund resumed after ${crashAfter}`, async () => (await row(id)).status === 'completed', 10_000);
      const done = await row(id);
      expect(done).toMatchObject({ credits_refunded: 7, money_refunded_minor: 700, lease_until: null });
      expect(billing.refunds.get(id)).toMatchObject({ amountMinor: 700 });
      expect(billing.calls - billingCalls).toBe(crashAfter === 'credits_removed' ? 1 : 0);
      expect(ledger.moneyRefunds.get(id)).toMatchObject({ credits: 7, reverted: false });
      const steps = await db.query('SELECT to_status FROM refund_request_transitions WHERE refund_request_id = $1 ORDER BY id', [id]);
      expect(steps.rows.map((s) => s.to_status)).toEqual(['requested', 'credits_removed', 'stripe_refunded', 'completed']);
    }
    expect(app!.get(SagaResumer).drivenCount).toBeGreaterThanOrEqual(1);
  });

  it('retries a money refund while billing does not answer, with the same idempotency key', async () => {
    const { lot, token } = await customer('money.example.com', 4, [], 400);
    billing.mode = 'silent';
    const callsBefore = billing.calls;
    const pending = valueOf(await request(token, { kind: 'money', lotId: lot.lotId }));
    expect(pending.request.status).toBe('credits_removed');
    await eventually('a retry', async () => billing.calls - callsBefore >= 2, 10_000);
    billing.mode = 'succeed';
    await eventually('completed', async () => (await row(pending.request.id)).status === 'completed', 15_000);
    expect([...billing.refunds.keys()].filter((k) => k === pending.request.id)).toHaveLength(1);
    expect(ledger.moneyRefunds.get(pending.request.id)).toMatchObject({ credits: 4, amountMinor: 400, reverted: false });
  });

  it('finishes a credit refund whose ledger answer was lost, from the ledger\'s repeat answer, exactly once', async () => {
    const { email, token } = await customer('credits.example.com', 9, [2, 3]);
    await eventually('recorded', async () => (await view(token)).creditRefund.credits === 5);
    ledger.loseNextRefundAnswer = true;
    const effects = ledger.effects.refundConsumptions;
    const pending = valueOf(await request(token));
    expect(pending.request.status).toBe('requested');
    expect(ledger.total(email)).toBe(9); // the ledger did refund; the answer was lost
    await eventually('completed by the resumer', async () => (await row(pending.request.id)).status === 'completed', 15_000);
    expect(await row(pending.request.id)).toMatchObject({ credits_refunded: 5 });
    expect(ledger.effects.refundConsumptions - effects).toBe(1);
    expect((await view(token)).consumptions.map((c) => c.creditsRefundable)).toEqual([0, 0]);
  });
});

/** The REFUNDS events about one request, in stream order, with their subjects. */
async function refundEvents(nc: NatsConnection, refundRequestId: string): Promise<{ subject: string; event: RefundEventV1 }[]> {
  const jsm = await nc.jetstreamManager();
  const name = `probe${randomUUID().slice(0, 8)}`;
  await jsm.consumers.add(Streams.refunds.name, { name, ack_policy: AckPolicy.None, inactive_threshold: 5_000_000_000 });
  const consumer = await nc.jetstream().consumers.get(Streams.refunds.name, name);
  const found: { subject: string; event: RefundEventV1 }[] = [];
  const messages = await consumer.fetch({ max_messages: 1000, expires: 1000 });
  for await (const message of messages) {
    const event = JSON.parse(Buffer.from(message.data).toString()) as RefundEventV1;
    if (event.request.id === refundRequestId) found.push({ subject: message.subject, event });
    if (message.info.pending === 0) break;
  }
  await jsm.consumers.delete(Streams.refunds.name, name).catch(() => undefined);
  return found;
}
