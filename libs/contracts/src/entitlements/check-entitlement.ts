import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { CapLimits, capNamePattern } from './entitlement-model';
import { GetEntitlementsQuery } from './get-entitlements';
import { EntitlementStatus, EntitlementTier } from './entitlement-model';

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

/** `billing.queries.check-entitlement.v1`: request/reply, queue group `billing`. */
export const CheckEntitlementMessage = defineMessage<CheckEntitlementQuery, EntitlementCheckResult>()({ name: 'billing.queries.check-entitlement.v1', kind: 'query', validate: strictly(CheckEntitlementQuery) });
