import { IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { SubscriptionView } from './subscription-model';
import { subscriptionIdPattern, offeringIdPattern, CustomerOnDomain } from './subscription-fields';

/**
 * `ChangePlan`: switch the subscription to another plan of the same domain (monthly ↔ annual, an
 * upgrade), by the customer who owns it. The new price and credits apply from the next invoice;
 * credits already granted stay as they are.
 */
export class ChangePlanCommand extends CustomerOnDomain {
  @IsString() @Matches(subscriptionIdPattern, { message: 'subscriptionId must be a Stripe subscription id (sub_…)' })
  subscriptionId!: string;

  @IsString() @Matches(offeringIdPattern, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;
}

/** `billing.commands.change-plan.v1`: request/reply. */
export const ChangePlanMessage = defineMessage<ChangePlanCommand, SubscriptionView>()({ name: 'billing.commands.change-plan.v1', kind: 'command', validate: strictly(ChangePlanCommand) });
