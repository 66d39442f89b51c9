import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import {
  BillingEventSubjects,
  HandleStripeWebhookCommand,
  HandleStripeWebhookResult,
  Reply,
  replyOk,
} from '@credit-hub/contracts';
import { writeOutbox } from '@credit-hub/messaging';
import { BillingConfig } from '../billing.config';
import { InjectStripe } from '../stripe/stripe.client';
import { CheckoutSessionRow, decidePayment, paidPackSession } from './payment-succeeded';
import { VerifiedStripeEvent, verifyWebhook } from './webhook-verification';

type Outcome = HandleStripeWebhookResult['outcome'];

/**
 * Handles Stripe webhooks forwarded by the gateway: verify (signature, timestamp ±300 s, payload),
 * then in ONE transaction record the event id in `stripe_events` (the inbox: a second delivery of
 * the same event is a `duplicate` with no effect) and, for a paid credit-pack checkout, mark the
 * session completed and write `billing.events.payment-succeeded.v1` to the outbox with
 * messageId = Stripe event id. Every other event type is recorded as `ignored` and acknowledged.
 * Refusals are returned (`webhook_signature_invalid`, `webhook_timestamp_out_of_tolerance`,
 * `webhook_payload_invalid`, `validation_failed`), never thrown; nothing is written for them.
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger('StripeWebhook');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly config: BillingConfig,
  ) {}

  async handle(command: HandleStripeWebhookCommand): Promise<Reply<HandleStripeWebhookResult>> {
    const raw = Buffer.from(command.payloadBase64, 'base64');
    const verified = verifyWebhook(this.stripe.webhooks, raw, command.signature, this.config.STRIPE_WEBHOOK_SECRET, Date.now());
    if (!verified.ok) return verified;
    const event = verified.event;
    const outcome = await this.dataSource.transaction((manager) => this.record(manager, event));
    return replyOk({ outcome, stripeEventId: event.id, type: event.type });
  }

  /** The transaction: claim the event id, then apply its effect, if any. */
  private async record(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    // A concurrent delivery of the same id blocks here until this transaction ends, then sees the row.
    const claimed: unknown[] = await manager.query(
      `INSERT INTO stripe_events (stripe_event_id, type, outcome) VALUES ($1, $2, 'ignored')
       ON CONFLICT (stripe_event_id) DO NOTHING RETURNING 1`,
      [event.id, event.type],
    );
    if (claimed.length === 0) return 'duplicate';
    const outcome = await this.applyPayment(manager, event);
    if (outcome !== 'ignored') {
      await manager.query('UPDATE stripe_events SET outcome = $2 WHERE stripe_event_id = $1', [event.id, outcome]);
    }
    return outcome;
  }

  /** For a paid pack checkout: completes the session row and writes the outbox message. */
  private async applyPayment(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const session = paidPackSession(event);
    if (!session) return 'ignored';
    const rows: CheckoutSessionRow[] = await manager.query(
      `SELECT id, domain, offering_id, email, credits, amount_minor, currency, scope_domain, status
         FROM checkout_sessions WHERE id = $1 FOR UPDATE`,
      [String(session['id'])],
    );
    const row = rows[0];
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
    if (row) {
      await manager.query(
        `UPDATE checkout_sessions SET status = 'completed', completed_at = to_timestamp($2) WHERE id = $1`,
        [row.id, event.created],
      );
    }
    await writeOutbox(manager, [
      { messageId: event.id, subject: BillingEventSubjects.paymentSucceeded, payload: decision.payment },
    ]);
    return 'processed';
  }
}
