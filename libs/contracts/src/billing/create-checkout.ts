import { IsEmail, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';

/** `CreateCheckout` command, request/reply on `billing.commands.create-checkout.v1` (the seed's `createCheckout`). */
export class CreateCheckoutCommand {
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;

  @NormalizedEmail()
  @IsEmail()
  @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(Limits.urlLengthMax)
  successUrl!: string;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(Limits.urlLengthMax)
  cancelUrl!: string;
}

/** Answer to CreateCheckout: the hosted Stripe Checkout URL and the session id (`cs_…`). */
export interface CreateCheckoutResult {
  checkoutUrl: string;
  sessionId: string;
}

/** `billing.commands.create-checkout.v1`: request/reply, queue group `billing`. */
export const CreateCheckoutMessage = defineMessage<CreateCheckoutCommand, CreateCheckoutResult>()({ name: 'billing.commands.create-checkout.v1', kind: 'command', validate: strictly(CreateCheckoutCommand) });
