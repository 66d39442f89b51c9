import { IsIn, IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { Currency, defineMessage, IntegerAtLeast, IsoTime, leniently, Nullable } from '../message';
import { SubscriptionStatus, SubscriptionStatuses } from './subscription-changed';

/** `billing.events.payment-failed.v1`: an invoice payment failed. */
export class PaymentFailedV1 {
  @Nullable() @IsString() @Length(1, 200)
  subscriptionId!: string | null;

  @IsString() @Length(1, 200)
  invoiceId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountMinor!: number;

  @Currency()
  currency!: string;

  @Nullable() @IsIn(SubscriptionStatuses)
  status!: SubscriptionStatus | null;

  @IntegerAtLeast(0)
  attemptCount!: number;

  @Nullable() @IsoTime()
  graceEndsAt!: string | null;

  @IsoTime()
  at!: string;
}

/** `billing.events.payment-failed.v1`. */
export const PaymentFailedMessage = defineMessage<PaymentFailedV1>()({ name: 'billing.events.payment-failed.v1', kind: 'event', validate: leniently(PaymentFailedV1) });
