import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { HandleStripeWebhookCommand, HandleStripeWebhookResult, Reply, replyOk, replyRefused } from '@credit-hub/contracts';
import { BillingConfig } from '../billing.config';
import { InjectStripe } from '../stripe/stripe.client';
import { ChargeRefundedHandler } from './charge-refunded.handler';
import { DisputeEventsHandler } from './dispute-events.handler';
import { PackPaymentHandler } from './pack-payment.handler';
import { Outcome, StripeEventHandler } from './stripe-event-handler';
import { SubscriptionEventsHandler } from './subscription-events.handler';
import { VerifiedStripeEvent, verifyWebhook } from './webhook-verification';
import { accountRevoked, crossAccountRefusal, markDisconnected } from '../connect';

/** Where an event came from: a signed delivery, or reconciliation's listing of Stripe's events. */
export type EventSource = 'webhook' | 'reconcile';

/** A handler as the dispatcher sees it: `accepts` picks between handlers of one type (checkout mode). */
interface Routed {
  accepts?(event: VerifiedStripeEvent): boolean;
  handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome>;
}

/**
 * Handles Stripe webhooks forwarded by the gateway: verify (signature, timestamp ±300 s, payload),
 * then in ONE transaction record the event id in `stripe_events` (the inbox: a second delivery of
 * the same event is a `duplicate` with no effect), apply the effect of its type and write its
 * messages to the outbox (messageId = the Stripe event id, or `<id>:<suffix>`).
 *
 * Types handled: checkout.session.completed and .async_payment_succeeded (packs and plans),
 * customer.subscription.created / updated / deleted / trial_will_end, invoice.payment_succeeded,
 * invoice.payment_failed, charge.dispute.created / updated / closed, charge.refunded. Any other
 * type is recorded as `ignored`, logged and acknowledged (never retried).
 *
 * Refusals are returned (`webhook_signature_invalid`, `webhook_timestamp_out_of_tolerance`,
 * `webhook_payload_invalid`, `validation_failed`), never thrown; nothing is written for them.
 * When Stripe cannot be reached for a re-fetch, nothing is written either and the answer is
 * `stripe_unavailable` (502): Stripe delivers the event again later. When Stripe refuses the
 * platform the event's connected account on the re-fetch (403 or `account_invalid`: it was
 * deauthorized), no retry can succeed: the event is recorded as refused (`ignored`, reason in
 * `stripe_events.refusal`) and the account marked disconnected (`connected-account-updated.v1`).
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger('StripeWebhook');
  private readonly routes = new Map<string, Routed[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly config: BillingConfig,
    packs: PackPaymentHandler,
    subscriptions: SubscriptionEventsHandler,
    disputes: DisputeEventsHandler,
    refunds: ChargeRefundedHandler,
  ) {
    for (const handler of [packs, subscriptions, disputes, refunds]) this.register(handler);
  }

  /**
   * Adds a handler for its `types`, after those already registered for a type (the first whose
   * `accepts` is true, or that has none, handles an event). Features outside this folder plug their
   * handlers in from their module's `onModuleInit` (Connect's `account.*` events), so the intake
   * never imports them.
   */
  register(handler: StripeEventHandler & Routed): void {
    for (const type of handler.types) this.routes.set(type, [...(this.routes.get(type) ?? []), handler]);
  }

  /** Event types with a handler (the rest are acknowledged as ignored). */
  get handledTypes(): string[] {
    return [...this.routes.keys()].sort();
  }

  /** The platform endpoint: events of the platform's own account (an event carrying `account` is recorded and ignored). */
  async handle(command: HandleStripeWebhookCommand): Promise<Reply<HandleStripeWebhookResult>> {
    const raw = Buffer.from(command.payloadBase64, 'base64');
    const verified = verifyWebhook(this.stripe.webhooks, raw, command.signature, this.config.STRIPE_WEBHOOK_SECRET, Date.now());
    if (!verified.ok) return verified;
    return this.process({ ...verified.event, account: undefined }, 'webhook', verified.event.account ? 'a connected account\'s event sent to the platform endpoint' : undefined);
  }

  /**
   * The Connect endpoint (https://docs.stripe.com/connect/webhooks): events of connected accounts,
   * signed with `STRIPE_CONNECT_WEBHOOK_SECRET` (unset: every delivery is refused as
   * `webhook_signature_invalid`). The event must carry `account` (`webhook_payload_invalid`
   * otherwise). It is deduplicated per (account, event id) and may affect only that account's
   * domains: see `crossAccountRefusal`.
   */
  async handleConnect(command: HandleStripeWebhookCommand): Promise<Reply<HandleStripeWebhookResult>> {
    const secret = this.config.STRIPE_CONNECT_WEBHOOK_SECRET;
    if (secret === undefined) return replyRefused('webhook_signature_invalid', 'this hub has no Connect webhook secret configured', 'signature');
    const raw = Buffer.from(command.payloadBase64, 'base64');
    const verified = verifyWebhook(this.stripe.webhooks, raw, command.signature, secret, Date.now());
    if (!verified.ok) return verified;
    if (typeof verified.event.account !== 'string') return replyRefused('webhook_payload_invalid', 'a Connect event must name its connected account (account: acct_…)');
    return this.process(verified.event, 'webhook');
  }

  /** Applies one event exactly once (also used by reconciliation for events never delivered). */
  async process(event: VerifiedStripeEvent, source: EventSource, refused?: string): Promise<Reply<HandleStripeWebhookResult>> {
    try {
      const outcome = await this.dataSource.transaction((manager) => this.record(manager, event, source, refused));
      return replyOk({ outcome, stripeEventId: event.id, type: event.type });
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      if (event.account !== undefined && accountRevoked(error)) return this.refuseRevoked(event, source, error);
      this.logger.warn(`${event.type} ${event.id} not handled, Stripe failed a re-fetch (${error.type} ${error.message}); Stripe will deliver it again`);
      return replyRefused('stripe_unavailable', `Stripe could not be reached to handle ${event.id}: ${error.message}`);
    }
  }

  /** Records an event whose account Stripe no longer lets the platform read, and disconnects the account. */
  private async refuseRevoked(event: VerifiedStripeEvent, source: EventSource, error: InstanceType<typeof Stripe.errors.StripeError>): Promise<Reply<HandleStripeWebhookResult>> {
    const refusal = `Stripe refuses the platform ${event.account} on the re-fetch (${error.code ?? error.type}): the account is disconnected`;
    this.logger.warn(`${event.type} ${event.id} refused, no effect: ${refusal}`);
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO stripe_events (account_id, stripe_event_id, type, outcome, source, stripe_created, refusal) VALUES ($1, $2, $3, 'ignored', $4, $5, $6)
       ON CONFLICT (account_id, stripe_event_id) DO NOTHING RETURNING 1`,
      [event.account ?? '', event.id, event.type, source, event.created, refusal.slice(0, 500)],
    );
    if (event.account !== undefined) await markDisconnected(this.dataSource, event.account, 'revoked');
    return replyOk({ outcome: claimed.length === 0 ? 'duplicate' : 'ignored', stripeEventId: event.id, type: event.type });
  }

  /** The transaction: claim the event id, then apply its effect, if any. */
  private async record(manager: EntityManager, event: VerifiedStripeEvent, source: EventSource, refused: string | undefined): Promise<Outcome> {
    // A concurrent delivery of the same id blocks here until this transaction ends, then sees the row.
    const claimed: unknown[] = await manager.query(
      `INSERT INTO stripe_events (account_id, stripe_event_id, type, outcome, source, stripe_created) VALUES ($1, $2, $3, 'ignored', $4, $5)
       ON CONFLICT (account_id, stripe_event_id) DO NOTHING RETURNING 1`,
      [event.account ?? '', event.id, event.type, source, event.created],
    );
    if (claimed.length === 0) return 'duplicate';
    const refusal = refused ?? (await crossAccountRefusal(manager, event));
    if (refusal !== undefined) {
      this.logger.warn(`${event.type} ${event.id} from ${event.account ?? 'the platform'} refused, no effect: ${refusal}`);
      await manager.query('UPDATE stripe_events SET refusal = $3 WHERE account_id = $1 AND stripe_event_id = $2', [event.account ?? '', event.id, refusal.slice(0, 500)]);
      return 'ignored';
    }
    const handler = this.routes.get(event.type)?.find((candidate) => candidate.accepts?.(event) ?? true);
    if (!handler) {
      this.logger.log(`${event.type} ${event.id}: not a type billing handles; acknowledged`);
      return 'ignored';
    }
    const outcome = await handler.handle(manager, event);
    if (outcome !== 'ignored') {
      await manager.query('UPDATE stripe_events SET outcome = $3 WHERE account_id = $1 AND stripe_event_id = $2', [event.account ?? '', event.id, outcome]);
    }
    return outcome;
  }
}
