import { IsString, Length } from 'class-validator';
import { NormalizedEmail } from '../normalize';
import { Currency, defineMessage, IntegerAtLeast, IsoTime, leniently } from '../message';

/**
 * `billing.events.charge-refunded-externally.v1`: a refund made outside this system (Stripe's
 * dashboard). The ledger removes the refunded share of that purchase's unused credits:
 * ceil(lot credits × refunded amount / lot amount), at most what is unused. Idempotent on `refundId`.
 */
export class ChargeRefundedExternallyV1 {
  @IsString() @Length(1, 200)
  refundId!: string;

  @IsString() @Length(1, 200)
  chargeId!: string;

  @IsString() @Length(1, 200)
  paymentIntentId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountRefundedMinor!: number;

  @Currency()
  currency!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.charge-refunded-externally.v1`. */
export const ChargeRefundedExternallyMessage = defineMessage<ChargeRefundedExternallyV1>()({
  name: 'billing.events.charge-refunded-externally.v1',
  kind: 'event',
  validate: leniently(ChargeRefundedExternallyV1),
});
