import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Limits, SubscriptionStatus } from '@credit-hub/contracts';
import { IsBoolean, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { DomainField, EmailField } from '../http/fields';

const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** `POST /api/billing/portal`: Stripe's billing portal for the customer's own subscriptions. */
export class BillingPortalRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: 'Where the portal\'s "return" link goes', example: 'https://yourproduct.com/settings/billing' })
  @IsString({ message: 'returnUrl must be a string' })
  @MaxLength(Limits.urlLengthMax, { message: `returnUrl must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(urlOptions, { message: 'returnUrl must be an http(s) URL' })
  returnUrl!: string;
}

/** The portal session to redirect the customer to. */
export class BillingPortalResponse {
  @ApiProperty({ example: 'https://billing.stripe.com/p/session/test_…' }) url!: string;
  @ApiProperty({ example: 'bps_1Q…' }) portalSessionId!: string;
}

/** `GET /api/billing/subscriptions?email=`: the customer's subscriptions on the key's domain. */
export class ListSubscriptionsRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: true })
  domain?: string;
}

/** Path of the subscription actions. */
export class SubscriptionPath {
  @ApiProperty({ example: 'sub_1Q…' })
  @IsString()
  @Matches(/^sub_[A-Za-z0-9_]{1,200}$/, { message: 'subscriptionId must be a Stripe subscription id (sub_…)' })
  subscriptionId!: string;
}

/** `POST /api/billing/subscriptions/{id}/cancel`, by the customer who owns it. */
export class CancelSubscriptionRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiPropertyOptional({ description: 'true (default): the plan runs to the period end (the trial end while trialing) and is not renewed; false: ends now', default: true })
  @IsOptional()
  @IsBoolean({ message: 'atPeriodEnd must be true or false' })
  atPeriodEnd?: boolean;
}

/** `POST /api/billing/subscriptions/{id}/change-plan`, by the customer who owns it. */
export class ChangePlanRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: 'Another plan of the domain (monthly ↔ annual, an upgrade); applies from the next invoice', example: 'builder_annual' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;
}

/** A subscription as billing knows it. */
export class SubscriptionResponse {
  @ApiProperty({ example: 'sub_1QxYz2AbCdEfGh' }) subscriptionId!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ example: 'starter_3' }) offeringId!: string;
  @ApiProperty({ enum: ['trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'] }) status!: SubscriptionStatus;
  @ApiProperty({ type: 'integer', description: 'Credits granted each paid (or trial) period' }) creditsPerPeriod!: number;
  @ApiProperty({ description: 'Unused plan credits roll over' }) rollover!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) trialEnd!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) currentPeriodStart!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) currentPeriodEnd!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Past due: plan credits usable until then' }) graceEndsAt!: string | null;
  @ApiProperty({ description: 'Grace over unpaid: plan credits refused with payment_past_due until a payment succeeds' }) planCreditsBlocked!: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: "When Stripe's trial-ends-in-3-days reminder arrived" }) trialWillEndAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) endedAt!: string | null;
}

/** The customer's subscriptions on the domain, newest first. */
export class SubscriptionListResponse {
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ type: [SubscriptionResponse] }) subscriptions!: SubscriptionResponse[];
}
