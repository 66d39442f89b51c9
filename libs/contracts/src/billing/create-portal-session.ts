import { IsUrl, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { BillingPortalSessionResult } from './subscription-model';
import { urlOptions, CustomerOnDomain } from './subscription-fields';

/** `CreateBillingPortalSession`: a Stripe billing portal session for the customer's own subscriptions. */
export class CreateBillingPortalSessionCommand extends CustomerOnDomain {
  @IsUrl(urlOptions, { message: 'returnUrl must be an http(s) URL' }) @MaxLength(Limits.urlLengthMax)
  returnUrl!: string;
}

/** `billing.commands.create-portal-session.v1`: request/reply. */
export const CreateBillingPortalSessionMessage = defineMessage<CreateBillingPortalSessionCommand, BillingPortalSessionResult>()({ name: 'billing.commands.create-portal-session.v1', kind: 'command', validate: strictly(CreateBillingPortalSessionCommand) });
