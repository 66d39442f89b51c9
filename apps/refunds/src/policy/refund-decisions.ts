import { ErrorCode, PortalPurchase, RefundKind, RefundStatus } from '@credit-hub/contracts';
import { RefundPolicy } from './refund-policy';

/**
 * The refund decisions, pure (STYLE.md rule 1: the clock comes in as `nowMs`). Refusals are named
 * codes checked in a fixed order (TigerBeetle): after the last check the refund is granted or
 * held for review. The ledger re-checks the credits themselves: it never refunds more than
 * was consumed, nor more than a purchase has unused.
 */

const dayMs = 24 * 60 * 60 * 1000;
/** The span of the review thresholds. */
export const reviewSpanDays = 30;
/** Consumptions one credit refund may name (the ledger command's bound). */
export const consumptionsPerRefundMax = 500;

/** A refund the customer had on the domain: what counts toward the limits. */
export interface PastRefund {
  createdAtMs: number;
  status: RefundStatus;
  /** Credits granted or being granted: refunded when done, requested while in flight. */
  credits: number;
  /** Credits or money; a credit refund still `requested` or `held` will take its credits from the window. */
  kind?: RefundKind;
}

/** A consumption with what of it no refund has taken or reserved yet. */
export interface CandidateConsumption {
  eventId: string;
  referenceId: string;
  creditsAvailable: number;
  consumedAtMs: number;
}

/** One consumption a credit refund takes, and how many of its credits. */
export interface SelectedConsumption {
  eventId: string;
  referenceId: string;
  credits: number;
}

/** A refusal: the code the caller answers with and a sentence for the customer. */
export interface RefundRefusal {
  outcome: 'refused';
  code: Extract<ErrorCode, 'refund_not_allowed' | 'nothing_to_refund' | 'lot_not_found'>;
  reason: string;
}

/** The decision on a credit refund. `hold`: why it is held for review, or null when granted. */
export type CreditRefundDecision =
  | RefundRefusal
  | { outcome: 'accepted'; selection: SelectedConsumption[]; credits: number; hold: string | null };

/**
 * A purchase of the customer with the ledger's money-refund offer for it (times in ms):
 * `creditsUnused` are its credits neither spent nor held by a reservation and `amountMinor` what
 * refunding them pays, both from the ledger's `purchaseRefundOffer` (the function its
 * RefundPurchase pays with), so what the portal offers is what the refund pays.
 */
export interface PurchaseLot {
  lotId: string;
  kind: 'purchased' | 'granted';
  domain: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsUnused: number;
  /** What refunding `creditsUnused` pays, integer minor units of `currency`. */
  amountMinor: number;
  currency: string | null;
  expiresAtMs: number | null;
  acquiredAtMs: number;
}

/** The decision on a money refund of one purchase's unused credits. */
export type MoneyRefundDecision =
  | RefundRefusal
  | { outcome: 'accepted'; lotId: string; credits: number; amountMinor: number; currency: string; hold: string | null };

/** Statuses that count toward the per-window limit and the review thresholds: granted, or on the way to it. */
export function countsTowardLimits(status: RefundStatus): boolean {
  switch (status) {
    case 'requested':
    case 'held':
    case 'credits_removed':
    case 'stripe_refunded':
    case 'completed':
      return true;
    case 'compensating':
    case 'compensated':
    case 'rejected':
    case 'denied':
      return false;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/** Refused when the customer already had `refundsPerWindow` refunds on the domain in the window. */
function checkWindowLimit(policy: RefundPolicy, history: PastRefund[], nowMs: number): RefundRefusal | undefined {
  const since = nowMs - policy.windowDays * dayMs;
  const inWindow = history.filter((r) => countsTowardLimits(r.status) && r.createdAtMs >= since).length;
  if (inWindow < policy.refundsPerWindow) return undefined;
  const times = policy.refundsPerWindow === 1 ? 'one refund' : `${policy.refundsPerWindow} refunds`;
  return { outcome: 'refused', code: 'refund_not_allowed', reason: `You can have ${times} every ${policy.windowDays} days, and you already had ${inWindow === 1 ? 'one' : inWindow}.` };
}

/** Why a refund of `credits` is held for review (this refund included), or null. */
export function reviewHold(policy: RefundPolicy, history: PastRefund[], nowMs: number, credits: number): string | null {
  const since = nowMs - reviewSpanDays * dayMs;
  const recent = history.filter((r) => countsTowardLimits(r.status) && r.createdAtMs >= since);
  const { refundsIn30Days, creditsIn30Days } = policy.reviewThreshold;
  if (refundsIn30Days !== null && recent.length + 1 > refundsIn30Days) {
    return `more than ${refundsIn30Days} refunds in ${reviewSpanDays} days`;
  }
  const creditsTotal = recent.reduce((sum, r) => sum + r.credits, 0) + credits;
  if (creditsIn30Days !== null && creditsTotal > creditsIn30Days) {
    return `more than ${creditsIn30Days} credits refunded in ${reviewSpanDays} days`;
  }
  return null;
}

/**
 * A credit refund: the consumptions of the window not refunded yet (as the ledger reports them),
 * newest first, less what unfinished credit refunds will take, up to the policy's cap (the last
 * one taken in part if the cap falls inside it). The ledger then refunds the window itself, newest
 * first, at most `credits`.
 * Order of refusals: `refund_not_allowed` (per-window limit), `nothing_to_refund`.
 */
export function decideCreditRefund(input: {
  policy: RefundPolicy;
  nowMs: number;
  consumptions: CandidateConsumption[];
  history: PastRefund[];
}): CreditRefundDecision {
  const { policy, nowMs } = input;
  const limited = checkWindowLimit(policy, input.history, nowMs);
  if (limited) return limited;
  const since = nowMs - policy.windowDays * dayMs;
  const eligible = input.consumptions
    // No upper bound: the ledger listed only what it has acknowledged, and a consumption stamped by
    // its clock a little ahead of this one's (skew between hosts) must not be left out.
    .filter((c) => c.creditsAvailable > 0 && c.consumedAtMs >= since)
    .sort((a, b) => b.consumedAtMs - a.consumedAtMs || a.eventId.localeCompare(b.eventId));
  // Credit refunds recorded but not yet applied by the ledger take the newest credits first (the
  // ledger picks newest first): this one is decided on what they leave, so concurrent requests
  // never promise the same credits twice.
  let inFlight = input.history
    .filter((r) => r.kind === 'credits' && (r.status === 'requested' || r.status === 'held'))
    .reduce((sum, r) => sum + r.credits, 0);
  const selection: SelectedConsumption[] = [];
  let credits = 0;
  const cap = policy.creditsPerRefundMax ?? Number.MAX_SAFE_INTEGER;
  for (const c of eligible) {
    if (credits >= cap || selection.length >= consumptionsPerRefundMax) break;
    const taken = Math.min(inFlight, c.creditsAvailable);
    inFlight -= taken;
    const take = Math.min(c.creditsAvailable - taken, cap - credits);
    if (take <= 0) continue;
    selection.push({ eventId: c.eventId, referenceId: c.referenceId, credits: take });
    credits += take;
  }
  if (credits === 0) {
    return { outcome: 'refused', code: 'nothing_to_refund', reason: `No credits used in the last ${policy.windowDays} days are left to refund.` };
  }
  return { outcome: 'accepted', selection, credits, hold: reviewHold(policy, input.history, nowMs, credits) };
}

/** Why a lot cannot be refunded as money now, or undefined when it can. */
function lotIneligibility(policy: RefundPolicy, domain: string, lot: PurchaseLot, nowMs: number): RefundRefusal | undefined {
  if (lot.kind !== 'purchased' || lot.domain !== domain || lot.currency === null) {
    return { outcome: 'refused', code: 'lot_not_found', reason: `That is not a purchase made on ${domain}.` };
  }
  if (lot.acquiredAtMs < nowMs - policy.moneyRefunds.withinDays * dayMs) {
    return { outcome: 'refused', code: 'refund_not_allowed', reason: `Purchases can be refunded within ${policy.moneyRefunds.withinDays} days.` };
  }
  if (lot.expiresAtMs !== null && lot.expiresAtMs <= nowMs) {
    return { outcome: 'refused', code: 'refund_not_allowed', reason: 'Expired credits cannot be refunded.' };
  }
  if (lot.creditsUnused <= 0) {
    return { outcome: 'refused', code: 'nothing_to_refund', reason: 'Every credit of that purchase is used or held for a job in progress.' };
  }
  if (lot.amountMinor === 0) {
    return { outcome: 'refused', code: 'nothing_to_refund', reason: 'The unused credits of that purchase are worth less than one cent.' };
  }
  return undefined;
}

/**
 * The purchases on `domain` whose unused credits can be refunded as money now, newest first, each
 * with what the refund will pay (the ledger's offer; `decideMoneyRefund` takes the same figures).
 */
export function moneyRefundablePurchases(policy: RefundPolicy, domain: string, lots: PurchaseLot[], nowMs: number): PortalPurchase[] {
  if (!policy.moneyRefunds.enabled) return [];
  return lots
    .filter((lot) => lotIneligibility(policy, domain, lot, nowMs) === undefined)
    .sort((a, b) => b.acquiredAtMs - a.acquiredAtMs)
    .map((lot) => ({
      lotId: lot.lotId,
      offeringId: lot.offeringId,
      creditsInitial: lot.creditsInitial,
      creditsUnused: lot.creditsUnused,
      amountMinor: lot.amountMinor,
      currency: lot.currency as string,
      purchasedAt: new Date(lot.acquiredAtMs).toISOString(),
    }));
}

/**
 * A money refund of the unused credits of purchase `lotId`. Order of refusals:
 * `refund_not_allowed` (money refunds off), `refund_not_allowed` (per-window limit),
 * `lot_not_found`, `refund_not_allowed` (purchase too old, expired), `nothing_to_refund`.
 */
export function decideMoneyRefund(input: {
  policy: RefundPolicy;
  domain: string;
  nowMs: number;
  lots: PurchaseLot[];
  lotId: string;
  history: PastRefund[];
}): MoneyRefundDecision {
  const { policy, nowMs, domain } = input;
  if (!policy.moneyRefunds.enabled) {
    return { outcome: 'refused', code: 'refund_not_allowed', reason: 'This product refunds credits, not money.' };
  }
  const limited = checkWindowLimit(policy, input.history, nowMs);
  if (limited) return limited;
  const lot = input.lots.find((l) => l.lotId === input.lotId);
  if (!lot) return { outcome: 'refused', code: 'lot_not_found', reason: 'No such purchase.' };
  const ineligible = lotIneligibility(policy, domain, lot, nowMs);
  if (ineligible) return ineligible;
  const credits = lot.creditsUnused;
  return {
    outcome: 'accepted',
    lotId: lot.lotId,
    credits,
    amountMinor: lot.amountMinor,
    currency: lot.currency as string,
    hold: reviewHold(policy, input.history, nowMs, credits),
  };
}
