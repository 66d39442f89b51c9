import { HistoryItem } from '@credit-hub/contracts';
import { buildEvidence, EvidenceFacts, evidenceLimits, money } from './dispute-evidence';

const item = (type: string, referenceId: string, delta: number, at: string, actionType: string | null = 'ai_generation'): HistoryItem => ({
  eventId: `e-${referenceId}`, type, version: 1, occurredAt: at, domain: 'demo.localhost', creditsDelta: delta, balanceAfter: 0, referenceId, actionType, details: {},
});

const facts: EvidenceFacts = {
  disputeId: 'du_1', chargeId: 'ch_1', paymentIntentId: 'pi_2', amountMinor: 4900, currency: 'usd', reason: 'fraudulent', email: 'ada@example.com', domain: 'demo.localhost',
  brand: { displayName: 'Demo AI', supportEmail: 'support@demo.localhost' },
  checkouts: [
    { sessionId: 'cs_2', domain: 'demo.localhost', offeringId: 'pro_100', mode: 'payment', credits: 100, amountMinor: 4900, currency: 'usd', checkoutMessage: 'All sales final.', createdAt: '2026-11-01T10:00:00.000Z', completedAt: '2026-11-01T10:01:00.000Z', paymentIntentId: 'pi_2' },
    { sessionId: 'cs_1', domain: 'notes.localhost', offeringId: 'notes_50', mode: 'payment', credits: 50, amountMinor: 900, currency: 'eur', checkoutMessage: null, createdAt: '2026-10-01T10:00:00.000Z', completedAt: '2026-10-01T10:01:00.000Z', paymentIntentId: 'pi_1' },
  ],
  history: [
    item('CreditsConsumed', 'gen_2', -3, '2026-11-02T10:00:00.000Z', 'video'),
    item('ConsumptionRefunded', 'gen_1', 1, '2026-11-01T12:00:00.000Z', null),
    item('CreditsConsumed', 'gen_1', -1, '2026-11-01T11:00:00.000Z'),
    item('CreditsPurchased', 'x', 100, '2026-11-01T10:01:00.000Z', null),
  ],
};

describe('buildEvidence', () => {
  it('lists every consumption with time, domain, action and reference, and states the checkout and consent facts', () => {
    const evidence = buildEvidence(facts);
    expect(evidence.access_activity_log).toBe([
      '2 uses of the credits (UTC time, domain, action, reference, credits), newest first:',
      '2026-11-02T10:00:00.000Z demo.localhost video gen_2 3',
      '2026-11-01T11:00:00.000Z demo.localhost ai_generation gen_1 1',
    ].join('\n'));
    expect(evidence.customer_email_address).toBe('ada@example.com');
    expect(evidence.product_description).toBe('Demo AI (demo.localhost): 100 AI usage credits (prepaid, one-time), offering pro_100, for 49.00 USD.');
    expect(evidence.service_date).toBe('2026-11-01');
    expect(evidence.refund_policy_disclosure).toBe('Shown on the checkout page above the pay button, accepted by paying: "All sales final."');
    expect(evidence.uncategorized_text).toContain('Checkout cs_2 created 2026-11-01T10:00:00.000Z, paid 2026-11-01T10:01:00.000Z (payment pi_2)');
    expect(evidence.uncategorized_text).toContain('used 4 credits in 2 actions, from 2026-11-01T11:00:00.000Z to 2026-11-02T10:00:00.000Z');
    expect(evidence.uncategorized_text).toContain('Refunds: 2026-11-01T12:00:00.000Z ConsumptionRefunded 1 credits');
    expect(evidence.uncategorized_text).toContain('Other purchases by this customer: 2026-10-01T10:01:00.000Z notes.localhost notes_50');
  });

  it('says so when nothing was used, and without a purchase leaves the product fields out', () => {
    const evidence = buildEvidence({ ...facts, history: [], checkouts: [] });
    expect(evidence.access_activity_log).toBe('No credits were used.');
    expect(evidence.product_description).toBeUndefined();
    expect(evidence.uncategorized_text).toContain('No checkout of this customer was found.');
  });

  it('keeps the activity log within its bound', () => {
    const many = Array.from({ length: 5000 }, (_, i) => item('CreditsConsumed', `gen_${i}`, -1, '2026-11-02T10:00:00.000Z'));
    const log = buildEvidence({ ...facts, history: many }).access_activity_log!;
    expect(log.length).toBeLessThanOrEqual(evidenceLimits.activityLogCharsMax);
    expect(log).toMatch(/\(cut at 100000 characters\)$/);
  });

  it.each([[4900, 'usd', '49.00 USD'], [500, 'jpy', '500 JPY'], [5, 'eur', '0.05 EUR'], [300_000, 'huf', '3000.00 HUF'], [1234, 'kwd', '1.234 KWD'], [-250, 'usd', '-2.50 USD']])('money(%i, %s) = %s', (amount, currency, text) => {
    expect(money(amount, currency)).toBe(text);
  });
});
