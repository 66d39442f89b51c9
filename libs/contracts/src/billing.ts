import { NormalizedEmail, NormalizedDomain } from './normalize';
import { IsEmail, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from './customer';

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

/**
 * `HandleStripeWebhook` command: the gateway forwards the raw body and the `Stripe-Signature`
 * header untouched; billing verifies the signature (it owns the webhook secret).
 */
export class HandleStripeWebhookCommand {
  /** Raw request body, base64, byte for byte as received (the signature covers the raw bytes). */
  @IsString()
  @MaxLength(1_500_000)
  payloadBase64!: string;

  @IsString()
  @MaxLength(4096)
  signature!: string;
}

/** What billing did with a webhook event. */
export interface HandleStripeWebhookResult {
  outcome: 'processed' | 'duplicate' | 'ignored';
  stripeEventId: string;
  type: string;
}

/**
 * `billing.events.payment-succeeded.v1`: a checkout for a credit pack was paid. Published with
 * `Nats-Msg-Id` = stripeEventId. The ledger turns it into `CreditsPurchased`, idempotent on the
 * Stripe event id and on the checkout session id.
 */
export interface PaymentSucceededV1 {
  stripeEventId: string;
  checkoutSessionId: string;
  paymentIntentId: string | null;
  domain: string;
  offeringId: string;
  email: string;
  credits: number;
  amountMinor: number;
  currency: string;
  scopeDomain: string | null;
  paidAt: string;
  /**
   * Stripe Connect: the connected account (`acct_…`) the checkout was a direct charge on, or null
   * for a platform sale. Credits bought so are scoped to that account's domains. Older messages
   * lack the field: parsers read missing as null (hence optional in the type;
   * producers always set it).
   */
  connectedAccountId?: string | null;
  /**
   * Stripe Connect: the platform's application fee on that charge, integer minor units in
   * `currency` (null on platform sales and in older messages).
   */
  applicationFeeMinor?: number | null;
}
