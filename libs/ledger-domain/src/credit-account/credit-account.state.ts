/**
 * The credit account aggregate (one per customer, stream `account-<email>`): its state and fold.
 * File order after Equinox: state, evolve (fold), then decisions in credit-account.decide.ts.
 * Pure: no clock, no random ids, no I/O (STYLE.md rule 1).
 */
import { CreditsConsumedV1, CreditsPurchasedV1, LedgerEvent } from '@credit-hub/contracts';

/** A lot: credits that arrived together, drawn in a fixed order by consumption. */
export interface Lot {
  lotId: string;
  kind: 'purchased' | 'granted';
  /** Domain that sold or granted it. */
  domain: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsRemaining: number;
  /** Paid for the whole lot, integer minor units; unit price = amountMinor / creditsInitial. */
  amountMinor: number;
  currency: string | null;
  /** Higher draws first among lots with the same expiry. */
  priority: number;
  scopeDomain: string | null;
  /** ISO-8601; null = never expires. */
  expiresAt: string | null;
  acquiredAt: string;
  /** Stream version of the event that created the lot (tie-break for "oldest"). */
  acquiredVersion: number;
}

/** What the first answer to a `(domain, referenceId)` consumption was (for repeats and conflicts). */
export interface ConsumptionRecord {
  email: string;
  domain: string;
  referenceId: string;
  credits: number;
  actionType: string;
  eventId: string;
  balanceAfter: number;
}

/** State of one credit account. */
export interface CreditAccount {
  email: string | null;
  /** Version of the last event folded; 0 for an empty stream. */
  version: number;
  /** Sum of `creditsRemaining` over lots (kept as a field to check it as an invariant). */
  balance: number;
  /**
   * Lots in acquisition order. The fold keeps exhausted lots (replay rebuilds them, refunds return
   * credits to them); the command path loads only the lots with credits left.
   */
  lots: Lot[];
  /** Consumptions by `consumptionKey(domain, referenceId)`; a loader may hold only the ones a command needs. */
  consumptions: Map<string, ConsumptionRecord>;
  /** Checkout session ids already turned into lots (purchase idempotency). */
  purchasedCheckoutSessions: Set<string>;
}

/** Key of a consumption's idempotency record. */
export function consumptionKey(domain: string, referenceId: string): string {
  return `${domain}\u001f${referenceId}`;
}

/** The state of a stream with no events. */
export function initialState(): CreditAccount {
  return { email: null, version: 0, balance: 0, lots: [], consumptions: new Map(), purchasedCheckoutSessions: new Set() };
}

/** An event as the fold sees it: the event itself plus its id and stream version. */
export type RecordedEvent = LedgerEvent & { eventId: string; version: number };

/**
 * Folds one recorded event into the state. Mutates and returns `state` (the fold runs over
 * millions of events in replay; copying per event would dominate). Exhaustive over event types.
 */
export function evolve(state: CreditAccount, event: RecordedEvent): CreditAccount {
  state.version = event.version;
  switch (event.type) {
    case 'CreditsPurchased':
      return applyPurchased(state, event.data, event.version);
    case 'CreditsConsumed':
      return applyConsumed(state, event.data, event.eventId);
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${(unreachable as { type: string }).type}`);
    }
  }
}

function applyPurchased(state: CreditAccount, data: CreditsPurchasedV1, version: number): CreditAccount {
  state.email = data.email;
  state.lots.push({
    lotId: data.lotId,
    kind: 'purchased',
    domain: data.domain,
    offeringId: data.offeringId,
    creditsInitial: data.credits,
    creditsRemaining: data.credits,
    amountMinor: data.amountMinor,
    currency: data.currency,
    priority: 0,
    scopeDomain: data.scopeDomain,
    expiresAt: data.expiresAt,
    acquiredAt: data.purchasedAt,
    acquiredVersion: version,
  });
  state.balance += data.credits;
  state.purchasedCheckoutSessions.add(data.checkoutSessionId);
  return state;
}

function applyConsumed(state: CreditAccount, data: CreditsConsumedV1, eventId: string): CreditAccount {
  state.email = data.email;
  for (const draw of data.draws) {
    const lot = state.lots.find((candidate) => candidate.lotId === draw.lotId);
    if (!lot) throw new Error(`CreditsConsumed ${eventId} draws from unknown lot ${draw.lotId}`);
    lot.creditsRemaining -= draw.credits;
  }
  state.balance -= data.credits;
  state.consumptions.set(consumptionKey(data.domain, data.referenceId), {
    email: data.email,
    domain: data.domain,
    referenceId: data.referenceId,
    credits: data.credits,
    actionType: data.actionType,
    eventId,
    balanceAfter: data.balanceAfter,
  });
  return state;
}

/** Folds events from the initial state. */
export function fold(events: Iterable<RecordedEvent>): CreditAccount {
  let state = initialState();
  for (const event of events) state = evolve(state, event);
  return state;
}

/**
 * Checks the account's invariants; returns the broken ones (empty when sound): balance equals the
 * sum of remaining lot credits, no lot is negative, the balance is not negative.
 */
export function invariantViolations(state: CreditAccount): string[] {
  const violations: string[] = [];
  const lotSum = state.lots.reduce((sum, lot) => sum + lot.creditsRemaining, 0);
  if (lotSum !== state.balance) violations.push(`lots sum to ${lotSum} but balance is ${state.balance}`);
  if (state.balance < 0) violations.push(`balance ${state.balance} is negative`);
  for (const lot of state.lots) {
    if (lot.creditsRemaining < 0) violations.push(`lot ${lot.lotId} has ${lot.creditsRemaining} credits`);
    if (lot.creditsRemaining > lot.creditsInitial) violations.push(`lot ${lot.lotId} holds more than it received`);
  }
  return violations;
}
