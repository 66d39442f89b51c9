import { CreditsConsumedV1 } from '@credit-hub/contracts';
import { evolve, initialState, invariantViolations, RecordedEvent } from '@credit-hub/ledger-domain';
import { fromCopyText } from './copy';
import { eventCopyLine, generateLedgerEvents } from './event-generator';

describe('the replay bench history', () => {
  const events = [...generateLedgerEvents({ events: 8000, accounts: 200, seed: 11 })];

  it('is a valid history for the domain: gapless versions, draws from real lots, never a negative balance', () => {
    const states = new Map<string, ReturnType<typeof initialState>>();
    for (const event of events) {
      const state = states.get(event.streamId) ?? initialState();
      states.set(event.streamId, state);
      expect(event.version).toBe(state.version + 1);
      evolve(state, { type: event.type, data: event.data, eventId: event.eventId, version: event.version } as RecordedEvent);
      if (event.type === 'CreditsConsumed') {
        const data = event.data as CreditsConsumedV1;
        expect(data.balanceAfter).toBe(state.balance);
        expect(data.draws.reduce((sum, d) => sum + d.credits, 0)).toBe(data.credits);
      }
      expect(state.balance).toBeGreaterThanOrEqual(0);
    }
    for (const state of states.values()) expect(invariantViolations(state)).toEqual([]);
    expect(states.size).toBe(200);
  });

  it('starts with a purchase per account, then mostly consumptions', () => {
    expect(events.slice(0, 200).every((e) => e.type === 'CreditsPurchased')).toBe(true);
    const consumed = events.filter((e) => e.type === 'CreditsConsumed').length;
    expect(consumed / events.length).toBeGreaterThan(0.9);
  });

  it('draws the oldest lot with credits first (the ledger order for never-expiring purchased lots)', () => {
    const open = new Map<string, { lotId: string; remaining: number }[]>();
    for (const event of events) {
      const lots = open.get(event.streamId) ?? [];
      open.set(event.streamId, lots);
      if (event.type === 'CreditsPurchased') {
        const data = event.data as { lotId: string; credits: number };
        lots.push({ lotId: data.lotId, remaining: data.credits });
        continue;
      }
      for (const draw of (event.data as CreditsConsumedV1).draws) {
        const first = lots.find((lot) => lot.remaining > 0)!;
        expect(draw.lotId).toBe(first.lotId);
        first.remaining -= draw.credits;
      }
    }
  });

  it('writes one COPY line per event whose fields read back', () => {
    const line = eventCopyLine(events[500]);
    expect(line.endsWith('\n')).toBe(true);
    const fields = line.slice(0, -1).split('\t');
    expect(fields).toHaveLength(8);
    expect(JSON.parse(fromCopyText(fields[5])!)).toEqual(events[500].data);
  });
});
