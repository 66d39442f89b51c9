/**
 * Group commit, decided purely: consume commands that arrived together are decided in arrival
 * order against accounts held in memory, each decision seeing the effects of the ones before it
 * (same account: the balance; any account: the `(domain, referenceId)` records). The caller writes
 * all the resulting events in one transaction. Deciding a batch gives exactly the events that
 * deciding the same commands one by one would (the property test checks it).
 */
import { LedgerEvent } from '@credit-hub/contracts';
import { ConsumeCredits, ConsumeDecision, decideConsume } from './credit-account.decide';
import { CreditAccount, evolve, RecordedEvent } from './credit-account.state';

/** One command of a batch, with the event id and stream it would append to (ids come in: the domain makes none). */
export interface BatchItem {
  streamId: string;
  eventId: string;
  command: ConsumeCredits;
}

/** The outcome of one command of a batch; accepted ones carry their event and its stream version. */
export type BatchOutcome = ConsumeDecision & { appended?: RecordedEvent };

/**
 * Decides `items` in order. `accounts` maps stream id to state and is evolved in place; every
 * state must share one `consumptions` map and one `reservations` map holding every record the
 * commands' references name (the references are global per domain, across accounts).
 */
export function decideConsumeBatch(items: BatchItem[], accounts: Map<string, CreditAccount>): BatchOutcome[] {
  return items.map((item) => {
    const account = accounts.get(item.streamId);
    if (!account) throw new Error(`batch item for an account that was not loaded: ${item.streamId}`);
    const decision = decideConsume(item.command, account);
    if (decision.outcome !== 'accepted') return decision;
    const [event] = decision.events as [LedgerEvent];
    const appended = { ...event, eventId: item.eventId, version: account.version + 1 } as RecordedEvent;
    evolve(account, appended);
    return { ...decision, appended };
  });
}
