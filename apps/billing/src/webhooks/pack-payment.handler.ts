import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BillingEventSubjects } from '@credit-hub/contracts';
import { writeOutbox } from '@credit-hub/messaging';
import { sameAccount } from '../connect';
import { accountLabel } from '../stripe/stripe-account';
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
 */
@Injectable()
export class PackPaymentHandler implements StripeEventHandler {
  private readonly logger = new Logger('PackPayment');
  readonly types = ['checkout.session.completed', 'checkout.session.async_payment_succeeded'] as const;

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
      this.logger.warn(`${event.id}: session ${row.id} was sold on ${accountLabel(row.connected_account_id)}, the event comes from ${accountLabel(event.account)}; refused`);
      return 'ignored';
    }
    // Another event (other id) already credited this session, e.g. completed then async_payment_succeeded.
    if (row?.status === 'completed') return 'duplicate';
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
}
