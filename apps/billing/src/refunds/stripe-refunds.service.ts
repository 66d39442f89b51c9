import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { ApplicationFeeRefundedV1, BillingEventSubjects, CreateStripeRefundCommand, CreateStripeRefundResult, Reply, replyOk, replyRefused } from '@credit-hub/contracts';
import { writeOutbox } from '@credit-hub/messaging';
import { accountRevoked, markDisconnected } from '../connect/connected-account.store';
import { ConnectedSale, ConnectedSales } from '../connect/connected-sales';
import { InjectStripe } from '../stripe/stripe.client';
import { onAccount } from '../stripe/stripe-account';

/**
 * Money refunds through Stripe, for the refunds service's saga (step `credits_removed →
 * stripe_refunded`). Billing keeps no state for them: the idempotency key is the refund request's
 * id, so the saga can repeat the call after any failure and Stripe refunds once (Stripe keeps
 * idempotency keys for 24 hours; the saga retries far sooner).
 *
 * Connect: a payment made on a connected domain (a direct charge on the builder's account, as
 * billing recorded the sale) is refunded on that account (`Stripe-Account`), with
 * `refund_application_fee` per the domain's policy: the platform's fee is given back in
 * proportion to the amount refunded (https://docs.stripe.com/connect/direct-charges#issue-refunds).
 * When Stripe no longer lets the platform act on that account (403 or `account_invalid`:
 * deauthorized, maybe with the webhook lost; a bare 401 is the platform's key, retried) the
 * refusal is final, `connected_account_disconnected` (the saga gives the credits back), and the account is marked disconnected
 * (`connected-account-updated.v1`, messageId `refund:<acct>:<version>`).
 * A refund that gives the fee back publishes `application-fee-refunded.v1` (the fee's share, see
 * `ApplicationFeeRefundedV1`) so analytics can take it off the platform fee.
 */
@Injectable()
export class StripeRefundsService {
  private readonly logger = new Logger('StripeRefunds');

  /** `sales` absent: every payment is the platform's (a Stripe-only test without billing's database). */
  constructor(
    @InjectStripe() private readonly stripe: Stripe,
    @Optional() private readonly sales?: ConnectedSales,
    @Optional() @InjectDataSource() private readonly dataSource?: DataSource,
  ) {}

  async createRefund(command: CreateStripeRefundCommand): Promise<Reply<CreateStripeRefundResult>> {
    const direct = await this.sales?.find(command.paymentIntentId);
    let refund: Stripe.Refund;
    try {
      refund = await this.stripe.refunds.create(
        {
          payment_intent: command.paymentIntentId, amount: command.amountMinor, reason: 'requested_by_customer', metadata: { refundRequestId: command.refundRequestId },
          ...(direct ? { refund_application_fee: direct.refundApplicationFee } : {}),
        },
        onAccount(direct?.accountId, { idempotencyKey: command.refundRequestId }),
      );
    } catch (error) {
      if (direct && accountRevoked(error)) {
        this.logger.warn(`Stripe refuses the platform ${direct.accountId} (${(error as Error).message}); refund ${command.refundRequestId} cannot be made there, the account is disconnected`);
        if (this.dataSource) await markDisconnected(this.dataSource, direct.accountId, 'refund');
        return replyRefused('connected_account_disconnected', `the builder's Stripe account ${direct.accountId} no longer lets the platform refund its payments (disconnected)`);
      }
      return refusalFor(error, command, this.logger);
    }
    if (refund.status === 'failed' || refund.status === 'canceled') {
      this.logger.warn(`Stripe refund ${refund.id} for ${command.refundRequestId} is ${refund.status}: ${refund.failure_reason ?? ''}`);
      return replyRefused('stripe_refund_refused', `Stripe's refund ${refund.id} is ${refund.status}${refund.failure_reason ? `: ${refund.failure_reason}` : ''}`);
    }
    if (refund.amount !== command.amountMinor || refund.currency !== command.currency) {
      // The same idempotency key with another amount is refused by Stripe; this is a Stripe-side surprise.
      this.logger.error(`Stripe refund ${refund.id} is ${refund.amount} ${refund.currency}, asked ${command.amountMinor} ${command.currency}`);
    }
    if (direct?.refundApplicationFee && direct.applicationFeeMinor > 0 && this.dataSource) {
      await this.publishFeeRefund(command, refund, direct, this.dataSource);
    }
    return replyOk({ stripeRefundId: refund.id, status: refund.status ?? 'pending', amountMinor: refund.amount, currency: refund.currency });
  }

  /** Writes `application-fee-refunded.v1` for a refund of a connected sale whose fee is given back. */
  private async publishFeeRefund(command: CreateStripeRefundCommand, refund: Stripe.Refund, sale: ConnectedSale, dataSource: DataSource): Promise<void> {
    const payload: ApplicationFeeRefundedV1 = {
      refundRequestId: command.refundRequestId, stripeRefundId: refund.id, paymentIntentId: command.paymentIntentId, connectedAccountId: sale.accountId,
      domain: sale.domain, currency: sale.currency, amountRefundedMinor: refund.amount,
      applicationFeeRefundedMinor: proportionalFee(sale.applicationFeeMinor, refund.amount, sale.amountMinor), at: new Date(refund.created * 1000).toISOString(),
    };
    await writeOutbox(dataSource, [{ messageId: `application-fee-refunded:${refund.id}`, subject: BillingEventSubjects.applicationFeeRefunded, payload }]);
  }
}

/**
 * The share of an application fee Stripe gives back with a refund of `refundedMinor` out of
 * `soldMinor`: round-half-up(fee × refunded / sold), integer arithmetic, at most the fee (Stripe
 * refunds the fee in proportion, https://docs.stripe.com/connect/direct-charges#issue-refunds).
 */
export function proportionalFee(feeMinor: number, refundedMinor: number, soldMinor: number): number {
  if (soldMinor <= 0 || feeMinor <= 0 || refundedMinor <= 0) return 0;
  const share = Number((2n * BigInt(feeMinor) * BigInt(refundedMinor) + BigInt(soldMinor)) / (2n * BigInt(soldMinor)));
  return Math.min(share, feeMinor);
}

/**
 * Stripe's answer as a refusal. A decline or an invalid request (nothing left to refund, unknown
 * payment) will not change on retry: `stripe_refund_refused`, and the saga compensates. An
 * idempotency error (the key was used with other parameters: the first request may have refunded)
 * will not change on retry either, and the money may have left: `stripe_refund_needs_operator`,
 * the saga parks the request for an operator (no retry, no compensation). Anything else may have
 * refunded or may succeed later: `stripe_unavailable`, and the saga asks again with the same key —
 * never compensate when the money may have left.
 */
function refusalFor(error: unknown, command: CreateStripeRefundCommand, logger: Logger): Reply<CreateStripeRefundResult> {
  if (!(error instanceof Stripe.errors.StripeError)) throw error;
  const what = `refund ${command.refundRequestId} of ${command.amountMinor} ${command.currency} on ${command.paymentIntentId}`;
  if (error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripeInvalidRequestError) {
    logger.warn(`Stripe refused ${what}: ${error.type} ${error.code ?? ''} ${error.message}`);
    return replyRefused('stripe_refund_refused', `Stripe refused the refund: ${error.message}`);
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    logger.error(`Stripe idempotency conflict for ${what}, an operator must check the payment in Stripe: ${error.message}`);
    return replyRefused('stripe_refund_needs_operator', `Stripe refused the refund's idempotency key (used with other parameters); an operator must check the payment: ${error.message}`);
  }
  logger.warn(`Stripe failed ${what}: ${error.type} ${error.message}`);
  return replyRefused('stripe_unavailable', `Stripe could not refund now: ${error.message}`);
}
