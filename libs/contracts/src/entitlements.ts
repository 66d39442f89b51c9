import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from './customer';
import { NormalizedDomain, NormalizedEmail } from './normalize';
import { subject } from './subjects';

/**
 * Plans and entitlements (issue 10): what a customer may do on a domain right now. Billing owns
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

/** `GetEntitlements`: the customer's entitlements on the domain (the API key's). */
export class GetEntitlementsQuery {
  @NormalizedEmail() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax) @Matches(/^[a-z0-9.-]+$/i, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
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

/**
 * `CheckEntitlement`: may the customer use `feature` now? For a numeric cap: may they have
 * `requested` more (default 1) when they already have `inUse` (default 0)?
 */
export class CheckEntitlementQuery extends GetEntitlementsQuery {
  @IsString({ message: 'feature must be a string' })
  @Matches(capNamePattern, { message: 'feature must be 1-64 lower-case letters, digits or _, starting with a letter' })
  feature!: string;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'requested must be a whole number' })
  @Min(0, { message: 'requested must not be negative' }) @Max(CapLimits.limitMax, { message: `requested must be at most ${CapLimits.limitMax}` })
  requested?: number;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'inUse must be a whole number' })
  @Min(0, { message: 'inUse must not be negative' }) @Max(CapLimits.limitMax, { message: `inUse must be at most ${CapLimits.limitMax}` })
  inUse?: number;
}

/**
 * Codes of a check: `ok`; `LIMIT_REACHED` (inUse + requested over the limit: the seed's word,
 * products show it as is); `feature_not_in_plan` (the caps lack the feature, or it is `false`);
 * `payment_past_due` (the plan would allow it, but its payment grace is over unpaid).
 */
export type EntitlementCheckCode = 'ok' | 'LIMIT_REACHED' | 'feature_not_in_plan' | 'payment_past_due';

/** Answer to CheckEntitlement. A refusal is an answer (200), not an error. */
export interface EntitlementCheckResult {
  allowed: boolean;
  code: EntitlementCheckCode;
  /** The numeric limit that applies; null for a flag or a feature not in the plan. */
  limit: number | null;
  /**
   * How many more may be had: when allowed, what is left after `requested` (0 exactly at the
   * limit); when refused, what is left before it (0 when already at or over). Null for flags.
   */
  remaining: number | null;
  /** Usage the customer already has beyond the limit (kept, never deleted; new creates refused). 0 when under. */
  overLimitBy: number;
  tier: EntitlementTier;
  status: EntitlementStatus;
  offeringId: string | null;
}

/**
 * `entitlements.events.changed.v1`: a customer's entitlements on a domain changed (tier, status,
 * plan or past-due flag), at a webhook or at a boundary passed on Stripe's clock (trial end after a
 * cancellation, period end, grace end), whichever comes first; published once per change.
 * `Nats-Msg-Id` = `entitlements:<domain>:<email>:<version>`.
 */
export interface EntitlementsChangedV1 extends EntitlementState {
  email: string;
  domain: string;
  /** 1, 2, …: the change's number for this customer on this domain. */
  version: number;
  previous: EntitlementState | null;
  caps: Caps;
  subscriptionId: string | null;
  /** When the change took effect (ISO-8601, Stripe's clock). */
  at: string;
}
