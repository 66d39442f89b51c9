import { BillingEventSubjects, DisputeOpenedV1, EntitlementEventSubjects, EntitlementsChangedV1, RefundEventSubjects } from '@credit-hub/contracts';
import { consumedEnvelope, purchasedEnvelope } from '@credit-hub/testing';
import { MalformedSourceEventError, parseBillingNotification, parseEntitlementNotification, parseLedgerNotification, parseRefundNotification } from './source-events';

const envelope = (type: string, data: object, extra: object = {}) => ({
  eventId: `evt-${type}`,
  type,
  schemaVersion: 1,
  streamId: 'account-ada@example.com',
  version: 1,
  position: 1,
  occurredAt: '2025-03-01T12:00:00.000Z',
  data,
  metadata: {},
  ...extra,
});

describe('parseLedgerNotification', () => {
  it('maps CreditsPurchased to credits.purchased, with the lot to remember', () => {
    const event = purchasedEnvelope({ domain: 'Demo.Localhost', credits: 100, amountMinor: 4900, currency: 'USD' });
    const parsed = parseLedgerNotification(event);
    expect(parsed).toMatchObject({
      kind: 'purchase',
      lotId: (event.data as { lotId: string }).lotId,
      event: { eventId: event.eventId, type: 'credits.purchased', domain: 'demo.localhost', data: { credits: 100, amountMinor: 4900, currency: 'usd' } },
    });
  });

  it('reads the debits and what each takes', () => {
    expect(parseLedgerNotification(consumedEnvelope({ domain: 'a.example.com', credits: 3, balanceAfter: 7 }))).toMatchObject({
      kind: 'debit',
      debit: { cause: 'CreditsConsumed', domain: 'a.example.com', lotId: null, creditsTaken: 3, balanceAfter: 7, email: 'ada@example.com' },
    });
    const captured = envelope('ReservationCaptured', { reservationId: 'r', domain: 'a.example.com', referenceId: 'x', actionType: 'job', credits: 4, draws: [], releasedCredits: 1, balanceAfter: 2, capturedAt: '2025-03-01T12:00:00Z' });
    expect(parseLedgerNotification(captured)).toMatchObject({ kind: 'debit', debit: { domain: 'a.example.com', creditsTaken: 4, balanceAfter: 2 } });
    const expired = envelope('CreditsExpired', { lotId: 'lot-1', credits: 5, balanceAfter: 0, expiredAt: '2025-03-01T12:00:00Z' });
    expect(parseLedgerNotification(expired)).toMatchObject({ kind: 'debit', debit: { domain: null, lotId: 'lot-1', creditsTaken: 5 } });
    const refunded = envelope('PurchaseRefunded', { lotId: 'lot-2', refundRequestId: 'r', credits: 8, amountMinor: 1, currency: 'usd', paymentIntentId: null, checkoutSessionId: 'cs', balanceAfter: 1, refundedAt: '2025-03-01T12:00:00Z' });
    expect(parseLedgerNotification(refunded)).toMatchObject({ kind: 'debit', debit: { lotId: 'lot-2', creditsTaken: 8 } });
    const clawed = envelope('CreditsClawedBack', { lotId: 'lot-3', disputeId: 'dp', credits: 2, owedCredits: 5, balanceAfter: -5, clawedBackAt: '2025-03-01T12:00:00Z' });
    expect(parseLedgerNotification(clawed)).toMatchObject({ kind: 'debit', debit: { lotId: 'lot-3', creditsTaken: 7, balanceAfter: -5 } });
  });

  it('remembers granted lots and ignores what never lowers a balance, or an unknown version', () => {
    expect(parseLedgerNotification(envelope('CreditsGranted', { lotId: 'g', domain: 'B.example.com' }))).toEqual({ kind: 'grant', lotId: 'g', domain: 'b.example.com' });
    expect(parseLedgerNotification(envelope('ConsumptionRefunded', {}))).toMatchObject({ kind: 'ignored' });
    expect(parseLedgerNotification(envelope('CreditsConsumed', {}, { schemaVersion: 2 }))).toMatchObject({ kind: 'ignored' });
    expect(parseLedgerNotification(envelope('SomethingNew', {}))).toMatchObject({ kind: 'ignored', type: 'SomethingNew' });
  });

  it.each([
    ['not an object', 'x'],
    ['no event id', { ...envelope('CreditsConsumed', {}), eventId: undefined }],
    ['fractional credits', consumedEnvelope({ credits: 1.5 })],
    ['a balance as text', consumedEnvelope({ balanceAfter: '7' as unknown as number })],
    ['a stream that is not an account', envelope('CreditsExpired', { lotId: 'l', credits: 1, balanceAfter: 0 }, { streamId: 'other' })],
    ['a bad time', envelope('CreditsExpired', { lotId: 'l', credits: 1, balanceAfter: 0 }, { occurredAt: 'yesterday' })],
  ])('refuses %s', (_, body) => {
    expect(() => parseLedgerNotification(body)).toThrow(MalformedSourceEventError);
  });
});

describe('parseRefundNotification', () => {
  const refundEvent = { eventId: 'rr-1:RefundRequested', type: 'RefundRequested', schemaVersion: 1, occurredAt: '2025-03-01T12:00:00Z', request: { id: 'rr-1', domain: 'Demo.Localhost', status: 'requested' } };

  it('maps refund-requested and refund-completed, and nothing else', () => {
    expect(parseRefundNotification(RefundEventSubjects.refundRequested, refundEvent)).toMatchObject({
      eventId: 'rr-1:RefundRequested',
      type: 'refund.requested',
      domain: 'demo.localhost',
      data: { eventId: 'rr-1:RefundRequested', refund: { id: 'rr-1' } },
    });
    expect(parseRefundNotification(RefundEventSubjects.refundCompleted, refundEvent)).toMatchObject({ type: 'refund.completed' });
    expect(parseRefundNotification(RefundEventSubjects.refundHeld, refundEvent)).toBeNull();
  });

  it('refuses an event without its request', () => {
    expect(() => parseRefundNotification(RefundEventSubjects.refundRequested, { ...refundEvent, request: null })).toThrow(MalformedSourceEventError);
  });
});

describe('parseBillingNotification', () => {
  const dispute: DisputeOpenedV1 = {
    disputeId: 'dp_1', chargeId: 'ch_1', paymentIntentId: 'pi_1', email: 'ada@example.com', domain: 'Demo.Localhost',
    amountMinor: 500, currency: 'usd', reason: 'fraudulent', at: '2025-03-01T10:00:00Z',
  };

  it.each([
    [BillingEventSubjects.trialWillEnd, 'subscription.trial_will_end'],
    [BillingEventSubjects.disputeOpened, 'dispute.opened'],
    [BillingEventSubjects.paymentFailed, 'payment.failed'],
  ])('maps %s to %s: the message id is the event id, `at` the time, the body the data', (subject, type) => {
    const parsed = parseBillingNotification(subject, dispute, 'evt_1', '2025-03-09T00:00:00.000Z');
    expect(parsed).toEqual({
      eventId: 'evt_1',
      type,
      domain: 'demo.localhost',
      occurredAt: '2025-03-01T10:00:00.000Z',
      data: { eventId: 'evt_1', ...dispute },
    });
  });

  it('takes the time it was received when the body has none', () => {
    const { at: _, ...undated } = dispute;
    expect(parseBillingNotification(BillingEventSubjects.disputeOpened, undated, 'evt_2', '2025-03-09T00:00:00.000Z')?.occurredAt).toBe('2025-03-09T00:00:00.000Z');
  });

  it('ignores the other billing events, and refuses one it cannot route', () => {
    expect(parseBillingNotification(BillingEventSubjects.paymentSucceeded, { domain: 'x' }, 'm', '2025-03-01T00:00:00Z')).toBeNull();
    expect(parseBillingNotification(BillingEventSubjects.disputeClosed, { domain: 'x' }, 'm', '2025-03-01T00:00:00Z')).toBeNull();
    expect(() => parseBillingNotification(BillingEventSubjects.paymentFailed, { invoiceId: 'in_1' }, 'm', '2025-03-01T00:00:00Z')).toThrow(MalformedSourceEventError);
    expect(() => parseBillingNotification(BillingEventSubjects.paymentFailed, { ...dispute, at: 'soon' }, 'm', '2025-03-01T00:00:00Z')).toThrow(MalformedSourceEventError);
  });
});

describe('parseEntitlementNotification', () => {
  const changed: EntitlementsChangedV1 = {
    email: 'bob@example.com', domain: 'Demo.Localhost', version: 2, tier: 'free', status: 'canceled', offeringId: null, paymentPastDue: false,
    previous: { tier: 'plan', status: 'trialing', offeringId: 'builder_monthly', paymentPastDue: false }, caps: { workspaces: 1 },
    subscriptionId: 'sub_1', at: '2025-03-15T00:00:00Z',
  };

  it('maps entitlements.events.changed.v1 to entitlements.changed: the message id is the event id, `at` the time', () => {
    const id = 'entitlements:demo.localhost:bob@example.com:2';
    expect(parseEntitlementNotification(EntitlementEventSubjects.changed, changed, id, '2025-03-20T00:00:00.000Z')).toEqual({
      eventId: id, type: 'entitlements.changed', domain: 'demo.localhost', occurredAt: '2025-03-15T00:00:00.000Z', data: { eventId: id, ...changed },
    });
  });

  it('hashes a message id longer than event ids may be, the same way every time', () => {
    const long = `entitlements:demo.localhost:${'a'.repeat(240)}@example.com:1`;
    const first = parseEntitlementNotification(EntitlementEventSubjects.changed, changed, long, '2025-03-20T00:00:00Z');
    expect(first?.eventId).toMatch(/^entitlements:[0-9a-f]{64}$/);
    expect(parseEntitlementNotification(EntitlementEventSubjects.changed, changed, long, '2025-03-21T00:00:00Z')?.eventId).toBe(first?.eventId);
  });

  it('ignores other subjects and refuses a message it cannot route', () => {
    expect(parseEntitlementNotification(BillingEventSubjects.subscriptionChanged, changed, 'm', '2025-03-01T00:00:00Z')).toBeNull();
    expect(() => parseEntitlementNotification(EntitlementEventSubjects.changed, { email: 'x@y' }, 'm', '2025-03-01T00:00:00Z')).toThrow(MalformedSourceEventError);
    expect(() => parseEntitlementNotification(EntitlementEventSubjects.changed, { ...changed, at: 'later' }, 'm', '2025-03-01T00:00:00Z')).toThrow(MalformedSourceEventError);
  });
});
