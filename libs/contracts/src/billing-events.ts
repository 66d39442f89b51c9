/**
 * Events billing publishes on stream BILLING (through its outbox, `Nats-Msg-Id` = the Stripe event
 * id, or `<stripe event id>:<suffix>` when one Stripe event yields several messages). The ledger
 * turns the credit-relevant ones into ledger events; analytics and outgoing webhooks read all.
 * Money is integer minor units + lower-case ISO 4217 currency; times are ISO-8601.
 */

/** `billing.events.checkout-created.v1`: a checkout session was created (conversion funnel). */
export interface CheckoutCreatedV1 {
  checkoutSessionId: string;
  domain: string;
  offeringId: string;
  email: string;
  mode: 'payment' | 'subscription';
  createdAt: string;
}

/**
 * `billing.events.plan-credits-granted.v1`: a subscription period was paid for (or started with a
 * trial): the ledger grants `credits` (a `CreditsGranted` with source `plan`, idempotent on
 * `grantId` = `plan:<subscriptionId>:<periodStart>`), expiring at `expiresAt` (null: rolls over).
 */
export interface PlanCreditsGrantedV1 {
  stripeEventId: string;
  grantId: string;
  subscriptionId: string;
  invoiceId: string | null;
  email: string;
  domain: string;
  offeringId: string;
  credits: number;
  periodStart: string;
  periodEnd: string;
  expiresAt: string | null;
  grantedAt: string;
  /**
   * Stripe Connect: the connected account (`acct_…`) the subscription is billed on, or null on
   * the platform. The granted credits are scoped to that account's domains. Older messages lack
   * the field: parsers read missing as null.
   */
  connectedAccountId: string | null;
}

/** `billing.events.plan-credits-blocked.v1` / `…-unblocked.v1`: a plan's credits blocked after its payment grace / usable again. */
export interface PlanCreditsBlockV1 {
  subscriptionId: string;
  email: string;
  domain: string;
  reason: string;
  at: string;
}

/** Subscription statuses as Stripe names them. */
export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'paused';

/** `billing.events.subscription-changed.v1`: status, period or plan of a subscription changed (entitlements, analytics). */
export interface SubscriptionChangedV1 {
  subscriptionId: string;
  email: string;
  domain: string;
  offeringId: string;
  status: SubscriptionStatus;
  previousStatus: SubscriptionStatus | null;
  trialEnd: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  /** End of the payment grace when past due, else null. */
  graceEndsAt: string | null;
  at: string;
}

/** `billing.events.trial-will-end.v1`: Stripe's reminder, 3 days before a trial converts. */
export interface TrialWillEndV1 {
  subscriptionId: string;
  email: string;
  domain: string;
  trialEnd: string;
  at: string;
}

/** `billing.events.payment-failed.v1`: an invoice payment failed. */
export interface PaymentFailedV1 {
  subscriptionId: string | null;
  invoiceId: string;
  email: string;
  domain: string;
  amountMinor: number;
  currency: string;
  status: SubscriptionStatus | null;
  attemptCount: number;
  graceEndsAt: string | null;
  at: string;
}

/** `billing.events.dispute-opened.v1`: a charge was disputed; the ledger freezes the account. */
export interface DisputeOpenedV1 {
  disputeId: string;
  chargeId: string;
  paymentIntentId: string | null;
  email: string;
  domain: string;
  amountMinor: number;
  currency: string;
  reason: string;
  at: string;
}

/** `billing.events.dispute-closed.v1`: won → the ledger unfreezes; lost → it claws the purchase back, then unfreezes. */
export interface DisputeClosedV1 {
  disputeId: string;
  chargeId: string;
  paymentIntentId: string | null;
  email: string;
  domain: string;
  outcome: 'won' | 'lost';
  at: string;
}

/**
 * `billing.events.charge-refunded-externally.v1`: a refund made outside this system (Stripe's
 * dashboard). The ledger removes the refunded share of that purchase's unused credits:
 * ceil(lot credits × refunded amount / lot amount), at most what is unused. Idempotent on `refundId`.
 */
export interface ChargeRefundedExternallyV1 {
  refundId: string;
  chargeId: string;
  paymentIntentId: string;
  email: string;
  amountRefundedMinor: number;
  currency: string;
  at: string;
}

/** State of a Stripe Connect account as the hub sees it. */
export type ConnectedAccountStatus = 'onboarding' | 'ready' | 'restricted' | 'disconnected';

/**
 * `billing.events.connected-account-updated.v1`: a connected Stripe account (a "builder") was
 * created, changed (`account.updated`: `charges_enabled`, `details_submitted`, requirements) or
 * disconnected (`account.application.deauthorized`). Published through billing's outbox with
 * `Nats-Msg-Id` = the Stripe event id, or `onboarding:<accountId>:<n>`. The ledger keeps the
 * domain → account mapping from it (kept after a disconnection) to check scoped credits.
 * Model: https://docs.stripe.com/connect/webhooks
 */
export interface ConnectedAccountUpdatedV1 {
  accountId: string;
  /** Every domain now connected to the account, normalised. */
  domains: string[];
  status: ConnectedAccountStatus;
  chargesEnabled: boolean;
  detailsSubmitted: boolean;
  /** ISO-8601. */
  at: string;
}

/**
 * `billing.events.application-fee-refunded.v1`: a money refund made on a connected account gave
 * back part of the platform's application fee (`refund_application_fee` true on the sale).
 * Stripe refunds the fee in proportion to the amount refunded
 * (https://docs.stripe.com/connect/direct-charges#issue-refunds): `applicationFeeRefundedMinor` =
 * round-half-up(sale fee × amountRefundedMinor / sale amount), integer minor units of `currency`.
 * Nats-Msg-Id `application-fee-refunded:<stripeRefundId>` (a retried refund publishes it again under
 * the same id). Analytics subtracts it from the domain's platform fee on the UTC day of `at`.
 */
export interface ApplicationFeeRefundedV1 {
  refundRequestId: string;
  stripeRefundId: string;
  paymentIntentId: string;
  connectedAccountId: string;
  /** The domain that made the sale, normalised. */
  domain: string;
  currency: string;
  amountRefundedMinor: number;
  applicationFeeRefundedMinor: number;
  /** ISO-8601: when billing had the refund made. */
  at: string;
}
