import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { CapLimits, capNamePattern, EntitlementCheckCode, EntitlementStatus, EntitlementTier } from '@credit-hub/contracts';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DomainField, EmailField } from '../http/fields';

const statuses: EntitlementStatus[] = ['none', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'];
const capsDoc: ApiPropertyOptions = {
  description: 'Feature flags (true/false) and numeric limits (whole numbers) by cap name',
  example: { scheduled_runs: true, workspaces: 10, blocks: 500 },
  type: 'object',
  additionalProperties: { oneOf: [{ type: 'boolean' }, { type: 'integer', minimum: 0 }] },
};

/** `GET /api/portfolio/entitlements?email=&domain=`. */
export class EntitlementsRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: true })
  domain?: string;
}

/** `POST /api/portfolio/entitlements/check`: may the customer use `feature` (have `requested` more)? */
export class EntitlementCheckRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: 'The cap to check (a feature flag or a numeric limit of the plan)', example: 'workspaces', pattern: capNamePattern.source })
  @IsString({ message: 'feature must be a string' })
  @Matches(capNamePattern, { message: 'feature must be 1-64 lower-case letters, digits or _, starting with a letter' })
  feature!: string;

  @ApiPropertyOptional({ description: 'How many more the customer wants (numeric caps; default 1; 0 asks only where they stand)', example: 1, type: 'integer', minimum: 0, maximum: CapLimits.limitMax })
  @IsOptional()
  @IsInt({ message: 'requested must be a whole number' })
  @Min(0, { message: 'requested must not be negative' })
  @Max(CapLimits.limitMax, { message: `requested must be at most ${CapLimits.limitMax}` })
  requested?: number;

  @ApiPropertyOptional({ description: 'How many the customer already has (numeric caps; default 0); the product counts them', example: 2, type: 'integer', minimum: 0, maximum: CapLimits.limitMax })
  @IsOptional()
  @IsInt({ message: 'inUse must be a whole number' })
  @Min(0, { message: 'inUse must not be negative' })
  @Max(CapLimits.limitMax, { message: `inUse must be at most ${CapLimits.limitMax}` })
  inUse?: number;
}

/** The answer of a check (a refusal is an answer: 200). */
export class EntitlementCheckResponse {
  @ApiProperty({ example: true }) allowed!: boolean;
  @ApiProperty({ enum: ['ok', 'LIMIT_REACHED', 'feature_not_in_plan', 'payment_past_due'], example: 'ok' }) code!: EntitlementCheckCode;
  @ApiProperty({ type: 'integer', nullable: true, example: 10, description: 'The numeric limit; null for a flag or a feature not in the plan' }) limit!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 0, description: 'Allowed: left after `requested` (0 exactly at the limit). Refused: left before it (0 at or over)' }) remaining!: number | null;
  @ApiProperty({ type: 'integer', example: 0, description: 'How far the usage the customer already has is over the limit (kept, never deleted)' }) overLimitBy!: number;
  @ApiProperty({ enum: ['plan', 'free'] }) tier!: EntitlementTier;
  @ApiProperty({ enum: statuses }) status!: EntitlementStatus;
  @ApiProperty({ type: String, nullable: true, example: 'builder_monthly' }) offeringId!: string | null;
}

/** The next known change of the entitlements. */
export class EntitlementChangeResponse {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ enum: ['plan', 'free'] }) tier!: EntitlementTier;
  @ApiProperty({ enum: statuses }) status!: EntitlementStatus;
  @ApiProperty({ type: String, nullable: true }) offeringId!: string | null;
  @ApiProperty() paymentPastDue!: boolean;
  @ApiProperty(capsDoc) caps!: Record<string, boolean | number>;
  @ApiProperty({ description: 'True when Stripe still decides (a trial converts only if the first payment succeeds)' }) expected!: boolean;
}

/** Spendable credits, from the ledger. */
export class EntitlementCreditsResponse {
  @ApiProperty({ type: 'integer', example: 195, description: "The customer's balance spendable on the domain, credits" }) spendable!: number;
}

/** `GET /api/portfolio/entitlements`: what the customer may do on the domain now. */
export class EntitlementsResponse {
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ enum: ['plan', 'free'], description: "Whose caps apply: the plan's or the domain's free tier" }) tier!: EntitlementTier;
  @ApiProperty({ enum: statuses, description: 'As of now on Stripe\'s clock (`none`: never subscribed on the domain)' }) status!: EntitlementStatus;
  @ApiProperty({ type: String, nullable: true, example: 'builder_monthly' }) offeringId!: string | null;
  @ApiProperty({ description: "True once a failed payment's grace ended unpaid: the plan's caps are withheld" }) paymentPastDue!: boolean;
  @ApiProperty(capsDoc) caps!: Record<string, boolean | number>;
  @ApiProperty({ type: String, nullable: true }) subscriptionId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) trialEnd!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) currentPeriodEnd!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) graceEndsAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'The next change: trial end, period end of a cancelled plan, grace end' }) changesAt!: string | null;
  @ApiProperty({ type: EntitlementChangeResponse, nullable: true }) changesTo!: EntitlementChangeResponse | null;
  @ApiProperty({ format: 'date-time', description: "The moment answered for (Stripe's clock)" }) asOf!: string;
  @ApiProperty({ type: EntitlementCreditsResponse }) credits!: EntitlementCreditsResponse;
}
