/**
 * The credit account aggregate (one per customer, stream `account-<email>`): its state and fold.
 * File order after Equinox: state, evolve (fold), then decisions in the *.decide.ts files.
 * Pure: no clock, no random ids, no I/O (STYLE.md rule 1).
 */
import { LedgerEvent, LotDraw } from '@credit-hub/contracts';

/** A lot: credits that arrived together, drawn in a fixed order by consumption. */
export interface Lot {
  lotId: string;
  kind: 'purchased' | 'granted';
  /** Domain that sold or granted it. */
  domain: string;
  offeringId: string | null;
  creditsInitial: number;
  /** Credits not yet spent, expired, refunded or clawed back (held credits included). */
  creditsRemaining: number;
  /** Credits of `creditsRemaining` held by open reservations. */
  creditsHeld: number;
  /** Paid for the whole lot, integer minor units; unit price = amountMinor / creditsInitial. */
  amountMinor: number;
  currency: string | null;
  /** Higher draws first among lots with the same expiry. */
  priority: number;
  scopeDomain: string | null;
  /**
   * Stripe Connect: the connected account the lot's money went to; it may be spent only on a
   * domain connected to that account (`CreditAccount.domainAccounts`). null: a platform lot.
   */
  scopeAccount: string | null;
  /** ISO-8601; null = never expires. */
  expiresAt: string | null;
  acquiredAt: string;
  /** Stream version of the event that created the lot (tie-break for "oldest"). */
  acquiredVersion: number;
  /** Plan credits: the subscription that granted them (suspended when its payment fails past grace). */
  subscriptionId: string | null;
  /** Purchases: the Stripe identifiers, for money refunds and disputes. */
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
  /** Credits of this purchase refunded as money (their share can't be refunded twice). */
  creditsRefundedAsMoney: number;
  /** Credits of this lot removed at its expiry. */
  creditsExpired: number;
}

/** What the first answer to a `(domain, referenceId)` consumption was, and how much of it was refunded. */
export interface ConsumptionRecord {
  email: string;
  domain: string;
  referenceId: string;
  credits: number;
  actionType: string;
  eventId: string;
  balanceAfter: number;
  draws: LotDraw[];
  creditsRefunded: number;
  consumedAt: string;
}

/** A hold, open or closed (closed ones stay for idempotency of capture and release). */
export interface Reservation {
  reservationId: string;
  domain: string;
  referenceId: string;
  credits: number;
  draws: LotDraw[];
  expiresAt: string;
  status: 'active' | 'captured' | 'released' | 'expired';
  creditsCaptured: number;
}

/** A money refund of a purchase, for its compensation. */
export interface MoneyRefund {
  refundRequestId: string;
  lotId: string;
  credits: number;
  amountMinor: number;
  reverted: boolean;
}

/** State of one credit account. */
export interface CreditAccount {
  email: string | null;
  /** Version of the last event folded; 0 for an empty stream. */
  version: number;
  /** Sum of `creditsRemaining` over lots, less credits owed after a clawback. May be negative (owed). */
  balance: number;
  /** Credits owed after a lost dispute (the used part of a clawed-back purchase). */
  owedCredits: number;
  /**
   * Lots in acquisition order. The fold keeps exhausted lots (replay rebuilds them, refunds return
   * credits to them); the command path loads only the lots it needs.
   */
  lots: Lot[];
  /** Consumptions by `consumptionKey(domain, referenceId)`; a loader may hold only the ones a command needs. */
  consumptions: Map<string, ConsumptionRecord>;
  /** Holds by reservation id (a loader may hold only the one a command needs). */
  reservations: Map<string, Reservation>;
  /** Money refunds by refund request id (a loader may hold only the one a command needs). */
  moneyRefunds: Map<string, MoneyRefund>;
  /** Checkout session ids already turned into lots (purchase idempotency). */
  purchasedCheckoutSessions: Set<string>;
  /** Grant ids already applied, with the lot each created (grant idempotency). */
  grantIds: Map<string, string>;
  /** Refund request ids already applied, credit or money (refund idempotency). */
  refundRequestIds: Set<string>;
  /** Disputes open on the account; it is frozen while any is open. */
  openDisputes: Set<string>;
  /** Disputes already clawed back (idempotency). */
  clawedBackDisputes: Set<string>;
  /** Subscriptions whose plan credits are not spendable (payment past due after grace). */
  suspendedSubscriptions: Set<string>;
  /**
   * Stripe Connect: the connected account (`acct_…`) of the domains a command spends on, as the
   * loader found them in the ledger's domain → account mapping (kept from billing's
   * connected-account-updated events, also after a disconnection). Not folded from the stream and
   * not in snapshots; a domain absent here is on the platform, where account-scoped lots are not
   * spendable. Loaders fill it only when a loaded lot is scoped to an account.
   */
  domainAccounts: Map<string, string>;
}

/** Key of a consumption's idempotency record. */
export function consumptionKey(domain: string, referenceId: string): string {
  return `${domain}\u001f${referenceId}`;
}

/** The state of a stream with no events. */
export function initialState(): CreditAccount {
  return {
    email: null,
    version: 0,
    balance: 0,
    owedCredits: 0,
    lots: [],
    consumptions: new Map(),
    reservations: new Map(),
    moneyRefunds: new Map(),
    purchasedCheckoutSessions: new Set(),
    grantIds: new Map(),
    refundRequestIds: new Set(),
    openDisputes: new Set(),
    clawedBackDisputes: new Set(),
    suspendedSubscriptions: new Set(),
    domainAccounts: new Map(),
  };
}

/** An event as the fold sees it: the event itself plus its id and stream version. */
export type RecordedEvent = LedgerEvent & { eventId: string; version: number };

/** Whether a lot with credits left is scoped to a connected account (then the loader must fill `domainAccounts`). */
export function holdsAccountScopedLots(state: Pick<CreditAccount, 'lots'>): boolean {
  return state.lots.some((lot) => lot.scopeAccount !== null && lot.creditsRemaining > 0);
}

/** Whether the account is frozen: some dispute is open. */
export function isFrozen(state: CreditAccount): boolean {
  return state.openDisputes.size > 0;
}

/** Finds a reservation or throws (an event naming an unknown one is a corrupt stream). */
export function reservationOf(state: CreditAccount, reservationId: string): Reservation {
  const reservation = state.reservations.get(reservationId);
  if (!reservation) throw new Error(`event names unknown reservation ${reservationId}`);
  return reservation;
}

/** Finds a lot or throws: an event naming an unknown lot is a corrupt stream, not a refusal. */
export function lotOf(state: CreditAccount, lotId: string): Lot {
  const lot = state.lots.find((candidate) => candidate.lotId === lotId);
  if (!lot) throw new Error(`event draws from unknown lot ${lotId}`);
  return lot;
}

function newLot(partial: Pick<Lot, 'lotId' | 'kind' | 'domain' | 'creditsInitial' | 'acquiredAt' | 'acquiredVersion'> & Partial<Lot>): Lot {
  return {
    offeringId: null,
    creditsRemaining: partial.creditsInitial,
    creditsHeld: 0,
    amountMinor: 0,
    currency: null,
    priority: 0,
    scopeDomain: null,
    scopeAccount: null,
    expiresAt: null,
    subscriptionId: null,
    checkoutSessionId: null,
    paymentIntentId: null,
    creditsRefundedAsMoney: 0,
    creditsExpired: 0,
    ...partial,
  };
}

function moveCredits(state: CreditAccount, draws: LotDraw[], sign: 1 | -1, field: 'creditsRemaining' | 'creditsHeld'): number {
  let total = 0;
  for (const draw of draws) {
    lotOf(state, draw.lotId)[field] += sign * draw.credits;
    total += draw.credits;
  }
  return total;
}

/**
 * Folds one recorded event into the state. Mutates and returns `state` (replay folds millions of
 * events; copying per event would dominate). Exhaustive over event types (STYLE.md rule 2).
 */
export function evolve(state: CreditAccount, event: RecordedEvent): CreditAccount {
  state.version = event.version;
  switch (event.type) {
    case 'CreditsPurchased': {
      const d = event.data;
      state.email = d.email;
      state.lots.push(newLot({
        lotId: d.lotId, kind: 'purchased', domain: d.domain, offeringId: d.offeringId, creditsInitial: d.credits,
        amountMinor: d.amountMinor, currency: d.currency, scopeDomain: d.scopeDomain, scopeAccount: d.scopeAccount ?? null, expiresAt: d.expiresAt,
        acquiredAt: d.purchasedAt, acquiredVersion: event.version, checkoutSessionId: d.checkoutSessionId, paymentIntentId: d.paymentIntentId,
      }));
      state.balance += d.credits;
      state.purchasedCheckoutSessions.add(d.checkoutSessionId);
      return state;
    }
    case 'CreditsGranted': {
      const d = event.data;
      state.email = d.email;
      state.lots.push(newLot({
        lotId: d.lotId, kind: 'granted', domain: d.domain, creditsInitial: d.credits, priority: d.priority, scopeDomain: d.scopeDomain,
        scopeAccount: d.scopeAccount ?? null, expiresAt: d.expiresAt, acquiredAt: d.grantedAt, acquiredVersion: event.version, subscriptionId: d.subscriptionId,
      }));
      state.balance += d.credits;
      state.grantIds.set(d.grantId, d.lotId);
      return state;
    }
    case 'CreditsConsumed': {
      const d = event.data;
      state.email = d.email;
      state.balance -= moveCredits(state, d.draws, -1, 'creditsRemaining');
      state.consumptions.set(consumptionKey(d.domain, d.referenceId), {
        email: d.email, domain: d.domain, referenceId: d.referenceId, credits: d.credits, actionType: d.actionType,
        eventId: event.eventId, balanceAfter: d.balanceAfter, draws: d.draws, creditsRefunded: 0, consumedAt: d.consumedAt,
      });
      return state;
    }
    case 'CreditsExpired': {
      const lot = lotOf(state, event.data.lotId);
      lot.creditsRemaining -= event.data.credits;
      lot.creditsExpired += event.data.credits;
      state.balance -= event.data.credits;
      return state;
    }
    case 'ConsumptionRefunded': {
      const d = event.data;
      state.balance += moveCredits(state, d.draws, 1, 'creditsRemaining');
      const record = state.consumptions.get(consumptionKey(d.domain, d.referenceId));
      if (record) record.creditsRefunded += d.credits;
      state.refundRequestIds.add(d.refundRequestId);
      return state;
    }
    case 'PurchaseRefunded': {
      const d = event.data;
      const lot = lotOf(state, d.lotId);
      lot.creditsRemaining -= d.credits;
      lot.creditsRefundedAsMoney += d.credits;
      state.balance -= d.credits;
      state.refundRequestIds.add(d.refundRequestId);
      state.moneyRefunds.set(d.refundRequestId, { refundRequestId: d.refundRequestId, lotId: d.lotId, credits: d.credits, amountMinor: d.amountMinor, reverted: false });
      return state;
    }
    case 'PurchaseRefundReverted': {
      const d = event.data;
      const lot = lotOf(state, d.lotId);
      lot.creditsRemaining += d.credits;
      lot.creditsRefundedAsMoney -= d.credits;
      state.balance += d.credits;
      const refund = state.moneyRefunds.get(d.refundRequestId);
      if (refund) refund.reverted = true;
      return state;
    }
    case 'CreditsReserved': {
      const d = event.data;
      moveCredits(state, d.draws, 1, 'creditsHeld');
      state.reservations.set(d.reservationId, {
        reservationId: d.reservationId, domain: d.domain, referenceId: d.referenceId, credits: d.credits, draws: d.draws,
        expiresAt: d.expiresAt, status: 'active', creditsCaptured: 0,
      });
      return state;
    }
    case 'ReservationCaptured': {
      const d = event.data;
      const reservation = reservationOf(state, d.reservationId);
      moveCredits(state, reservation.draws, -1, 'creditsHeld');
      state.balance -= moveCredits(state, d.draws, -1, 'creditsRemaining');
      reservation.status = 'captured';
      reservation.creditsCaptured = d.credits;
      // A capture is a consumption on its domain: refundable, and its referenceId is taken.
      state.consumptions.set(consumptionKey(d.domain, d.referenceId), {
        email: state.email ?? '', domain: d.domain, referenceId: d.referenceId, credits: d.credits, actionType: d.actionType,
        eventId: event.eventId, balanceAfter: d.balanceAfter, draws: d.draws, creditsRefunded: 0, consumedAt: d.capturedAt,
      });
      return state;
    }
    case 'ReservationReleased': {
      const reservation = reservationOf(state, event.data.reservationId);
      moveCredits(state, reservation.draws, -1, 'creditsHeld');
      reservation.status = event.data.reason;
      return state;
    }
    case 'AccountFrozen':
      if (event.data.disputeId) state.openDisputes.add(event.data.disputeId);
      return state;
    case 'AccountUnfrozen':
      if (event.data.disputeId) state.openDisputes.delete(event.data.disputeId);
      return state;
    case 'CreditsClawedBack': {
      const d = event.data;
      lotOf(state, d.lotId).creditsRemaining -= d.credits;
      state.clawedBackDisputes.add(d.disputeId);
      state.owedCredits += d.owedCredits;
      state.balance -= d.credits + d.owedCredits;
      return state;
    }
    case 'PlanCreditsSuspended':
      state.suspendedSubscriptions.add(event.data.subscriptionId);
      return state;
    case 'PlanCreditsResumed':
      state.suspendedSubscriptions.delete(event.data.subscriptionId);
      return state;
    case 'PlanCreditsEnded':
      for (const lotId of event.data.lotIds) lotOf(state, lotId).expiresAt = event.data.endsAt;
      return state;
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${(unreachable as { type: string }).type}`);
    }
  }
}

/** Folds events from the initial state. */
export function fold(events: Iterable<RecordedEvent>): CreditAccount {
  let state = initialState();
  for (const event of events) state = evolve(state, event);
  return state;
}

/**
 * Checks the account's invariants; returns the broken ones (empty when sound): the balance equals
 * the lots' remaining credits less what is owed; no lot is negative, holds more than it has, or
 * more than it received; holds match open reservations; only owed credits make a balance negative.
 */
export function invariantViolations(state: CreditAccount, options: { allReservationsLoaded: boolean } = { allReservationsLoaded: true }): string[] {
  const violations: string[] = [];
  const lotSum = state.lots.reduce((sum, lot) => sum + lot.creditsRemaining, 0);
  if (lotSum - state.owedCredits !== state.balance) {
    violations.push(`lots sum to ${lotSum}, owed ${state.owedCredits}, but balance is ${state.balance}`);
  }
  if (state.balance < 0 && state.owedCredits === 0) violations.push(`balance ${state.balance} is negative`);
  const heldByReservations = [...state.reservations.values()].filter((r) => r.status === 'active').reduce((sum, r) => sum + r.credits, 0);
  const heldInLots = state.lots.reduce((sum, lot) => sum + lot.creditsHeld, 0);
  if (options.allReservationsLoaded && heldByReservations !== heldInLots) violations.push(`reservations hold ${heldByReservations} but lots hold ${heldInLots}`);
  for (const lot of state.lots) {
    if (lot.creditsRemaining < 0) violations.push(`lot ${lot.lotId} has ${lot.creditsRemaining} credits`);
    if (lot.creditsRemaining > lot.creditsInitial) violations.push(`lot ${lot.lotId} holds more than it received`);
    if (lot.creditsHeld < 0 || lot.creditsHeld > lot.creditsRemaining) violations.push(`lot ${lot.lotId} holds ${lot.creditsHeld} of ${lot.creditsRemaining}`);
  }
  return violations;
}
