/**
 * Property: batched and unbatched execution of the same command sequence produce the same events
 * and the same answers, however the sequence is cut into batches (group commit).
 */
import fc from 'fast-check';
import { LedgerEvent } from '@credit-hub/contracts';
import { ConsumeCredits, decideConsume } from './credit-account.decide';
import { BatchItem, decideConsumeBatch } from './consume-batch';
import { consumptionKey, ConsumptionRecord, CreditAccount, evolve, initialState, RecordedEvent, Reservation } from './credit-account.state';

const now = '2026-11-20T12:00:00.000Z';
const emails = ['a@x.test', 'b@x.test', 'c@x.test'];

function funded(sharedConsumptions?: Map<string, ConsumptionRecord>, sharedReservations?: Map<string, Reservation>): Map<string, CreditAccount> {
  const accounts = new Map<string, CreditAccount>();
  emails.forEach((email, i) => {
    const state = initialState();
    if (sharedConsumptions) state.consumptions = sharedConsumptions;
    if (sharedReservations) state.reservations = sharedReservations;
    const purchase: LedgerEvent = { type: 'CreditsPurchased', data: {
      lotId: `lot_${i}`, email, domain: 'd.test', offeringId: 'p', credits: 20 + i * 10, amountMinor: 100, currency: 'usd', stripeEventId: `evt_${i}`,
      checkoutSessionId: `cs_${i}`, paymentIntentId: null, scopeDomain: null, expiresAt: null, purchasedAt: now } };
    evolve(state, { ...purchase, eventId: `p${i}`, version: 1 } as RecordedEvent);
    accounts.set(`account-${email}`, state);
  });
  return accounts;
}

const commandArbitrary = fc.record({
  who: fc.integer({ min: 0, max: emails.length - 1 }),
  credits: fc.integer({ min: 1, max: 12 }),
  ref: fc.integer({ min: 0, max: 15 }), // few references: repeats and cross-account conflicts happen often
  action: fc.constantFrom('gen', 'img'),
});

describe('group commit', () => {
  it('decides a batch exactly as one-by-one execution, for any cut into batches', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 60 }), (specs, cuts) => {
        const commands: ConsumeCredits[] = specs.map((s) => ({ email: emails[s.who], domain: 'd.test', credits: s.credits, actionType: s.action, referenceId: `r${s.ref}`, now }));
        // one by one: each decision against the accounts, records visible across accounts
        const sequentialRecords = new Map<string, ConsumptionRecord>();
        const sequential = funded(sequentialRecords, new Map());
        const expected = commands.map((command, i) => {
          const account = sequential.get(`account-${command.email}`)!;
          const d = decideConsume(command, account);
          if (d.outcome === 'accepted') evolve(account, { ...d.events[0], eventId: `e${i}`, version: account.version + 1 } as RecordedEvent);
          return d;
        });
        // batched: cut the same sequence into batches of the drawn sizes
        const batched = funded(new Map(), new Map());
        const outcomes = [];
        let at = 0;
        for (let b = 0; at < commands.length; b++) {
          const size = cuts[b % cuts.length];
          const items: BatchItem[] = commands.slice(at, at + size).map((command, k) => ({ streamId: `account-${command.email}`, eventId: `e${at + k}`, command }));
          outcomes.push(...decideConsumeBatch(items, batched));
          at += size;
        }
        expect(outcomes.map(({ appended, ...decision }) => decision)).toEqual(expected);
        for (const [id, state] of sequential) expect(batched.get(id)!.balance).toBe(state.balance);
        expect([...batched.values()][0].consumptions.get(consumptionKey('d.test', 'r0'))).toEqual(sequentialRecords.get(consumptionKey('d.test', 'r0')));
      }),
      { numRuns: 300 },
    );
  });
});
