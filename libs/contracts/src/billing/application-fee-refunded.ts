import { IsString, Length } from 'class-validator';
import { NormalizedDomain } from '../normalize';
import { Currency, defineMessage, IntegerAtLeast, IsoTime, leniently } from '../message';

/**
 * `billing.events.application-fee-refunded.v1`: a money refund made on a connected account gave
 * back part of the platform's application fee (`refund_application_fee` true on the sale).
 * Stripe refunds the fee in proportion to the amount refunded
 * (https://docs.stripe.com/connect/direct-charges#issue-refunds): `applicationFeeRefundedMinor` =
 * round-half-up(sale fee × amountRefundedMinor / sale amount), integer minor units of `currency`.
 * Nats-Msg-Id `application-fee-refunded:<stripeRefundId>` (a retried refund publishes it again under
 * the same id). Analytics subtracts it from the domain's platform fee on the UTC day of `at`.
 */
export class ApplicationFeeRefundedV1 {
  @IsString() @Length(1, 200)
  refundRequestId!: string;

  @IsString() @Length(1, 200)
  stripeRefundId!: string;

  @IsString() @Length(1, 200)
  paymentIntentId!: string;

  @IsString() @Length(1, 200)
  connectedAccountId!: string;

  /** The domain that made the sale, normalised. */
  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @Currency()
  currency!: string;

  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountRefundedMinor!: number;

  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  applicationFeeRefundedMinor!: number;

  /** ISO-8601: when billing had the refund made. */
  @IsoTime()
  at!: string;
}

/** `billing.events.application-fee-refunded.v1`. */
export const ApplicationFeeRefundedMessage = defineMessage<ApplicationFeeRefundedV1>()({
  name: 'billing.events.application-fee-refunded.v1',
  kind: 'event',
  validate: leniently(ApplicationFeeRefundedV1),
});
