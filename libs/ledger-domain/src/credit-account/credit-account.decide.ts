/**
 * Decisions of the credit account: pure functions from a command and the current state to the
 * events to append, or a named refusal (TigerBeetle style: a closed list, checked in a fixed
 * order). Asking for what is already true returns no new events (Equinox: idempotent decisions).
 * Time comes in the command (`now`, ISO-8601); ids are derived from the command's keys.
 */
import { ErrorCodes, LedgerEvent, LotDraw, PaymentSucceededV1 } from '@credit-hub/contracts';
import { consumptionKey, ConsumptionRecord, CreditAccount, isFrozen, Lot } from './credit-account.state';
import { availableCredits, isExpired, planDraws, spendableCredits } from './lot-order';

/** Every refusal a decision can return, in the order the checks run. */
export const ledgerRejections = [
  'reference_conflict',
  'reservation_not_found',
  'reservation_closed',
  'capture_exceeds_reservation',
  'consumption_not_found',
  'lot_not_found',
  'refund_not_found',
  'account_frozen',
  'nothing_to_refund',
  'payment_past_due',
  'insufficient_credits',
] as const;
export type LedgerRejection = (typeof ledgerRejections)[number];

/** A refusal of a decision: its code, and whether the same request can succeed when retried as is (ErrorCodes' `retryable`). */
export interface Rejected<C extends LedgerRejection = LedgerRejection> {
  outcome: 'rejected';
  code: C;
  retryable: boolean;
}

/**
 * The one shape every `decideX` answers: events to append (`accepted`), nothing to append because
 * it is already true (`repeated`, with the first answer to an identical earlier request where
 * there is one), or a named refusal (`rejected`, nothing to append).
 */
export type Decision<R = undefined, C extends LedgerRejection = LedgerRejection> =
  | { outcome: 'accepted'; events: LedgerEvent[] }
  | { outcome: 'repeated'; answer: R }
  | Rejected<C>;

const accept = (events: LedgerEvent[]): { outcome: 'accepted'; events: LedgerEvent[] } => ({ outcome: 'accepted', events });
const reject = <C extends LedgerRejection>(code: C): Rejected<C> => ({ outcome: 'rejected', code, retryable: ErrorCodes[code].retryable });
/** Nothing to append and no earlier answer to give. */
const unchanged = Object.freeze({ outcome: 'repeated', answer: undefined } as const) as { outcome: 'repeated'; answer: undefined };

// ---------------------------------------------------------------------------------------------
// Consume

/** Consume command as the domain sees it: positive credits, the time comes in the command. */
export interface ConsumeCredits {
  email: string;
  domain: string;
  credits: number;
  actionType: string;
  referenceId: string;
  now: string;
}

/** Refusals of a consume. */
export type ConsumeRejection = 'reference_conflict' | 'account_frozen' | 'payment_past_due' | 'insufficient_credits';

/** Outcome of a consume; `repeated` carries the first answer to an identical earlier request. */
export type ConsumeDecision = Decision<{ eventId: string; balance: number }, ConsumeRejection>;

/**
 * Why `credits` cannot be drawn on `domain` now, or null if they can: frozen, then blocked plan
 * credits (they would have covered it: `payment_past_due`), then `insufficient_credits` (lots
 * restricted to another domain or scoped to another connected account do not count).
 */
function spendRefusal(account: CreditAccount, credits: number, domain: string, now: string): 'account_frozen' | 'payment_past_due' | 'insufficient_credits' | null {
  if (isFrozen(account)) return 'account_frozen';
  if (spendableCredits(account, domain, now) >= credits) return null;
  if (account.suspendedSubscriptions.size > 0 && spendableCredits({ ...account, suspendedSubscriptions: new Set<string>() }, domain, now) >= credits) {
    return 'payment_past_due';
  }
  return 'insufficient_credits';
}

/** Whether a reservation already took `(domain, referenceId)` (the state must hold it if one exists). */
function holdsReference(account: CreditAccount, domain: string, referenceId: string): boolean {
  for (const r of account.reservations.values()) if (r.domain === domain && r.referenceId === referenceId) return true;
  return false;
}

/**
 * Decides a consumption. The state must hold the consumption record of
 * `(command.domain, command.referenceId)` if one exists anywhere in the ledger (the key is global
 * per domain), so a reference reused by another customer is a conflict.
 */
export function decideConsume(command: ConsumeCredits, account: CreditAccount): ConsumeDecision {
  const earlier = account.consumptions.get(consumptionKey(command.domain, command.referenceId));
  if (earlier) {
    const identical = earlier.email === command.email && earlier.credits === command.credits && earlier.actionType === command.actionType;
    if (!identical) return reject('reference_conflict');
    return { outcome: 'repeated', answer: { eventId: earlier.eventId, balance: earlier.balanceAfter } };
  }
  if (holdsReference(account, command.domain, command.referenceId)) return reject('reference_conflict');
  const refusal = spendRefusal(account, command.credits, command.domain, command.now);
  if (refusal) return reject(refusal);
  const draws = planDraws(account, command.credits, command.domain, command.now);
  if (draws === null) throw new Error('draw plan failed after the spendable check: lot order is inconsistent');
  const { email, domain, credits, actionType, referenceId, now } = command;
  const data = { email, domain, credits, actionType, referenceId, draws, balanceAfter: account.balance - credits, consumedAt: now };
  return accept([{ type: 'CreditsConsumed', data }]);
}

// ---------------------------------------------------------------------------------------------
// Purchase and grant

/** Purchase command: a paid checkout from billing, with the time of the decision. */
export interface PurchaseCredits {
  payment: PaymentSucceededV1;
  now: string;
}

/** The lot id of a purchase: derived from the checkout session, so it is the same on every replay. */
export function purchaseLotId(checkoutSessionId: string): string {
  return `lot_${checkoutSessionId}`;
}

/**
 * Decides a purchase: one `CreditsPurchased` creating a paid lot, or no events when this checkout
 * session was already credited (a webhook delivered twice, or two Stripe events for one session).
 * A direct charge on a connected account (`payment.connectedAccountId`) makes a lot scoped to that
 * account (`scopeAccount`, with the platform's `applicationFeeMinor` for analytics; both are left
 * out of platform purchases, which fold to null).
 */
export function decidePurchase(command: PurchaseCredits, account: CreditAccount): Decision {
  const p = command.payment;
  if (account.purchasedCheckoutSessions.has(p.checkoutSessionId)) return unchanged;
  return accept([{
    type: 'CreditsPurchased',
    data: {
      lotId: purchaseLotId(p.checkoutSessionId), email: p.email, domain: p.domain, offeringId: p.offeringId, credits: p.credits,
      amountMinor: p.amountMinor, currency: p.currency, stripeEventId: p.stripeEventId, checkoutSessionId: p.checkoutSessionId,
      paymentIntentId: p.paymentIntentId, scopeDomain: p.scopeDomain, ...(p.connectedAccountId ? { scopeAccount: p.connectedAccountId, applicationFeeMinor: p.applicationFeeMinor ?? 0 } : {}),
      expiresAt: null, purchasedAt: p.paidAt,
    },
  }]);
}

/** Grant command (promotion, goodwill, correction, a plan period's credits); `lotId` comes in the command. */
export interface GrantCredits {
  lotId: string;
  email: string;
  domain: string;
  credits: number;
  grantId: string;
  reason: string;
  source: 'manual' | 'plan';
  priority: number;
  scopeDomain: string | null;
  /** Stripe Connect: the connected account the credits are scoped to (plan credits of a subscription on it); null or absent: none. */
  scopeAccount?: string | null;
  expiresAt: string | null;
  subscriptionId: string | null;
  now: string;
}

/** Decides a grant: one `CreditsGranted`, or nothing if this grant id was applied before. */
export function decideGrant(command: GrantCredits, account: CreditAccount): Decision<{ lotId: string }> {
  const earlier = account.grantIds.get(command.grantId);
  if (earlier) return { outcome: 'repeated', answer: { lotId: earlier } };
  const { lotId, email, domain, credits, grantId, reason, source, priority, scopeDomain, expiresAt, subscriptionId, now } = command;
  const scope = command.scopeAccount ? { scopeAccount: command.scopeAccount } : {};
  return accept([{
    type: 'CreditsGranted',
    data: { lotId, grantId, email, domain, credits, reason, source, priority, scopeDomain, ...scope, expiresAt, subscriptionId, grantedAt: now },
  }]);
}

// ---------------------------------------------------------------------------------------------
// Expiry

/**
 * What is due at `now`: holds past their expiry are released (`ReservationReleased`, reason
 * `expired`), then every expired lot's available credits are removed (`CreditsExpired`).
 * Deterministic for a given `now` and state, so replaying the stream gives the same events.
 * The state must hold every active reservation and every lot with credits left.
 */
export function decideExpiry(account: CreditAccount, now: string): Decision {
  const events: LedgerEvent[] = [];
  const released = new Map<string, number>();
  for (const reservation of account.reservations.values()) {
    if (reservation.status !== 'active' || Date.parse(reservation.expiresAt) > Date.parse(now)) continue;
    events.push({ type: 'ReservationReleased', data: { reservationId: reservation.reservationId, credits: reservation.credits, reason: 'expired', releasedAt: now } });
    for (const draw of reservation.draws) released.set(draw.lotId, (released.get(draw.lotId) ?? 0) + draw.credits);
  }
  events.push(...expireLots(account, now, released));
  return events.length === 0 ? unchanged : accept(events);
}

/** `CreditsExpired` for each expired lot's available credits (after `released` holds come back). */
function expireLots(account: CreditAccount, now: string, released: ReadonlyMap<string, number>): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  let balance = account.balance;
  for (const lot of account.lots) {
    const available = availableCredits(lot) + (released.get(lot.lotId) ?? 0);
    if (!isExpired(lot, now) || available <= 0) continue;
    balance -= available;
    events.push({ type: 'CreditsExpired', data: { lotId: lot.lotId, credits: available, balanceAfter: balance, expiredAt: lot.expiresAt ?? now } });
  }
  return events;
}

/** The earliest future time something expires on the account (a hold or a lot with credits), or null. */
export function nextExpiryAt(account: CreditAccount): string | null {
  const times: number[] = [];
  for (const r of account.reservations.values()) if (r.status === 'active') times.push(Date.parse(r.expiresAt));
  for (const lot of account.lots) if (lot.expiresAt !== null && lot.creditsRemaining > 0) times.push(Date.parse(lot.expiresAt));
  return times.length === 0 ? null : new Date(Math.min(...times)).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Reservations

/** Reserve command; `reservationId` comes in the command (the handler makes it once per referenceId). */
export interface ReserveCredits {
  reservationId: string;
  email: string;
  domain: string;
  credits: number;
  referenceId: string;
  expiresAt: string;
  now: string;
}

/**
 * Decides a hold. The state must hold the reservation already made for `(domain, referenceId)`,
 * if any (a repeat answers with it; other credits is a conflict).
 */
export function decideReserve(command: ReserveCredits, account: CreditAccount): Decision<{ reservationId: string }> {
  const earlier = [...account.reservations.values()].find((r) => r.domain === command.domain && r.referenceId === command.referenceId);
  if (earlier) return earlier.credits === command.credits ? { outcome: 'repeated', answer: { reservationId: earlier.reservationId } } : reject('reference_conflict');
  if (account.consumptions.has(consumptionKey(command.domain, command.referenceId))) return reject('reference_conflict');
  const refusal = spendRefusal(account, command.credits, command.domain, command.now);
  if (refusal) return reject(refusal);
  const draws = planDraws(account, command.credits, command.domain, command.now)!;
  const { reservationId, domain, referenceId, credits, expiresAt, now } = command;
  return accept([{ type: 'CreditsReserved', data: { reservationId, domain, referenceId, credits, draws, expiresAt, reservedAt: now } }]);
}

/** Capture command: spend `credits` ≤ reserved from the hold, release the rest. */
export interface CaptureReservation {
  reservationId: string;
  domain: string;
  credits: number;
  actionType: string;
  now: string;
}

/** Decides a capture. A second capture of a captured hold is a repeat; of a released one, refused. */
export function decideCapture(command: CaptureReservation, account: CreditAccount): Decision<{ reservationId: string }> {
  const reservation = account.reservations.get(command.reservationId);
  if (!reservation || reservation.domain !== command.domain) return reject('reservation_not_found');
  if (reservation.status === 'captured') {
    return reservation.creditsCaptured === command.credits ? { outcome: 'repeated', answer: { reservationId: reservation.reservationId } } : reject('reservation_closed');
  }
  if (reservation.status !== 'active' || Date.parse(reservation.expiresAt) <= Date.parse(command.now)) return reject('reservation_closed');
  if (command.credits > reservation.credits) return reject('capture_exceeds_reservation');
  const draws = takeFromDraws(reservation.draws, command.credits);
  return accept([{
    type: 'ReservationCaptured',
    data: {
      reservationId: reservation.reservationId, domain: reservation.domain, referenceId: reservation.referenceId, actionType: command.actionType,
      credits: command.credits, draws, releasedCredits: reservation.credits - command.credits,
      balanceAfter: account.balance - command.credits, capturedAt: command.now,
    },
  }]);
}

/** The first `credits` of a list of draws, in order. */
function takeFromDraws(draws: LotDraw[], credits: number): LotDraw[] {
  const taken: LotDraw[] = [];
  let left = credits;
  for (const draw of draws) {
    if (left === 0) break;
    const take = Math.min(draw.credits, left);
    taken.push({ lotId: draw.lotId, credits: take });
    left -= take;
  }
  return taken;
}

/** Decides a release: the hold's credits become spendable again (and expire if their lot has expired). */
export function decideRelease(command: { reservationId: string; domain: string; now: string }, account: CreditAccount): Decision<{ reservationId: string }> {
  const reservation = account.reservations.get(command.reservationId);
  if (!reservation || reservation.domain !== command.domain) return reject('reservation_not_found');
  if (reservation.status === 'released' || reservation.status === 'expired') return { outcome: 'repeated', answer: { reservationId: reservation.reservationId } };
  if (reservation.status === 'captured') return reject('reservation_closed');
  const released = new Map(reservation.draws.map((d) => [d.lotId, d.credits]));
  const touched = { ...account, lots: account.lots.filter((lot) => released.has(lot.lotId)) };
  return accept([
    { type: 'ReservationReleased', data: { reservationId: reservation.reservationId, credits: reservation.credits, reason: 'released', releasedAt: command.now } },
    ...expireLots(touched, command.now, released),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Refunds

/** Credit refund command: return consumptions' credits to their lots. */
export interface RefundConsumptions {
  email: string;
  domain: string;
  refundRequestId: string;
  /** The consumptions named by the caller; when absent, the ledger picks them from `consumedSince` on. */
  referenceIds?: string[];
  /** ISO-8601 start of the refund window, used when `referenceIds` is absent. */
  consumedSince?: string;
  creditsMax: number | null;
  now: string;
}

/** Consumptions one credit refund returns credits to (the command's bound). */
export const consumptionsPerRefundMax = 500;

/**
 * The customer's consumptions on `domain` consumed in [`consumedSince`, `now`] with credits not
 * refunded yet, newest first (ties by event id): what a credit refund of that window returns, and
 * what the portal lists. Reads only the records loaded into the state.
 */
export function refundableConsumptions(account: Pick<CreditAccount, 'consumptions'>, query: { email: string; domain: string; consumedSince: string; now: string }): ConsumptionRecord[] {
  const since = Date.parse(query.consumedSince);
  const now = Date.parse(query.now);
  return [...account.consumptions.values()]
    .filter((c) => c.email === query.email && c.domain === query.domain && c.credits > c.creditsRefunded)
    .filter((c) => Date.parse(c.consumedAt) >= since && Date.parse(c.consumedAt) <= now)
    .sort((a, b) => Date.parse(b.consumedAt) - Date.parse(a.consumedAt) || a.eventId.localeCompare(b.eventId));
}

/**
 * Decides a credit refund: one `ConsumptionRefunded` per consumption with credits not refunded
 * yet, returning them to the very lots they were drawn from (the last-drawn first), up to
 * `creditsMax`. The state must hold the named consumption records and their lots.
 */
export function decideRefundConsumptions(command: RefundConsumptions, account: CreditAccount): Decision {
  if (account.refundRequestIds.has(command.refundRequestId)) return unchanged;
  const records = command.referenceIds
    ? command.referenceIds.map((ref) => account.consumptions.get(consumptionKey(command.domain, ref)))
    : refundableConsumptions(account, { email: command.email, domain: command.domain, consumedSince: command.consumedSince ?? command.now, now: command.now }).slice(0, consumptionsPerRefundMax);
  if (records.some((r) => !r || r.email !== command.email)) return reject('consumption_not_found');
  const events: LedgerEvent[] = [];
  let budget = command.creditsMax ?? Number.MAX_SAFE_INTEGER;
  let balance = account.balance;
  for (const record of new Set(records)) {
    const credits = Math.min(record!.credits - record!.creditsRefunded, budget);
    if (credits <= 0) continue;
    budget -= credits;
    balance += credits;
    events.push({
      type: 'ConsumptionRefunded',
      data: {
        consumptionEventId: record!.eventId, domain: record!.domain, referenceId: record!.referenceId, refundRequestId: command.refundRequestId,
        credits, draws: returnDraws(record!.draws, record!.creditsRefunded, credits), balanceAfter: balance, refundedAt: command.now,
      },
    });
  }
  return events.length === 0 ? reject('nothing_to_refund') : accept(events);
}

/** Which lots `credits` go back to, when `alreadyReturned` credits of the draws were returned before: last drawn first. */
function returnDraws(draws: LotDraw[], alreadyReturned: number, credits: number): LotDraw[] {
  const result: LotDraw[] = [];
  let skip = alreadyReturned;
  let left = credits;
  for (let i = draws.length - 1; i >= 0 && left > 0; i--) {
    const notReturned = Math.max(draws[i].credits - skip, 0);
    skip = Math.max(skip - draws[i].credits, 0);
    const give = Math.min(notReturned, left);
    if (give > 0) result.push({ lotId: draws[i].lotId, credits: give });
    left -= give;
  }
  return result;
}

/** Money refund command: remove a purchase's unused credits, priced at its unit price. */
export interface RefundPurchase {
  refundRequestId: string;
  lotId: string;
  now: string;
}

/** The money for `credits` of a lot: floor(lot amount × credits / lot credits), integer minor units. */
export function refundAmountMinor(lot: Pick<Lot, 'amountMinor' | 'creditsInitial'>, credits: number): number {
  // Integer arithmetic: amounts and credits are far below 2^53 / each other's size in practice;
  // BigInt keeps the product exact for any pair that fits the columns.
  return Number((BigInt(lot.amountMinor) * BigInt(credits)) / BigInt(lot.creditsInitial));
}

/**
 * What a money refund of a purchase pays now: its credits neither spent nor held by a reservation
 * (`availableCredits`), at the lot's unit price rounded down (`refundAmountMinor`). The one
 * function both the offer (the refundable query) and `decideRefundPurchase` use, so the offer is
 * what will be paid.
 */
export function purchaseRefundOffer(lot: Lot): { credits: number; amountMinor: number } {
  const credits = Math.max(0, availableCredits(lot));
  return { credits, amountMinor: lot.creditsInitial > 0 ? refundAmountMinor(lot, credits) : 0 };
}

/** Decides a money refund's ledger step (`PurchaseRefunded`): the lot's available credits leave the balance. */
export function decideRefundPurchase(command: RefundPurchase, account: CreditAccount): Decision<{ lotId: string }> {
  const earlier = account.moneyRefunds.get(command.refundRequestId);
  if (earlier) return { outcome: 'repeated', answer: { lotId: earlier.lotId } };
  const lot = account.lots.find((l) => l.lotId === command.lotId);
  if (!lot || lot.kind !== 'purchased' || lot.checkoutSessionId === null) return reject('lot_not_found');
  if (isFrozen(account)) return reject('account_frozen');
  const { credits, amountMinor } = purchaseRefundOffer(lot);
  if (credits <= 0) return reject('nothing_to_refund');
  return accept([{
    type: 'PurchaseRefunded',
    data: {
      lotId: lot.lotId, refundRequestId: command.refundRequestId, credits, amountMinor,
      currency: lot.currency ?? 'usd', paymentIntentId: lot.paymentIntentId, checkoutSessionId: lot.checkoutSessionId,
      balanceAfter: account.balance - credits, refundedAt: command.now,
    },
  }]);
}

/**
 * Decides a refund made outside this system (Stripe's dashboard): the refunded share of the
 * purchase's credits, ceil(lot credits × refunded amount / lot amount), leaves the balance, at most
 * the credits still unused. Nothing when the share is already used. Idempotent on the Stripe refund id.
 */
export function decideExternalRefund(
  command: { refundId: string; paymentIntentId: string; amountRefundedMinor: number; now: string },
  account: CreditAccount,
): Decision {
  if (account.moneyRefunds.has(command.refundId)) return unchanged;
  const lot = account.lots.find((l) => l.kind === 'purchased' && l.paymentIntentId === command.paymentIntentId);
  if (!lot || lot.checkoutSessionId === null) return reject('lot_not_found');
  const share = lot.amountMinor === 0 ? 0 : Number((BigInt(lot.creditsInitial) * BigInt(command.amountRefundedMinor) + BigInt(lot.amountMinor) - 1n) / BigInt(lot.amountMinor));
  const credits = Math.min(share, availableCredits(lot));
  if (credits <= 0) return unchanged;
  return accept([{
    type: 'PurchaseRefunded',
    data: {
      lotId: lot.lotId, refundRequestId: command.refundId, credits, amountMinor: command.amountRefundedMinor, currency: lot.currency ?? 'usd',
      paymentIntentId: lot.paymentIntentId, checkoutSessionId: lot.checkoutSessionId, balanceAfter: account.balance - credits, refundedAt: command.now,
    },
  }]);
}

/** Decides the compensation of a money refund Stripe refused: the credits come back to their lot. */
export function decideRevertPurchaseRefund(command: { refundRequestId: string; reason: string; now: string }, account: CreditAccount): Decision {
  const refund = account.moneyRefunds.get(command.refundRequestId);
  if (!refund) return reject('refund_not_found');
  if (refund.reverted) return unchanged;
  return accept([{
    type: 'PurchaseRefundReverted',
    data: { lotId: refund.lotId, refundRequestId: refund.refundRequestId, credits: refund.credits, reason: command.reason, balanceAfter: account.balance + refund.credits, revertedAt: command.now },
  }]);
}

// ---------------------------------------------------------------------------------------------
// Disputes and plan payment failures

/** Decides a freeze for a dispute (idempotent per dispute). */
export function decideFreeze(command: { disputeId: string; reason: string; now: string }, account: CreditAccount): Decision {
  if (account.openDisputes.has(command.disputeId)) return unchanged;
  return accept([{ type: 'AccountFrozen', data: { reason: command.reason, disputeId: command.disputeId, at: command.now } }]);
}

/** Decides an unfreeze when a dispute closes (idempotent; the account stays frozen while other disputes are open). */
export function decideUnfreeze(command: { disputeId: string; reason: string; now: string }, account: CreditAccount): Decision {
  if (!account.openDisputes.has(command.disputeId)) return unchanged;
  return accept([{ type: 'AccountUnfrozen', data: { reason: command.reason, disputeId: command.disputeId, at: command.now } }]);
}

/**
 * Decides a clawback after a lost dispute: the disputed purchase's available credits leave its
 * lot, and the credits of it already used become owed (the balance may go negative).
 */
export function decideClawBack(command: { disputeId: string; paymentIntentId: string; now: string }, account: CreditAccount): Decision {
  if (account.clawedBackDisputes.has(command.disputeId)) return unchanged;
  const lot = account.lots.find((l) => l.kind === 'purchased' && l.paymentIntentId === command.paymentIntentId);
  if (!lot) return reject('lot_not_found');
  const credits = availableCredits(lot);
  const used = lot.creditsInitial - lot.creditsRemaining - lot.creditsRefundedAsMoney - lot.creditsExpired;
  return accept([{
    type: 'CreditsClawedBack',
    data: { lotId: lot.lotId, disputeId: command.disputeId, credits, owedCredits: used, balanceAfter: account.balance - credits - used, clawedBackAt: command.now },
  }]);
}

/** Decides blocking a subscription's credits (payment past due after grace); idempotent. */
export function decideSuspendPlan(command: { subscriptionId: string; reason: string; now: string }, account: CreditAccount): Decision {
  if (account.suspendedSubscriptions.has(command.subscriptionId)) return unchanged;
  return accept([{ type: 'PlanCreditsSuspended', data: { subscriptionId: command.subscriptionId, reason: command.reason, at: command.now } }]);
}

/** Decides unblocking a subscription's credits (a payment succeeded); idempotent. */
export function decideResumePlan(command: { subscriptionId: string; reason: string; now: string }, account: CreditAccount): Decision {
  if (!account.suspendedSubscriptions.has(command.subscriptionId)) return unchanged;
  return accept([{ type: 'PlanCreditsResumed', data: { subscriptionId: command.subscriptionId, reason: command.reason, at: command.now } }]);
}

/**
 * Decides the end of a subscription's credits: its lots with credits left that would outlive
 * `endsAt` (never-expiring rollover credits, or an expiry later than the paid period) expire at
 * `endsAt`. Nothing when every such lot already expires by then (idempotent).
 */
export function decidePlanEnd(command: { subscriptionId: string; endsAt: string; now: string }, account: CreditAccount): Decision {
  const ends = Date.parse(command.endsAt);
  const lots = account.lots.filter(
    (l) => l.subscriptionId === command.subscriptionId && l.creditsRemaining > 0 && (l.expiresAt === null || Date.parse(l.expiresAt) > ends),
  );
  if (lots.length === 0) return unchanged;
  return accept([{ type: 'PlanCreditsEnded', data: { subscriptionId: command.subscriptionId, lotIds: lots.map((l) => l.lotId), endsAt: new Date(ends).toISOString(), at: command.now } }]);
}
