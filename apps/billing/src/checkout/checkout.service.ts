import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import {
  CreateCheckoutCommand,
  CreateCheckoutResult,
  normalizeDomain,
  normalizeEmail,
  Reply,
  replyOk,
  replyRefused,
} from '@credit-hub/contracts';
import { CatalogService, SellableOffering } from '../catalog/catalog.service';
import { InjectStripe } from '../stripe/stripe.client';

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
}

/**
 * Opens hosted Stripe Checkout sessions for credit packs (`mode: 'payment'`). Refusals are
 * returned: `offering_not_found` (unknown or inactive domain/offering), `stripe_unavailable`
 * (Stripe failed or could not be reached; retryable).
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('Checkout');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: CatalogService,
    @InjectStripe() private readonly stripe: Stripe,
  ) {}

  /** Creates the Stripe session and records what is being sold; answers the hosted checkout URL. */
  async createCheckout(command: CreateCheckoutCommand): Promise<Reply<CreateCheckoutResult>> {
    const domain = normalizeDomain(command.domain);
    const offering = await this.catalog.findSellable(domain, command.offeringId);
    if (!offering) {
      return replyRefused('offering_not_found', `${domain} has no offering ${command.offeringId}`, 'offeringId');
    }
    const email = normalizeEmail(command.email);
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(sessionParams(offering, email, command));
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      this.logger.warn(`Stripe refused or failed checkout for ${domain}/${offering.offeringId}: ${error.type} ${error.message}`);
      return replyRefused('stripe_unavailable', `Stripe could not create the checkout session: ${error.message}`);
    }
    if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);
    await this.dataSource.query(
      `INSERT INTO checkout_sessions (id, domain, offering_id, email, credits, amount_minor, currency, scope_domain)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [session.id, offering.domain, offering.offeringId, email, offering.credits, offering.amountMinor, offering.currency, offering.scopeDomain],
    );
    return replyOk({ checkoutUrl: session.url, sessionId: session.id });
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
  return metadata;
}

function sessionParams(offering: SellableOffering, email: string, command: CreateCheckoutCommand): Stripe.Checkout.SessionCreateParams {
  const metadata = { ...checkoutMetadata(offering, email) };
  return {
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
    customer_email: email,
    metadata,
    payment_intent_data: { metadata },
    success_url: command.successUrl,
    cancel_url: command.cancelUrl,
    custom_text: { submit: { message: offering.checkoutMessage } },
  };
}
