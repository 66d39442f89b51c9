import { ErrorCode, PortalPurchase, RefundStatus } from '@credit-hub/contracts';
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

/** A lot of the customer as the ledger's balance query shows it (times in ms). */
export interface PurchaseLot {
  lotId: string;
  kind: 'purchased' | 'granted';
  domain: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsRemaining: number;
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
 * A credit refund: the consumptions of the window not refunded yet, newest first, up to the
 * policy's cap (the last one taken in part if the cap falls inside it).
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
    .filter((c) => c.creditsAvailable > 0 && c.consumedAtMs >= since && c.consumedAtMs <= nowMs)
    .sort((a, b) => b.consumedAtMs - a.consumedAtMs || a.eventId.localeCompare(b.eventId));
  if (eligible.length === 0) {
    return { outcome: 'refused', code: 'nothing_to_refund', reason: `No credits used in the last ${policy.windowDays} days are left to refund.` };
  }
  const selection: SelectedConsumption[] = [];
  let credits = 0;
  const cap = policy.creditsPerRefundMax ?? Number.MAX_SAFE_INTEGER;
  for (const c of eligible) {
    if (credits >= cap || selection.length >= consumptionsPerRefundMax) break;
    const take = Math.min(c.creditsAvailable, cap - credits);
    selection.push({ eventId: c.eventId, referenceId: c.referenceId, credits: take });
    credits += take;
  }
  return { outcome: 'accepted', selection, credits, hold: reviewHold(policy, input.history, nowMs, credits) };
}

/**
 * Money for `credits` unused credits of a purchase, at that purchase's unit price
 * (amount / credits bought), rounded down to the minor unit: the customer never gets more than
 * they paid, and unused + used shares never add up to more than the price. Exact in BigInt
 * (amount × credits can pass 2^53).
 */
export function unusedCreditsAmountMinor(lot: Pick<PurchaseLot, 'amountMinor' | 'creditsInitial'>, credits: number): number {
  if (!Number.isSafeInteger(credits) || credits < 0 || credits > lot.creditsInitial) {
    throw new RangeError(`credits ${credits} outside 0..${lot.creditsInitial}`); // a bug: callers pass a lot's own remainder
  }
  if (lot.creditsInitial === 0) return 0;
  return Number((BigInt(lot.amountMinor) * BigInt(credits)) / BigInt(lot.creditsInitial));
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
  if (lot.creditsRemaining <= 0) {
    return { outcome: 'refused', code: 'nothing_to_refund', reason: 'Every credit of that purchase is used.' };
  }
  if (unusedCreditsAmountMinor(lot, Math.min(lot.creditsRemaining, lot.creditsInitial)) === 0) {
    return { outcome: 'refused', code: 'nothing_to_refund', reason: 'The unused credits of that purchase are worth less than one cent.' };
  }
  return undefined;
}

/** The purchases on `domain` whose unused credits can be refunded as money now, newest first. */
export function moneyRefundablePurchases(policy: RefundPolicy, domain: string, lots: PurchaseLot[], nowMs: number): PortalPurchase[] {
  if (!policy.moneyRefunds.enabled) return [];
  return lots
    .filter((lot) => lotIneligibility(policy, domain, lot, nowMs) === undefined)
    .sort((a, b) => b.acquiredAtMs - a.acquiredAtMs)
    .map((lot) => {
      const creditsUnused = Math.min(lot.creditsRemaining, lot.creditsInitial);
      return {
        lotId: lot.lotId,
        offeringId: lot.offeringId,
        creditsInitial: lot.creditsInitial,
        creditsUnused,
        amountMinor: unusedCreditsAmountMinor(lot, creditsUnused),
        currency: lot.currency as string,
        purchasedAt: new Date(lot.acquiredAtMs).toISOString(),
      };
    });
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
  const credits = Math.min(lot.creditsRemaining, lot.creditsInitial);
  return {
    outcome: 'accepted',
    lotId: lot.lotId,
    credits,
    amountMinor: unusedCreditsAmountMinor(lot, credits),
    currency: lot.currency as string,
    hold: reviewHold(policy, input.history, nowMs, credits),
  };
}
