import { IsString, Length, MaxLength } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { Currency, defineMessage, IntegerAtLeast, IsoTime, leniently, Nullable } from '../message';

/** `billing.events.dispute-opened.v1`: a charge was disputed; the ledger freezes the account. */
export class DisputeOpenedV1 {
  @IsString() @Length(1, 200)
  disputeId!: string;

  @IsString() @Length(1, 200)
  chargeId!: string;

  @Nullable() @IsString() @Length(1, 200)
  paymentIntentId!: string | null;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountMinor!: number;

  @Currency()
  currency!: string;

  /** Stripe's dispute reason (`fraudulent`, `product_not_received`, …). */
  @IsString() @MaxLength(200)
  reason!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.dispute-opened.v1`. */
export const DisputeOpenedMessage = defineMessage<DisputeOpenedV1>()({ name: 'billing.events.dispute-opened.v1', kind: 'event', validate: leniently(DisputeOpenedV1) });
