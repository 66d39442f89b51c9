import { BillingEventSubjects, LedgerEventSubjects, LedgerSubjects } from '@credit-hub/contracts';
import { parseMessage } from './parse-message';

const payment = {
  stripeEventId: 'evt_1', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1', domain: ' Demo.Example.COM ', offeringId: 'pack_100',
  email: ' Ada@Example.com', credits: 100, amountMinor: 4900, currency: 'USD', scopeDomain: null, paidAt: '2025-03-01T14:00:00+02:00',
};

const consumed = {
  eventId: 'evt-c1', type: 'CreditsConsumed', schemaVersion: 1, streamId: 'account-ada@example.com', version: 3, position: 9,
  occurredAt: '2025-03-01T12:00:00.000Z', metadata: {},
  data: { email: 'ada@example.com', domain: 'a.example.com', credits: 3, actionType: 'chat', referenceId: 'r1', draws: [{ lotId: 'l1', credits: 3 }], balanceAfter: 7, consumedAt: '2025-03-01T12:00:00Z' },
};

describe('parseMessage', () => {
  it('reads a body by the contract of the subject as received: validated, normalised, named', () => {
    const parsed = parseMessage(BillingEventSubjects.paymentSucceeded, payment);
    expect(parsed).toEqual({
      ok: true,
      name: 'billing.events.payment-succeeded.v1',
      message: expect.objectContaining({ email: 'ada@example.com', domain: 'demo.example.com', currency: 'usd', paidAt: '2025-03-01T12:00:00.000Z', credits: 100 }),
    });
  });

  it('reads the Connect fields of a payment as null when an older publisher left them out', () => {
    const parsed = parseMessage('billing.events.payment-succeeded.v1', payment);
    expect(parsed.ok && [parsed.message.connectedAccountId, parsed.message.applicationFeeMinor]).toEqual([null, null]);
    const connected = parseMessage('billing.events.payment-succeeded.v1', { ...payment, connectedAccountId: 'acct_1', applicationFeeMinor: 490 });
    expect(connected.ok && [connected.message.connectedAccountId, connected.message.applicationFeeMinor]).toEqual(['acct_1', 490]);
    expect(parseMessage('billing.events.payment-succeeded.v1', { ...payment, applicationFeeMinor: 4.5 })).toMatchObject({ ok: false, error: { field: 'applicationFeeMinor' } });
  });

  it.each([
    ['not an object', 'x', undefined],
    ['fractional credits', { ...payment, credits: 1.5 }, 'credits'],
    ['no credits', { ...payment, credits: 0 }, 'credits'],
    ['an amount as text', { ...payment, amountMinor: '4900' }, 'amountMinor'],
    ['an empty email', { ...payment, email: '' }, 'email'],
    ['a bad time', { ...payment, paidAt: 'yesterday' }, 'paidAt'],
    ['a currency that is not a code', { ...payment, currency: 'dollars' }, 'currency'],
  ])('returns a data error, never throws, for %s', (_, body, field) => {
    const parsed = parseMessage(BillingEventSubjects.paymentSucceeded, body);
    expect(parsed).toMatchObject({ ok: false, error: { subject: BillingEventSubjects.paymentSucceeded, reason: 'invalid' } });
    if (field) expect(parsed.ok || parsed.error.field).toBe(field);
  });

  it('keeps what a newer publisher added to an event, and refuses it on a command', () => {
    const event = parseMessage(BillingEventSubjects.paymentSucceeded, { ...payment, newField: 1 });
    expect(event.ok && (event.message as unknown as { newField: number }).newField).toBe(1);
    const command = parseMessage(LedgerSubjects.getHistory, { email: 'ada@example.com', newField: 1 });
    expect(command).toMatchObject({ ok: false, error: { reason: 'invalid' } });
  });

  it('names a subject without a contract', () => {
    expect(parseMessage('billing.events.something-new.v1', payment)).toEqual({ ok: false, error: { subject: 'billing.events.something-new.v1', reason: 'unknown_subject', detail: expect.any(String) } });
  });

  it('validates a ledger envelope and its data, and refuses a type that is not the subject\'s', () => {
    const parsed = parseMessage(LedgerEventSubjects.creditsConsumed, consumed);
    expect(parsed.ok && parsed.name === 'ledger.events.credits-consumed.v1' && parsed.message.data.draws).toEqual([{ lotId: 'l1', credits: 3 }]);
    expect(parseMessage(LedgerEventSubjects.creditsPurchased, consumed)).toMatchObject({ ok: false, error: { field: 'type' } });
    expect(parseMessage(LedgerEventSubjects.creditsConsumed, { ...consumed, data: { ...consumed.data, draws: [{ lotId: 'l1', credits: -1 }] } })).toMatchObject({ ok: false, error: { field: 'data.draws.0.credits' } });
    expect(parseMessage(LedgerEventSubjects.creditsConsumed, { ...consumed, schemaVersion: 2 })).toMatchObject({ ok: false, error: { field: 'schemaVersion' } });
  });

  it('checks only the fields a consumer reads, when it names them', () => {
    const partial = { eventId: 'e1', type: 'CreditsConsumed', schemaVersion: 1, data: { domain: 'a.example.com', credits: 2 } };
    expect(parseMessage(LedgerEventSubjects.creditsConsumed, partial)).toMatchObject({ ok: false });
    const read = parseMessage('ledger.events.credits-consumed.v1', partial, ['eventId', 'data.domain', 'data.credits']);
    expect(read.ok && [read.message.eventId, read.message.data.domain, read.message.data.credits]).toEqual(['e1', 'a.example.com', 2]);
    expect(parseMessage('ledger.events.credits-consumed.v1', { ...partial, data: { domain: 'a.example.com', credits: 0 } }, ['data.credits'])).toMatchObject({ ok: false, error: { field: 'data.credits' } });
  });
});
