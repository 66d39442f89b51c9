import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { BillingEventSubjects } from '@credit-hub/contracts';
import { writeOutbox } from '@credit-hub/messaging';
import { foreignDomainsRefusal, recordRefusal, sameAccount } from '../connect';
import { InjectStripe } from '../stripe/stripe.client';
import { accountLabel, onAccount } from '../stripe/stripe-account';
import { readId } from '../stripe/stripe-objects';
import { rememberCustomer } from '../subscriptions';
import { CheckoutSessionRow, decidePayment, paidPackSession } from './payment-succeeded';
import { Outcome, StripeEventHandler } from './stripe-event-handler';
import { VerifiedStripeEvent } from './webhook-verification';

/**
 * A paid credit-pack checkout (`mode: 'payment'`): completes billing's session row (with its
 * payment intent, which disputes and refunds are matched by later) and writes
 * `billing.events.payment-succeeded.v1` (messageId = Stripe event id). A session credited by an
 * earlier event (other id) is a `duplicate`. Connect: the event's account must be the one the
 * session was sold on (a session of another account, or of the platform, is refused: ignored).
 * A builder owns its connected account and can open sessions there itself with any metadata, so a
 * connected account's session is credited only when billing opened it (its `checkout_sessions`
 * row gives what was sold, never the metadata), and only when the payment intent, re-fetched on
 * the account, carries the application fee billing asked (`application_fee_amount`, minor units)
 * and names no domain of another account. Otherwise the event is ignored and the refusal recorded
 * on its inbox row (`stripe_events.refusal`).
 */
@Injectable()
export class PackPaymentHandler implements StripeEventHandler {
  private readonly logger = new Logger('PackPayment');
  readonly types = ['checkout.session.completed', 'checkout.session.async_payment_succeeded'] as const;

  constructor(@InjectStripe() private readonly stripe: Stripe) {}

  /** Whether the event is a pack payment (subscription-mode completions belong to the subscriptions handler). */
  accepts(event: VerifiedStripeEvent): boolean {
    return event.data.object['mode'] !== 'subscription';
  }

  async handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const session = paidPackSession(event);
    if (!session) return 'ignored';
    const rows: CheckoutSessionRow[] = await manager.query(
      `SELECT id, domain, offering_id, email, credits, amount_minor, currency, scope_domain, status, connected_account_id, application_fee_minor
         FROM checkout_sessions WHERE id = $1 FOR UPDATE`,
      [String(session['id'])],
    );
    const row = rows[0];
    if (row && !sameAccount(row.connected_account_id, event.account)) {
      return this.refuse(manager, event, `session ${row.id} was sold on ${accountLabel(row.connected_account_id)}, the event comes from ${accountLabel(event.account)}`);
    }
    if (event.account !== undefined && !row) {
      return this.refuse(manager, event, `session ${String(session['id'])} on ${event.account} was not opened by billing: a session the builder made on its own account is never credited`);
    }
    // Another event (other id) already credited this session, e.g. completed then async_payment_succeeded.
    if (row?.status === 'completed') return 'duplicate';
    if (event.account !== undefined && row) {
      const refusal = await this.feeRefusal(manager, event.account, readId(session['payment_intent']), row);
      if (refusal !== undefined) return this.refuse(manager, event, refusal);
    }
    const decision = decidePayment(event, session, row);
    if (!decision.ok) {
      this.logger.warn(`${event.type} ${event.id} for ${String(session['id'])} ignored: ${decision.why}`);
      return 'ignored';
    }
    if (decision.mismatches.length > 0) {
      this.logger.error(`${event.id}: Stripe session ${row?.id} disagrees with the sale; the sale wins: ${decision.mismatches.join('; ')}`);
    }
    const customerId = readId(session['customer']);
    if (row) {
      await manager.query(
        `UPDATE checkout_sessions SET status = 'completed', completed_at = to_timestamp($2), payment_intent_id = $3, customer_id = $4 WHERE id = $1`,
        [row.id, event.created, decision.payment.paymentIntentId, customerId],
      );
    }
    if (customerId) await rememberCustomer(manager, customerId, decision.payment.email);
    await writeOutbox(manager, [{ messageId: event.id, subject: BillingEventSubjects.paymentSucceeded, payload: decision.payment }]);
    return 'processed';
  }

  /**
   * Why a connected account's paid session must not be credited: its payment intent (re-fetched on
   * `account`) is missing, names a domain not connected to the account, or carries another
   * `application_fee_amount` than the row's fee (none and 0 are the same).
   * Throws Stripe's error when the re-fetch fails (the webhook answers `stripe_unavailable`).
   */
  private async feeRefusal(manager: EntityManager, account: string, paymentIntentId: string | null, row: CheckoutSessionRow): Promise<string | undefined> {
    if (paymentIntentId === null) return `session ${row.id} has no payment intent to check the application fee on`;
    const intent = await this.stripe.paymentIntents.retrieve(paymentIntentId, {}, onAccount(account));
    const foreign = await foreignDomainsRefusal(manager, account, intent as unknown as Record<string, unknown>);
    if (foreign !== undefined) return `payment intent ${paymentIntentId}: ${foreign}`;
    const charged = intent.application_fee_amount ?? 0;
    const asked = row.application_fee_minor ?? 0;
    return charged === asked ? undefined : `payment intent ${paymentIntentId} carries an application fee of ${charged}, billing asked ${asked}`;
  }

  private async refuse(manager: EntityManager, event: VerifiedStripeEvent, why: string): Promise<Outcome> {
    this.logger.warn(`${event.type} ${event.id} from ${accountLabel(event.account)} refused, no credits: ${why}`);
    await recordRefusal(manager, event, why);
    return 'ignored';
  }
}
