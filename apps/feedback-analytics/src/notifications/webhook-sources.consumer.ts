import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { StreamDefinition, Streams } from '@credit-hub/contracts';
import { ConsumedMessage, DurableConsumerOptions, ensureStreams } from '@credit-hub/messaging';
import { InjectNats, Lifecycle, ManagedDurableConsumer } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { WebhookDeliveryWorker } from './delivery-worker';
import { crossesThreshold, LowBalanceThresholds } from './low-balance';
import {
  LedgerDebit,
  LedgerNotification,
  parseBillingNotification,
  parseEntitlementNotification,
  parseLedgerNotification,
  parseRefundNotification,
  WebhookEvent,
} from './source-events';
import { claimWebhookInbox, fanOut, lotDomain, recordLot } from './webhook-store';
import { WebhooksConfig } from './webhooks.config';

/** Durable consumer name of the webhook sources, on each of LEDGER, REFUNDS and BILLING. */
export const webhooksDurable = 'feedback-analytics-webhooks';

/**
 * A durable consumer of one stream that turns its messages into webhook deliveries. Handler shape:
 * parse (throws on a malformed message: nak until `maxDeliver`, then poison), then in one
 * transaction claim the event id in `webhook_inbox` and write one delivery row per matching
 * endpoint; after commit, wake the delivery worker. Messages that mean nothing for webhooks are
 * acknowledged without a claim (there is no effect to repeat). It ensures its stream at boot, so
 * the service starts before the stream's producer ever ran.
 */
@Injectable()
abstract class WebhookSourceConsumer extends ManagedDurableConsumer {
  protected readonly logger = new Logger(this.constructor.name);
  /** The stream consumed (read after construction: at bootstrap and in `consumerOptions`). */
  protected abstract readonly stream: StreamDefinition;
  /** This consumer's name in the inbox. */
  protected abstract readonly inboxName: string;

  constructor(
    @InjectNats() private readonly nats: NatsConnection,
    @InjectDataSource() protected readonly dataSource: DataSource,
    protected readonly worker: WebhookDeliveryWorker,
    protected readonly config: WebhooksConfig,
    lifecycle: Lifecycle,
  ) {
    super(nats, lifecycle);
  }

  override async onApplicationBootstrap(): Promise<void> {
    await ensureStreams(this.nats, [this.stream]);
    await super.onApplicationBootstrap();
  }

  protected consumerOptions(): Omit<DurableConsumerOptions, 'nc' | 'handler'> {
    return {
      stream: this.stream.name,
      durable: webhooksDurable,
      maxDeliver: 20,
      ackWaitMs: 30_000, // one short transaction per message; far above its duration
      batchSizeMax: 100,
    };
  }

  /** Claims `event` and fans it out; returns the delivery rows written (0 when handled before). */
  protected async deliver(manager: EntityManager, event: WebhookEvent): Promise<number> {
    if (!(await claimWebhookInbox(manager, this.inboxName, event.eventId))) return 0;
    return fanOut(manager, event, this.config.WEBHOOK_RETRY_HORIZON_MS);
  }

  /** Runs `effect` in a transaction and wakes the worker when it wrote deliveries. */
  protected async inTransaction(effect: (manager: EntityManager) => Promise<number>): Promise<void> {
    const written = await this.dataSource.transaction(effect);
    if (written > 0) this.worker.wake();
  }
}

/**
 * A webhook source whose messages each map to at most one webhook event (`parse`: null when the
 * message is not a webhook; throws when malformed), delivered in a transaction of its own.
 */
abstract class MappedWebhookSourceConsumer extends WebhookSourceConsumer {
  protected abstract parse(message: ConsumedMessage): WebhookEvent | null;

  override async handle(message: ConsumedMessage): Promise<void> {
    const event = this.parse(message);
    if (event) await this.inTransaction((manager) => this.deliver(manager, event));
  }
}

/**
 * LEDGER → `credits.purchased` (each `CreditsPurchased`) and `credits.low_balance` (each event
 * that takes credits across the domain's threshold: see `crossesThreshold`). Keeps the lot →
 * domain map, so an expiry, refund or claw-back, which names only a lot, alerts the domain that
 * sold or granted it.
 */
@Injectable()
export class LedgerWebhooksConsumer extends WebhookSourceConsumer {
  constructor(
    @InjectNats() nc: NatsConnection,
    @InjectDataSource() dataSource: DataSource,
    worker: WebhookDeliveryWorker,
    config: WebhooksConfig,
    lifecycle: Lifecycle,
    private readonly thresholds: LowBalanceThresholds,
  ) {
    super(nc, dataSource, worker, config, lifecycle);
  }

  protected readonly stream = Streams.ledger;
  protected readonly inboxName = 'webhooks-ledger';

  protected override consumerOptions(): Omit<DurableConsumerOptions, 'nc' | 'handler'> {
    // Batches of the messages already delivered (no wait: a webhook is not delayed for a batch).
    return { ...super.consumerOptions(), batchWaitMs: 0 };
  }

  override async handle(message: ConsumedMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * The messages delivered together, in stream order, with the effect of handling each alone:
   * the ones that mean something for webhooks are applied in one transaction (claims and
   * deliveries), and their acks leave together. Most LEDGER messages are consumptions that cross
   * no threshold: decided here, without a transaction. A malformed message throws before anything
   * is written (the consumer then handles the batch one by one).
   */
  override async handleBatch(messages: ConsumedMessage[]): Promise<void> {
    const relevant = messages.map((message) => parseLedgerNotification(message.body)).filter((notification) => this.needsTransaction(notification));
    if (relevant.length === 0) return;
    await this.inTransaction(async (manager) => {
      let written = 0;
      for (const notification of relevant) written += await this.apply(manager, notification);
      return written;
    });
  }

  private needsTransaction(notification: LedgerNotification): notification is Exclude<LedgerNotification, { kind: 'ignored' }> {
    if (notification.kind === 'ignored') return false;
    // A debit that names its domain and crosses nothing has no effect.
    return !(notification.kind === 'debit' && notification.debit.domain !== null && !this.lowBalance(notification.debit, notification.debit.domain));
  }

  private async apply(manager: EntityManager, notification: Exclude<LedgerNotification, { kind: 'ignored' }>): Promise<number> {
    switch (notification.kind) {
      case 'grant':
        await recordLot(manager, notification.lotId, notification.domain);
        return 0;
      case 'purchase':
        await recordLot(manager, notification.lotId, notification.event.domain);
        return this.deliver(manager, notification.event);
      case 'debit': {
        const { debit } = notification;
        const domain = debit.domain ?? (debit.lotId === null ? null : await lotDomain(manager, debit.lotId));
        if (domain === null) {
          this.logger.warn(`${debit.cause} ${debit.eventId}: lot ${debit.lotId} was never seen; no low-balance check`);
          return 0;
        }
        const event = this.lowBalance(debit, domain);
        return event ? this.deliver(manager, event) : 0;
      }
      default: {
        const unreachable: never = notification;
        throw new Error(`unhandled ledger notification ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** The `credits.low_balance` event of a debit that crosses `domain`'s threshold, or null. */
  private lowBalance(debit: LedgerDebit, domain: string): WebhookEvent | null {
    const threshold = this.thresholds.get(domain);
    if (threshold === undefined || !crossesThreshold(threshold, debit.balanceAfter, debit.creditsTaken)) return null;
    const data = {
      eventId: debit.eventId,
      email: debit.email,
      domain,
      threshold,
      balanceBefore: debit.balanceAfter + debit.creditsTaken,
      balanceAfter: debit.balanceAfter,
      cause: debit.cause,
    };
    return { eventId: debit.eventId, type: 'credits.low_balance', domain, occurredAt: debit.occurredAt, data };
  }
}

/** REFUNDS → `refund.requested`, `refund.completed` (the other refund events are not webhooks). */
@Injectable()
export class RefundWebhooksConsumer extends MappedWebhookSourceConsumer {
  protected readonly stream = Streams.refunds;
  protected readonly inboxName = 'webhooks-refunds';

  protected parse(message: ConsumedMessage): WebhookEvent | null {
    return parseRefundNotification(message.subject, message.body);
  }
}

/** BILLING → `subscription.trial_will_end`, `dispute.opened`, `payment.failed` (payment-succeeded is not a webhook). */
@Injectable()
export class BillingWebhooksConsumer extends MappedWebhookSourceConsumer {
  protected readonly stream = Streams.billing;
  protected readonly inboxName = 'webhooks-billing';

  protected parse(message: ConsumedMessage): WebhookEvent | null {
    return parseBillingNotification(message.subject, message.body, message.messageId, new Date().toISOString());
  }
}

/** ENTITLEMENTS → `entitlements.changed` (a customer's plan, status or caps on a domain changed). */
@Injectable()
export class EntitlementWebhooksConsumer extends MappedWebhookSourceConsumer {
  protected readonly stream = Streams.entitlements;
  protected readonly inboxName = 'webhooks-entitlements';

  protected parse(message: ConsumedMessage): WebhookEvent | null {
    return parseEntitlementNotification(message.subject, message.body, message.messageId, new Date().toISOString());
  }
}
