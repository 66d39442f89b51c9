import { normalizeDomain, normalizeEmail, PlanCreditsGrantedV1, SubscriptionStatus } from '@credit-hub/contracts';
import { isoOf, Period, SubscriptionSnapshot } from '../stripe/stripe-objects';

/**
 * The subscription rules of billing, pure (no I/O, time comes in): what a plan was sold as, how a
 * Stripe snapshot moves billing's copy forward (never back), which grant a paid or trial period
 * gives, and when a payment grace ends.
 */

/** What a subscription was sold as (frozen at checkout, carried in Stripe metadata). */
export interface PlanTerms {
  domain: string;
  offeringId: string;
  email: string;
  creditsPerPeriod: number;
  rollover: boolean;
  amountMinor: number;
  currency: string;
  interval: 'month' | 'year';
}

/**
 * Reads plan terms from subscription (or invoice) metadata written by billing's checkout; undefined
 * when the metadata is not billing's (a subscription made elsewhere on the same Stripe account).
 */
export function planTermsOf(metadata: Record<string, string>): PlanTerms | undefined {
  const { domain, offeringId, email, credits, amountMinor, currency, interval, rollover } = metadata;
  if (!domain || !offeringId || !email || !credits || !/^[1-9]\d{0,8}$/.test(credits)) return undefined;
  if (interval !== 'month' && interval !== 'year') return undefined;
  return {
    domain: normalizeDomain(domain),
    offeringId,
    email: normalizeEmail(email),
    creditsPerPeriod: Number(credits),
    rollover: rollover === 'true',
    amountMinor: amountMinor !== undefined && /^\d{1,9}$/.test(amountMinor) ? Number(amountMinor) : 0,
    currency: currency?.toLowerCase() ?? 'usd',
    interval,
  };
}

/**
 * Order of statuses within one period. Moving to a lower rank in the same period is going back,
 * except `past_due`/`unpaid` → `active` (a payment succeeded). `canceled` and `incomplete_expired`
 * are final: nothing comes after them.
 */
export const statusRanks: Record<SubscriptionStatus, number> = {
  incomplete: 0,
  trialing: 1,
  active: 2,
  paused: 2,
  past_due: 3,
  unpaid: 4,
  canceled: 9,
  incomplete_expired: 9,
};

/** Whether `status` is final. */
export function isFinal(status: SubscriptionStatus): boolean {
  return statusRanks[status] === 9;
}

/** Billing's copy of a subscription (the columns the rules read and write). Times: unix seconds. */
export interface SubscriptionState {
  status: SubscriptionStatus;
  trialStart: number | null;
  trialEnd: number | null;
  currentPeriodStart: number | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  endedAt: number | null;
  /** Stripe `created` of the newest event applied. */
  lastEventCreated: number;
}

/**
 * The state after applying `snapshot`, seen through an event created at `eventCreated`, or
 * undefined when it would move the state backwards. `fresh`: the snapshot was re-fetched from
 * Stripe under billing's per-subscription lock, so it is at least as new as anything applied
 * before (only finality is checked); otherwise (the event's own copy) it must not be older than
 * the newest event applied, nor an earlier period, nor a lower status of the same period.
 */
export function advance(current: SubscriptionState | undefined, snapshot: SubscriptionSnapshot, eventCreated: number, fresh: boolean): SubscriptionState | undefined {
  const next: SubscriptionState = {
    status: snapshot.status,
    trialStart: snapshot.trialStart,
    trialEnd: snapshot.trialEnd,
    currentPeriodStart: snapshot.currentPeriodStart,
    currentPeriodEnd: snapshot.currentPeriodEnd,
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
    endedAt: snapshot.endedAt,
    lastEventCreated: Math.max(current?.lastEventCreated ?? 0, eventCreated),
  };
  if (!current) return next;
  if (isFinal(current.status) && !isFinal(next.status)) return undefined; // canceled stays canceled
  if (fresh) return next;
  if (eventCreated < current.lastEventCreated) return undefined;
  const periodNow = current.currentPeriodStart ?? 0;
  const periodNext = next.currentPeriodStart ?? 0;
  if (periodNext < periodNow) return undefined;
  const recovery = (current.status === 'past_due' || current.status === 'unpaid') && next.status === 'active';
  if (periodNext === periodNow && statusRanks[next.status] < statusRanks[current.status] && !recovery) return undefined;
  return next;
}

/** The fields of SubscriptionChangedV1 that matter to readers: a change in any is published. */
export function visibleChange(before: SubscriptionState | undefined, after: SubscriptionState): boolean {
  if (!before) return true;
  return (
    before.status !== after.status ||
    before.trialEnd !== after.trialEnd ||
    before.currentPeriodEnd !== after.currentPeriodEnd ||
    before.cancelAtPeriodEnd !== after.cancelAtPeriodEnd
  );
}

/** Why a period's credits are granted (billing's record; the ledger only sees the grant). */
export type GrantReason = 'trial' | 'first_period' | 'renewal' | 'grace';

/** The idempotency key of a period's grant: one grant per subscription period, whichever event asks first. */
export function planGrantId(subscriptionId: string, periodStart: number): string {
  return `plan:${subscriptionId}:${periodStart}`;
}

/** What to grant for one period of a subscription. */
export interface PlanGrantInput {
  stripeEventId: string;
  subscriptionId: string;
  invoiceId: string | null;
  terms: PlanTerms;
  /** Credits of this period as sold (the invoice's metadata when it has them, else the terms). */
  credits: number;
  period: Period;
  /** Stripe `created` of the event that asked (the grant's time). */
  at: number;
  /** The connected account the subscription is billed on (null: the platform). */
  connectedAccountId: string | null;
}

/**
 * The `billing.events.plan-credits-granted.v1` of a period: `credits` expiring at the period end,
 * or never when the plan rolls over.
 */
export function planGrant(input: PlanGrantInput): PlanCreditsGrantedV1 {
  const periodEnd = isoOf(input.period.end);
  return {
    stripeEventId: input.stripeEventId,
    grantId: planGrantId(input.subscriptionId, input.period.start),
    subscriptionId: input.subscriptionId,
    invoiceId: input.invoiceId,
    email: input.terms.email,
    domain: input.terms.domain,
    offeringId: input.terms.offeringId,
    credits: input.credits,
    periodStart: isoOf(input.period.start),
    periodEnd,
    expiresAt: input.terms.rollover ? null : periodEnd,
    grantedAt: isoOf(input.at),
    connectedAccountId: input.connectedAccountId,
  };
}

/** Seconds in a day. */
export const daySeconds = 86_400;

/**
 * End of the payment grace of a failed invoice: `graceDays` after the invoice was first attempted
 * (its creation: Stripe attempts a renewal invoice as it makes it). Derived from the invoice, not
 * from whichever failure event arrives first, so it is the same whatever the delivery order.
 */
export function graceEndsAt(invoiceCreated: number, graceDays: number): number {
  return invoiceCreated + graceDays * daySeconds;
}
