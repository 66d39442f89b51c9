import { IsIn, IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, IsoTime, leniently } from '../message';

/** `billing.events.checkout-created.v1`: a checkout session was created (conversion funnel). */
export class CheckoutCreatedV1 {
  @IsString() @Length(1, 200)
  checkoutSessionId!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  offeringId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @IsIn(['payment', 'subscription'])
  mode!: 'payment' | 'subscription';

  @IsoTime()
  createdAt!: string;
}

/** `billing.events.checkout-created.v1`. */
export const CheckoutCreatedMessage = defineMessage<CheckoutCreatedV1>()({ name: 'billing.events.checkout-created.v1', kind: 'event', validate: leniently(CheckoutCreatedV1) });
