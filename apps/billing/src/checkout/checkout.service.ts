import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { writeOutbox } from '@credit-hub/messaging';
import {
  BillingEventSubjects,
  CheckoutCreatedV1,
  CreateCheckoutCommand,
  CreateCheckoutResult,
  ErrorCode,
  normalizeDomain,
  normalizeEmail,
  Reply,
  replyOk,
  replyRefused,
} from '@credit-hub/contracts';
import { CatalogService, SellableOffering } from '../catalog';
import { ConnectedDomainRow, connectedDomain, packApplicationFeeMinor, planApplicationFeePercent } from '../connect';
import { InjectStripe } from '../stripe/stripe.client';
import { accountLabel, onAccount } from '../stripe/stripe-account';
import { StripeClock } from '../stripe/stripe-clock';
import { disputesBeforeBlockMax, disputeWindowSeconds } from '../disputes';

/**
 * Refusal of a checkout by a customer with more than 3 disputes in 6 months (403). Not in the
 * contracts' closed list yet (libs/contracts/src/errors.ts is the lead's); until it is added there
 * the gateway cannot map it and answers 500.
 */
export const checkoutBlockedCode = 'checkout_blocked' as ErrorCode;

/**
 * Stripe metadata billing writes on every checkout session and its payment intent. Values are
 * strings (Stripe metadata is string-only); the webhook reads the purchase back from them, so a
 * later catalog change never alters what was bought.
 */
export interface CheckoutMetadata {
  domain: string;
  offeringId: string;
  /** Normalised customer email (trimmed, lower-cased). */
  email: string;
  /** Credits bought, decimal integer. */
  credits: string;
  /** Price paid for the pack, integer minor units of `currency`, decimal. */
  amountMinor: string;
  currency: string;
  /** Present only when the credits are restricted to one domain. */
  scopeDomain?: string;
  /** Plans only: `plan`, the billing interval, trial days and whether credits roll over (`true`/`false`). */
  kind?: 'plan';
  interval?: string;
  trialDays?: string;
  rollover?: string;
}

/**
 * Opens hosted Stripe Checkout sessions: `mode: 'payment'` for credit packs, `mode: 'subscription'`
 * for plans (with the plan's trial days; a card is collected up front even with a trial). The page
 * shows the domain's brand and checkout text. Refusals are returned, in this order:
 * `offering_not_found` (unknown or inactive domain/offering), `checkout_blocked` (the customer had
 * more than 3 disputes in 6 months, anywhere in the portfolio), `connected_account_disconnected` /
 * `connected_account_not_ready` (409: the domain's connected Stripe account cannot take payments;
 * a ready one gets a direct charge on that account), `stripe_unavailable` (Stripe failed
 * or could not be reached; retryable).
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('Checkout');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: CatalogService,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly clock: StripeClock,
  ) {}

  /** Creates the Stripe session and records what is being sold; answers the hosted checkout URL. */
  async createCheckout(command: CreateCheckoutCommand): Promise<Reply<CreateCheckoutResult>> {
    const domain = normalizeDomain(command.domain);
    const offering = await this.catalog.findSellable(domain, command.offeringId);
    if (!offering) {
      return replyRefused('offering_not_found', `${domain} has no offering ${command.offeringId}`, 'offeringId');
    }
    const email = normalizeEmail(command.email);
    const disputes = await this.recentDisputes(email);
    if (disputes > disputesBeforeBlockMax) {
      return replyRefused(checkoutBlockedCode, `${email} had ${disputes} payment disputes in the last 6 months; new checkouts are blocked`, 'email');
    }
    const connect = await connectedDomain(this.dataSource, domain);
    const connectRefusal = connectRefusalOf(domain, connect);
    if (connectRefusal) return connectRefusal;
    const direct = connect?.account_id ? { accountId: connect.account_id, bps: connect.application_fee_bps, refundApplicationFee: connect.refund_application_fee } : undefined;
    const feeMinor = direct && offering.kind !== 'plan' ? packApplicationFeeMinor(offering.amountMinor, direct.bps) : null;
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(sessionParams(offering, email, command, direct), onAccount(direct?.accountId));
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      this.logger.warn(`Stripe refused or failed checkout for ${domain}/${offering.offeringId} on ${accountLabel(direct?.accountId)}: ${error.type} ${error.message}`);
      return replyRefused('stripe_unavailable', `Stripe could not create the checkout session: ${error.message}`);
    }
    if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);
    const plan = offering.kind === 'plan' ? offering : undefined;
    // The session row and `billing.events.checkout-created.v1` (the conversion funnel's first
    // step) in one transaction.
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO checkout_sessions (id, domain, offering_id, email, credits, amount_minor, currency, scope_domain, mode, interval, trial_days, rollover, checkout_message,
           connected_account_id, application_fee_minor, application_fee_bps, refund_application_fee)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        [
          session.id, offering.domain, offering.offeringId, email, offering.credits, offering.amountMinor, offering.currency, offering.scopeDomain,
          plan ? 'subscription' : 'payment', plan?.interval ?? null, plan?.trialDays ?? null, plan?.rollover ?? null, offering.checkoutMessage,
          direct?.accountId ?? null, feeMinor, direct?.bps ?? null, direct?.refundApplicationFee ?? null,
        ],
      );
      const created: CheckoutCreatedV1 = {
        checkoutSessionId: session.id, domain: offering.domain, offeringId: offering.offeringId, email,
        mode: plan ? 'subscription' : 'payment', createdAt: new Date(session.created * 1000).toISOString(),
      };
      await writeOutbox(manager, [{ messageId: `checkout-created:${session.id}`, subject: BillingEventSubjects.checkoutCreated, payload: created }]);
    });
    return replyOk({ checkoutUrl: session.url, sessionId: session.id });
  }

  /** Disputes the customer opened within the last 6 months of Stripe's clock, across the portfolio. */
  private async recentDisputes(email: string): Promise<number> {
    const since = (await this.clock.nowSeconds()) - disputeWindowSeconds;
    const [row]: { n: number }[] = await this.dataSource.query(
      'SELECT count(*)::int AS n FROM disputes WHERE email = $1 AND stripe_created >= to_timestamp($2)',
      [email, since],
    );
    return row?.n ?? 0;
  }
}

/** The metadata of a checkout for `offering` bought by `email` (normalised). */
export function checkoutMetadata(offering: SellableOffering, email: string): CheckoutMetadata {
  const metadata: CheckoutMetadata = {
    domain: offering.domain,
    offeringId: offering.offeringId,
    email,
    credits: String(offering.credits),
    amountMinor: String(offering.amountMinor),
    currency: offering.currency,
  };
  if (offering.scopeDomain !== null) metadata.scopeDomain = offering.scopeDomain;
  if (offering.kind === 'plan') {
    Object.assign(metadata, { kind: 'plan', interval: offering.interval, trialDays: String(offering.trialDays), rollover: String(offering.rollover) });
  }
  return metadata;
}

/**
 * Refusal of a checkout on a connected domain whose account cannot take payments:
 * `connected_account_disconnected` (the builder deauthorized the platform) or
 * `connected_account_not_ready` (onboarding not finished, or Stripe restricted the account).
 * Undefined for a domain that sells on the platform or whose account is ready.
 */
export function connectRefusalOf(domain: string, connect: ConnectedDomainRow | undefined): Reply<never> | undefined {
  if (!connect?.account_id) return undefined;
  if (connect.status === 'disconnected') {
    return replyRefused('connected_account_disconnected', `${domain}'s Stripe account ${connect.account_id} was disconnected; the builder must connect it again`, 'domain');
  }
  if (connect.status !== 'ready') {
    return replyRefused('connected_account_not_ready', `${domain}'s Stripe account ${connect.account_id} is ${connect.status ?? 'unknown'}: charges are not enabled yet`, 'domain');
  }
  return undefined;
}

/**
 * Stripe's Checkout parameters. On a connected domain (`direct`) the session is a direct charge on
 * the builder's account (the caller passes `Stripe-Account`) with the platform's fee: packs
 * `payment_intent_data.application_fee_amount` = floor(amount × bps / 10 000), plans
 * `subscription_data.application_fee_percent` = bps / 100 (https://docs.stripe.com/connect/direct-charges,
 * https://docs.stripe.com/connect/subscriptions). A fee of 0 is left out.
 */
function sessionParams(offering: SellableOffering, email: string, command: CreateCheckoutCommand, direct?: { accountId: string; bps: number }): Stripe.Checkout.SessionCreateParams {
  const metadata = { ...checkoutMetadata(offering, email) };
  const bps = direct?.bps ?? 0;
  const common = {
    customer_email: email,
    metadata,
    success_url: command.successUrl,
    cancel_url: command.cancelUrl,
    custom_text: { submit: { message: offering.checkoutMessage } },
  };
  if (offering.kind === 'plan') {
    return {
      ...common,
      mode: 'subscription',
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: offering.currency,
            unit_amount: offering.amountMinor,
            recurring: { interval: offering.interval },
            product_data: { name: `${offering.displayName}: ${offering.credits} credits every ${offering.interval}` },
          },
        },
      ],
      // No card, no trial (seed 001): Stripe collects and verifies the card even when nothing is due today.
      payment_method_collection: 'always',
      subscription_data: {
        metadata,
        ...(offering.trialDays > 0 ? { trial_period_days: offering.trialDays } : {}),
        ...(bps > 0 ? { application_fee_percent: planApplicationFeePercent(bps) } : {}),
      },
    };
  }
  return {
    ...common,
    mode: 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: offering.currency,
          unit_amount: offering.amountMinor,
          product_data: { name: `${offering.displayName}: ${offering.credits} credits` },
        },
      },
    ],
    payment_intent_data: { metadata, ...(bps > 0 ? { application_fee_amount: packApplicationFeeMinor(offering.amountMinor, bps) } : {}) },
  };
}
