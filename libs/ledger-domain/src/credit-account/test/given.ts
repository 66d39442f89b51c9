/**
 * `given(history).when(decision).then…`: the specs' one way to state a case of the credit account.
 * The history is a list of facts: an event that happened (`LedgerEvent`), or a command decided on
 * the way (a function of the state answering a decision, which must be accepted; its events join
 * the history). The history is folded with `evolve`, and the invariants are checked after every
 * fact and after the decision's events. `when` takes any decision of credit-account.decide.ts as
 * a function of the state, e.g. `(s) => decideCapture(command, s)`, so every decision is stated
 * the same way: every decision answers one shape (`Decision`: accepted with events, repeated, or
 * rejected with a code and `retryable`).
 */
import { LedgerEvent } from '@credit-hub/contracts';
import { Decision, LedgerRejection } from '../credit-account.decide';
import { CreditAccount, evolve, initialState, invariantViolations, RecordedEvent } from '../credit-account.state';

/** What a decision answers: `accepted` with events, `repeated` (with the first answer, if any), `rejected` with a code and `retryable`. */
export type Decided = Decision<unknown>;

/** A decision as a function of the current state. */
export type Decide = (account: CreditAccount) => Decided;

/** One fact of a history: an event, or a command whose accepted decision adds its events. */
export type Fact = LedgerEvent | Decide;

/** The outcome of `when`, to check with one of the `then…`. */
export interface Then {
  /** The decision as answered. */
  readonly decision: Decided;
  /** The state after the history, before the decision. */
  readonly before: CreditAccount;
  /** Refused with exactly this code, not retryable unless `retryable` says so; nothing to append. */
  thenRejects(code: LedgerRejection, retryable?: boolean): void;
  /** Accepted with exactly these events; the invariants hold after them. Answers the state after. */
  thenEmits(expected: LedgerEvent[]): CreditAccount;
  /** Nothing to append (nothing is due or it is already true): `repeated` with no earlier answer. */
  thenEmitsNothing(): void;
  /**
   * Accepted; the invariants hold after its events. `check` gets the events and the state after
   * them. Answers the state after.
   */
  thenAccepts(check?: (events: LedgerEvent[], after: CreditAccount) => void): CreditAccount;
  /** A repeat of an earlier command: `repeated`, and when `answer` is given, exactly `{ outcome: 'repeated', ...answer }`. */
  thenRepeats(answer?: Record<string, unknown>): void;
}

/** A history folded, ready for `when`. */
export interface Given {
  /** The state after the history (the invariants held after every fact). */
  readonly account: CreditAccount;
  /** The events of the history, in order, with their ids and versions. */
  readonly recorded: RecordedEvent[];
  when(decide: Decide): Then;
}

function eventsOf(decision: Decided): LedgerEvent[] | undefined {
  return decision.outcome === 'accepted' ? decision.events : undefined;
}

function record(account: CreditAccount, recorded: RecordedEvent[], events: LedgerEvent[]): void {
  for (const event of events) {
    const next = { ...event, eventId: `e${recorded.length + 1}`, version: recorded.length + 1 } as RecordedEvent;
    recorded.push(next);
    evolve(account, next);
  }
  expect(invariantViolations(account)).toEqual([]);
}

/** The loader's domain → accounts map from `{ domain: account or accounts }`. */
export function accountsOf(domainAccounts: Record<string, string | string[]>): Map<string, string[]> {
  return new Map(Object.entries(domainAccounts).map(([domain, a]) => [domain, Array.isArray(a) ? a : [a]]));
}

function withAccounts(account: CreditAccount, domainAccounts: Record<string, string | string[]>): CreditAccount {
  account.domainAccounts = accountsOf(domainAccounts);
  return account;
}

function replayEvents(recorded: RecordedEvent[]): CreditAccount {
  const account = initialState();
  for (const event of recorded) evolve(account, event);
  return account;
}

/**
 * Folds `history` (events, and commands that must be accepted) into the state of one account.
 * `domainAccounts`: the connected Stripe account(s) of each domain (every account it has ever been
 * connected to), as the ledger's loader provides them (`CreditAccount.domainAccounts`; not folded
 * from events); empty: every domain is the platform's.
 */
export function given(history: Fact[], domainAccounts: Record<string, string | string[]> = {}): Given {
  const replay = (recorded: RecordedEvent[]) => withAccounts(replayEvents(recorded), domainAccounts);
  const account = withAccounts(initialState(), domainAccounts);
  const recorded: RecordedEvent[] = [];
  expect(invariantViolations(account)).toEqual([]);
  for (const fact of history) {
    if (typeof fact !== 'function') {
      record(account, recorded, [fact]);
      continue;
    }
    const decision = fact(account);
    const events = eventsOf(decision);
    if (events === undefined) throw new Error(`a command of the history was not accepted: ${JSON.stringify(decision)}`);
    record(account, recorded, events);
  }
  return {
    account,
    recorded,
    when(decide: Decide): Then {
      // The decision sees a copy: the history's state stays as it was for the checks.
      const before = replay(recorded);
      const decision = decide(before);
      const after = (events: LedgerEvent[]) => {
        const state = replay(recorded);
        record(state, [...recorded], events);
        return state;
      };
      return {
        decision,
        before,
        thenRejects(code: LedgerRejection, retryable = false) {
          expect(decision).toEqual({ outcome: 'rejected', code, retryable });
        },
        thenEmits(expected: LedgerEvent[]) {
          expect(decision).toEqual({ outcome: 'accepted', events: expected });
          return after(expected);
        },
        thenEmitsNothing() {
          expect(decision).toStrictEqual({ outcome: 'repeated', answer: undefined });
        },
        thenAccepts(check?: (events: LedgerEvent[], after: CreditAccount) => void) {
          const events = eventsOf(decision);
          expect(decision.outcome).toBe('accepted');
          const state = after(events ?? []);
          check?.(events ?? [], state);
          return state;
        },
        thenRepeats(answer?: Record<string, unknown>) {
          if (answer === undefined) expect(decision.outcome).toBe('repeated');
          else expect(decision).toEqual({ outcome: 'repeated', ...answer });
        },
      };
    },
  };
}
