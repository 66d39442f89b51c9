import { BillingEventSubjects, BillingSubjects, LedgerEventSubjects, LedgerSubjects } from './subjects';
import { EntitlementEventSubjects, EntitlementSubjects } from './entitlements';
import { BillingRefundSubjects, RefundEventSubjects, RefundsSubjects } from './refunds';
import { AnalyticsReadModelSubjects, AnalyticsSubjects, BillingSubscriptionSubjects, WebhookSubjects } from './index';
import { LedgerEventSchemaVersions, LedgerEventTypeSubjects } from './ledger';
import { EventName, MessageBySubject, messageDefinitionOf, Messages, ReplyBySubject, RequestName } from './messages';

describe('the message map', () => {
  it('has a definition for every subject constant (but the ledger ping, which has no body)', () => {
    const constants = [
      ...Object.entries(LedgerSubjects).filter(([name]) => name !== 'ping').map(([, s]) => s),
      ...Object.values(LedgerEventSubjects), ...Object.values(LedgerEventTypeSubjects),
      ...Object.values(BillingSubjects), ...Object.values(BillingEventSubjects), ...Object.values(BillingRefundSubjects),
      ...Object.values(EntitlementSubjects), ...Object.values(EntitlementEventSubjects),
      ...Object.values(RefundsSubjects), ...Object.values(RefundEventSubjects),
      ...Object.values(BillingSubscriptionSubjects), ...Object.values(AnalyticsSubjects), ...Object.values(AnalyticsReadModelSubjects), ...Object.values(WebhookSubjects),
    ];
    const missing = constants.filter((subject) => messageDefinitionOf(subject) === undefined);
    expect(missing).toEqual([]);
  });

  it('names each message by its subject, and its version is the subject\'s', () => {
    for (const [name, definition] of Object.entries(Messages)) {
      expect(definition.name).toBe(name);
      expect(definition.subject.endsWith(name)).toBe(true);
      expect(name.endsWith(`.v${definition.version}`)).toBe(true);
    }
    expect(LedgerEventSchemaVersions.CreditsConsumed).toBe(1);
  });

  it('types bodies and replies by subject', () => {
    // Compile-time checks: a wrong field or reply type fails the build of this spec.
    const payment: MessageBySubject['billing.events.payment-succeeded.v1'] = {
      stripeEventId: 'evt_1', checkoutSessionId: 'cs_1', paymentIntentId: null, domain: 'a.example.com', offeringId: 'o', email: 'a@example.com',
      credits: 1, amountMinor: 100, currency: 'usd', scopeDomain: null, paidAt: '2025-01-01T00:00:00.000Z', connectedAccountId: null, applicationFeeMinor: null,
    };
    const reply: ReplyBySubject['ledger.queries.get-history.v1'] = { email: 'a@example.com', items: [], nextCursor: null };
    const request: RequestName = 'ledger.queries.get-history.v1';
    const event: EventName = 'ledger.events.credits-consumed.v1';
    expect([payment.credits, reply.nextCursor, request, event]).toEqual([1, null, 'ledger.queries.get-history.v1', 'ledger.events.credits-consumed.v1']);
  });
});
