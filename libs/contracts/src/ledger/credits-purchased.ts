import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { Currency, IntegerAtLeast, IsoTime, Nullable } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `CreditsPurchased` v1: a paid lot arrived from a Stripe payment. */
export class CreditsPurchasedV1 {
  @IsString() @Length(1, 200)
  lotId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  /** Domain that sold the offering. */
  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  offeringId!: string;

  @IntegerAtLeast(1)
  credits!: number;

  /** Total paid for the lot, integer minor units of `currency`; unit price = amountMinor / credits. */
  @IntegerAtLeast(0)
  amountMinor!: number;

  /** ISO 4217, lower-case as Stripe writes it (`usd`). */
  @Currency()
  currency!: string;

  @IsString() @Length(1, 300)
  stripeEventId!: string;

  @IsString() @Length(1, 200)
  checkoutSessionId!: string;

  @Nullable() @IsString() @MaxLength(200)
  paymentIntentId!: string | null;

  /** Domain the lot may be spent on; null: anywhere in the portfolio. */
  @Nullable() @NormalizedDomain() @IsString() @Length(1, 253)
  scopeDomain!: string | null;

  /**
   * Stripe Connect: the connected account (`acct_…`) the money went to; the lot may be spent only
   * on domains connected to that account. Absent (events before Connect, and platform sales): null,
   * spendable as `scopeDomain` says.
   */
  @IsOptional() @IsString() @Length(1, 200)
  scopeAccount?: string | null;

  /**
   * Stripe Connect: the platform's application fee kept from `amountMinor` (integer minor units,
   * same currency), present with `scopeAccount`; absent: none (a platform sale, or an older event).
   */
  @IsOptional() @IntegerAtLeast(0)
  applicationFeeMinor?: number | null;

  /** ISO-8601 time the lot expires; null: never. */
  @Nullable() @IsoTime()
  expiresAt!: string | null;

  @IsoTime()
  purchasedAt!: string;
}

/** `ledger.events.credits-purchased.v1`. */
export const CreditsPurchasedMessage = ledgerEventMessage('ledger.events.credits-purchased.v1', 'CreditsPurchased', CreditsPurchasedV1);
