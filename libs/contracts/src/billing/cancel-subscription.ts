import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { SubscriptionView } from './subscription-model';
import { subscriptionIdPattern, CustomerOnDomain } from './subscription-fields';

/**
 * `CancelSubscription`: by the customer who owns it (another email or domain: `not_found`).
 * `atPeriodEnd` (default true): the plan runs to the end of the period (the trial end while
 * trialing) and is not renewed; false ends it now. Idempotent: cancelling twice answers the same.
 */
export class CancelSubscriptionCommand extends CustomerOnDomain {
  @IsString() @Matches(subscriptionIdPattern, { message: 'subscriptionId must be a Stripe subscription id (sub_…)' })
  subscriptionId!: string;

  @IsOptional() @IsBoolean()
  atPeriodEnd?: boolean;
}

/** `billing.commands.cancel-subscription.v1`: request/reply. */
export const CancelSubscriptionMessage = defineMessage<CancelSubscriptionCommand, SubscriptionView>()({ name: 'billing.commands.cancel-subscription.v1', kind: 'command', validate: strictly(CancelSubscriptionCommand) });
