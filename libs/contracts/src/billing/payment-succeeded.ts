import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { Currency, defineMessage, IntegerAtLeast, IsoTime, leniently } from '../message';

/**
 * `billing.events.payment-succeeded.v1`: a checkout for a credit pack was paid. Published with
 * `Nats-Msg-Id` = stripeEventId. The ledger turns it into `CreditsPurchased`, idempotent on the
 * Stripe event id and on the checkout session id. Email and domains arrive normalised, the
 * currency lower-cased and `paidAt` in `toISOString()` form.
 */
export class PaymentSucceededV1 {
  @IsString() @Length(1, 300)
  stripeEventId!: string;

  @IsString() @Length(1, 200)
  checkoutSessionId!: string;

  /** Absent or not a string: null (a session without a payment intent). */
  @IsOptional() @IsString() @MaxLength(200)
  paymentIntentId!: string | null;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  offeringId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @IntegerAtLeast(1)
  credits!: number;

  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountMinor!: number;

  @Currency()
  currency!: string;

  /** Domain the lot may be spent on; null (or absent): anywhere in the portfolio. */
  @IsOptional() @NormalizedDomain() @IsString() @Length(1, 253)
  scopeDomain!: string | null;

  @IsoTime()
  paidAt!: string;

  /** Stripe Connect: the connected account (`acct_…`) the payment was made on; null (or absent, older messages): the platform. */
  @IsOptional() @IsString() @Matches(/^acct_[A-Za-z0-9]{1,100}$/, { message: 'connectedAccountId must be a Stripe account id (acct_…) or null' })
  connectedAccountId?: string | null = null;

  /** Stripe Connect: the platform's application fee, integer minor units of `currency`; null (or absent): none. */
  @IsOptional() @IntegerAtLeast(0)
  applicationFeeMinor?: number | null = null;
}

/** `billing.events.payment-succeeded.v1`. */
export const PaymentSucceededMessage = defineMessage<PaymentSucceededV1>()({
  name: 'billing.events.payment-succeeded.v1',
  kind: 'event',
  validate: (body, read) => {
    const parsed = leniently(PaymentSucceededV1)(body, read);
    if (parsed.ok) {
      parsed.value.paymentIntentId ??= null;
      parsed.value.scopeDomain ??= null;
      const fee = parsed.value.applicationFeeMinor;
      if (fee !== null && fee !== undefined && fee > parsed.value.amountMinor && (read === undefined || read.includes('applicationFeeMinor'))) {
        return { ok: false, refusal: { code: 'validation_failed', detail: 'applicationFeeMinor must be null or an integer from 0 to amountMinor', field: 'applicationFeeMinor' } };
      }
    }
    return parsed;
  },
});
