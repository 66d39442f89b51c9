import { subject } from '../subjects';

/**
 * Plans and entitlements: what a customer may do on a domain right now. Billing owns
 * the answer (it owns the catalog, where each plan and each domain's free tier carry **caps**, and
 * the subscriptions); it keeps a projection per (domain, customer) in the same transaction as the
 * subscription it derives from, and publishes every transition on `entitlements.events.changed.v1`.
 * Source of the rules: seed 001 (caps unlock at checkout, stay through the trial and the payment
 * grace, drop to the free tier when the plan ends; over-cap data is kept, new creates refused).
 */

/** Request/reply subjects served by billing (queue group `billing`). */
export const EntitlementSubjects = {
  getEntitlements: subject('billing.queries.get-entitlements.v1'),
  checkEntitlement: subject('billing.queries.check-entitlement.v1'),
};

/** Subjects of the entitlement events billing publishes to stream `ENTITLEMENTS` (through its outbox). */
export const EntitlementEventSubjects = {
  changed: subject('entitlements.events.changed.v1'),
};

/**
 * Caps of a plan or of a domain's free tier: feature flags (`scheduled_runs: true`) and numeric
 * limits (`workspaces: 3`, counts of things the product keeps; non-negative integers). A feature
 * missing from the caps, or `false`, is not in the plan.
 */
export type Caps = Record<string, boolean | number>;

/** Cap names: lower-case letters, digits and `_` (`scheduled_runs`), 1-64 characters. */
export const capNamePattern = /^[a-z][a-z0-9_]{0,63}$/;

/** Bounds of caps (a limit on everything). */
export const CapLimits = {
  capsPerPlanMax: 100,
  /** Largest numeric limit, and largest `requested` / `inUse` of a check. */
  limitMax: 1_000_000_000,
} as const;

/**
 * The status of a customer's entitlements on a domain, as it is at the moment asked (a boundary
 * already passed on Stripe's clock counts even before its webhook arrives): Stripe's subscription
 * statuses, plus `none` for a customer who never subscribed on the domain.
 */
export type EntitlementStatus = 'none' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'paused';

/**
 * Whose caps apply: `plan` (the subscribed plan's) or `free` (the domain's free tier: never
 * subscribed, ended, not yet paid, or past due after the payment grace).
 */
export type EntitlementTier = 'plan' | 'free';

/** The part of an entitlement whose change is published (`entitlements.events.changed.v1`). */
export interface EntitlementState {
  tier: EntitlementTier;
  status: EntitlementStatus;
  /** The plan whose caps apply, or whose payment is past due; null on the free tier otherwise. */
  offeringId: string | null;
  /** True once a failed payment's grace is over unpaid: the plan's caps are withheld. */
  paymentPastDue: boolean;
}

/** The next known change of an entitlement. */
export interface EntitlementChange extends EntitlementState {
  /** When (ISO-8601, Stripe's clock): the trial end, the period end of a cancelled plan, or the grace end. */
  at: string;
  /** The caps from then on. */
  caps: Caps;
  /**
   * True when the change depends on something Stripe has not done yet (a trial converting to
   * `active` needs the first payment); false when it is certain (a cancellation, a grace end).
   */
  expected: boolean;
}

/** Answer to GetEntitlements (billing's part; the gateway adds the ledger's spendable credits). */
export interface EntitlementsView extends EntitlementState {
  email: string;
  domain: string;
  /** The caps that apply now (the plan's, or the free tier's). */
  caps: Caps;
  subscriptionId: string | null;
  trialEnd: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  graceEndsAt: string | null;
  /** The next change, or null when none is known (an active plan renewing, the free tier). */
  changesAt: string | null;
  changesTo: EntitlementChange | null;
  /** The moment the answer is for (Stripe's clock), ISO-8601. */
  asOf: string;
}

