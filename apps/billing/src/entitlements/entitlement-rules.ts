import {
  Caps, EntitlementCheckResult, EntitlementState, EntitlementStatus, SubscriptionStatus,
} from '@credit-hub/contracts';

/**
 * The entitlement rules of billing, pure (no I/O; time comes in as unix seconds on Stripe's clock).
 * Source: seed 001 — caps unlock at checkout (`trialing`), stay through the trial and through the
 * payment grace (`past_due` / `unpaid`), and drop to the domain's free tier when the plan ends
 * (`canceled` at the trial end or the period end, "usually at the period boundary": Stripe's
 * `cancel_at_period_end`, https://docs.stripe.com/billing/subscriptions/cancel). Over-cap usage is
 * kept: new creates are refused with `LIMIT_REACHED` until the customer is back under the caps.
 */

/** The facts of the subscription an entitlement derives from (billing's row). Times: unix seconds. */
export interface SubscriptionFacts {
  subscriptionId: string;
  offeringId: string;
  status: SubscriptionStatus;
  trialEnd: number | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  graceEndsAt: number | null;
  planCreditsBlocked: boolean;
}

/** A known next change: when (unix seconds), to what, and whether it is certain. */
export interface NextChange {
  at: number;
  to: EntitlementState;
  /** True when it depends on Stripe acting (a trial converting needs the first payment). */
  expected: boolean;
}

const noneState: EntitlementState = { tier: 'free', status: 'none', offeringId: null, paymentPastDue: false };

function onPlan(facts: SubscriptionFacts, status: EntitlementStatus): EntitlementState {
  return { tier: 'plan', status, offeringId: facts.offeringId, paymentPastDue: false };
}

function onFree(status: EntitlementStatus): EntitlementState {
  return { tier: 'free', status, offeringId: null, paymentPastDue: false };
}

/** Whether the plan was cancelled at its period end and that end has passed by `now`. */
function endedAtPeriodEnd(facts: SubscriptionFacts, now: number): boolean {
  const end = facts.status === 'trialing' ? facts.trialEnd ?? facts.currentPeriodEnd : facts.currentPeriodEnd;
  return facts.cancelAtPeriodEnd && end !== null && now >= end;
}

/**
 * The entitlement state at `now` (unix seconds, Stripe's clock) of a customer whose subscription
 * on the domain is `facts` (null: never subscribed there).
 * - `trialing`, `active`: the plan's caps; `canceled` on the free tier once a cancellation at the
 *   period end (the trial end while trialing) has passed, even before Stripe's
 *   `customer.subscription.deleted` arrives.
 * - `past_due`, `unpaid`: the plan's caps until the grace ends (`graceEndsAt`, or the row's
 *   blocked flag); after it the free tier's with `paymentPastDue` and the plan's offering named.
 * - `canceled`, `incomplete_expired`: free tier, `canceled` / as Stripe says. `incomplete`,
 *   `paused`: free tier (nothing paid for now).
 */
export function entitlementAt(facts: SubscriptionFacts | null, now: number): EntitlementState {
  if (facts === null) return noneState;
  switch (facts.status) {
    case 'trialing':
    case 'active':
      return endedAtPeriodEnd(facts, now) ? onFree('canceled') : onPlan(facts, facts.status);
    case 'past_due':
    case 'unpaid':
      if (endedAtPeriodEnd(facts, now)) return onFree('canceled');
      if (facts.planCreditsBlocked || (facts.graceEndsAt !== null && now >= facts.graceEndsAt)) {
        return { tier: 'free', status: facts.status, offeringId: facts.offeringId, paymentPastDue: true };
      }
      return onPlan(facts, facts.status);
    case 'canceled':
      return onFree('canceled');
    default:
      return onFree(facts.status);
  }
}

/** Whether two states differ in anything published. */
export function stateChanged(before: EntitlementState | null, after: EntitlementState): boolean {
  return before === null || before.tier !== after.tier || before.status !== after.status || before.offeringId !== after.offeringId || before.paymentPastDue !== after.paymentPastDue;
}

/**
 * The next certain change after `now`: the earliest of the trial end (cancelled trial), the
 * period end (cancelled plan) and the grace end at which `entitlementAt` answers differently; or
 * null. This is when billing's scheduler publishes the transition if no webhook did first.
 */
export function nextCertainChange(facts: SubscriptionFacts | null, now: number): NextChange | null {
  if (facts === null) return null;
  const current = entitlementAt(facts, now);
  const candidates = [facts.trialEnd, facts.currentPeriodEnd, facts.graceEndsAt]
    .filter((at): at is number => at !== null && at > now)
    .sort((a, b) => a - b);
  for (const at of candidates) {
    const to = entitlementAt(facts, at);
    if (stateChanged(current, to)) return { at, to, expected: false };
  }
  return null;
}

/**
 * The next change to tell a product about: the certain one, or else a trial that will convert to
 * `active` at its end if the first payment succeeds (`expected`: Stripe decides at that moment).
 */
export function nextChange(facts: SubscriptionFacts | null, now: number): NextChange | null {
  const certain = nextCertainChange(facts, now);
  if (certain || facts === null) return certain;
  if (facts.status === 'trialing' && !facts.cancelAtPeriodEnd && facts.trialEnd !== null && facts.trialEnd > now) {
    return { at: facts.trialEnd, to: onPlan(facts, 'active'), expected: true };
  }
  return null;
}

/** Caps of the plan and of the domain's free tier, as the catalog has them. */
export interface CapsSource {
  freeCaps: Caps;
  /** Caps of the plan `offeringId` (empty when the catalog has none for it). */
  planCaps(offeringId: string): Caps;
}

/** The caps that apply in `state`. */
export function capsOf(state: EntitlementState, source: CapsSource): Caps {
  return state.tier === 'plan' && state.offeringId !== null ? source.planCaps(state.offeringId) : source.freeCaps;
}

/** One cap judged: allowed or why not, the limit, what remains, how far over the customer is. */
export type CapJudgement = Pick<EntitlementCheckResult, 'allowed' | 'code' | 'limit' | 'remaining' | 'overLimitBy'>;

/**
 * Judges `feature` against `caps` for `requested` more when `inUse` are already had (integers ≥ 0).
 * - missing or `false`: refused `feature_not_in_plan`; `true`: allowed (limit and remaining null);
 * - a limit: allowed while `inUse + requested <= limit` (exactly at the limit: remaining 0);
 *   above it refused `LIMIT_REACHED`, remaining = what was left before (never negative), and
 *   `overLimitBy` = how far the usage already had is over the limit (kept, never deleted).
 */
export function judgeCap(caps: Caps, feature: string, requested: number, inUse: number): CapJudgement {
  const cap = Object.prototype.hasOwnProperty.call(caps, feature) ? caps[feature] : undefined;
  if (cap === undefined || cap === false) return { allowed: false, code: 'feature_not_in_plan', limit: null, remaining: null, overLimitBy: 0 };
  if (cap === true) return { allowed: true, code: 'ok', limit: null, remaining: null, overLimitBy: 0 };
  const overLimitBy = Math.max(0, inUse - cap);
  const total = inUse + requested;
  if (total <= cap) return { allowed: true, code: 'ok', limit: cap, remaining: cap - total, overLimitBy };
  return { allowed: false, code: 'LIMIT_REACHED', limit: cap, remaining: Math.max(0, cap - inUse), overLimitBy };
}

/**
 * The answer to a check in `state`: judged against the caps that apply. When the plan's payment
 * grace is over (`paymentPastDue`) and the free tier refuses what the plan would allow, the code is
 * `payment_past_due` (pay, and it is allowed again) rather than a limit or a missing feature.
 */
export function checkEntitlement(state: EntitlementState, source: CapsSource, feature: string, requested: number, inUse: number): EntitlementCheckResult {
  const judged = judgeCap(capsOf(state, source), feature, requested, inUse);
  const base = { tier: state.tier, status: state.status, offeringId: state.offeringId };
  if (!judged.allowed && state.paymentPastDue && state.offeringId !== null && judgeCap(source.planCaps(state.offeringId), feature, requested, inUse).allowed) {
    return { ...judged, code: 'payment_past_due', ...base };
  }
  return { ...judged, ...base };
}
