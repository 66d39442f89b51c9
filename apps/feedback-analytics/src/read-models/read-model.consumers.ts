import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { StreamDefinition, Streams } from '@credit-hub/contracts';
import { claimInboxMany, ConsumedMessage, DurableConsumerOptions, ensureStreams } from '@credit-hub/messaging';
import { InjectNats, Lifecycle, ManagedDurableConsumer } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { billingEventId, ledgerEventId, projectBilling, projectLedger, projectLedgerBatch, projectRefund, refundEventId } from './read-model.projection';

/** Durable (and inbox) names of the read-model consumers, one per stream. */
export const readModelDurables = { ledger: 'analytics-rm-ledger', billing: 'analytics-rm-billing', refunds: 'analytics-rm-refunds' } as const;

/**
 * A durable consumer of one stream feeding the read models: in one transaction per batch of
 * delivered messages, claim their event ids in the inbox and project the messages claimed now. A malformed message throws: nak until `maxDeliver`,
 * then poison. Ensures its stream at boot, so the service starts before the producer ever ran.
 */
abstract class ReadModelConsumer extends ManagedDurableConsumer {
  protected constructor(
    private readonly nats: NatsConnection,
    private readonly dataSource: DataSource,
    lifecycle: Lifecycle,
    private readonly stream: StreamDefinition,
    private readonly durable: string,
  ) {
    super(nats, lifecycle);
  }

  override async onApplicationBootstrap(): Promise<void> {
    await ensureStreams(this.nats, [this.stream]);
    await super.onApplicationBootstrap();
  }

  protected consumerOptions(): Omit<DurableConsumerOptions, 'nc' | 'handler'> {
    // Read models may lag by a few ms: waiting 5 ms for more messages makes one transaction of many
    // (at most 500: one statement per table whatever the size, a few ms of work, far below ackWait).
    // Pulls of 1,000: a backlog never waits on a pull's round trip between two batches.
    return { stream: this.stream.name, durable: this.durable, maxDeliver: 20, ackWaitMs: 30_000, batchSizeMax: 500, pullMessagesMax: 1000, batchWaitMs: 5 };
  }

  /** The inbox key of a message. */
  protected abstract eventId(message: ConsumedMessage): string;

  /** The projection of a message. */
  protected abstract project(manager: DataSource['manager'], message: ConsumedMessage): Promise<void>;

  /** The projection of messages delivered together (stream order): by default each in turn. */
  protected async projectBatch(manager: DataSource['manager'], messages: ConsumedMessage[]): Promise<void> {
    for (const message of messages) await this.project(manager, message);
  }

  override async handle(message: ConsumedMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * The messages delivered together, in one transaction: one statement claims their event ids in
   * the inbox, then the messages claimed now (the first of each id) are projected together.
   */
  override async handleBatch(messages: ConsumedMessage[]): Promise<void> {
    const eventIds = messages.map((message) => this.eventId(message));
    await this.dataSource.transaction(async (manager) => {
      const claimed = await claimInboxMany(manager, this.durable, eventIds);
      const fresh = messages.filter((_, index) => claimed.delete(eventIds[index]!)); // handled before, or earlier in this batch: skipped
      if (fresh.length > 0) await this.projectBatch(manager, fresh);
    });
  }
}

@Injectable()
export class LedgerReadModelConsumer extends ReadModelConsumer {
  constructor(@InjectNats() nc: NatsConnection, @InjectDataSource() dataSource: DataSource, lifecycle: Lifecycle) {
    super(nc, dataSource, lifecycle, Streams.ledger, readModelDurables.ledger);
  }
  protected eventId(message: ConsumedMessage): string {
    return ledgerEventId(message.body);
  }
  protected project(manager: DataSource['manager'], message: ConsumedMessage): Promise<void> {
    return projectLedger(manager, message.body);
  }
  /** One statement per read-model table and batch for the additive events (`projectLedgerBatch`). */
  protected override projectBatch(manager: DataSource['manager'], messages: ConsumedMessage[]): Promise<void> {
    return projectLedgerBatch(manager, messages.map((message) => message.body));
  }
}

@Injectable()
export class BillingReadModelConsumer extends ReadModelConsumer {
  constructor(@InjectNats() nc: NatsConnection, @InjectDataSource() dataSource: DataSource, lifecycle: Lifecycle) {
    super(nc, dataSource, lifecycle, Streams.billing, readModelDurables.billing);
  }
  protected eventId(message: ConsumedMessage): string {
    return billingEventId(message.body, message.messageId);
  }
  protected project(manager: DataSource['manager'], message: ConsumedMessage): Promise<void> {
    return projectBilling(manager, message.subject, message.body);
  }
}

@Injectable()
export class RefundReadModelConsumer extends ReadModelConsumer {
  constructor(@InjectNats() nc: NatsConnection, @InjectDataSource() dataSource: DataSource, lifecycle: Lifecycle) {
    super(nc, dataSource, lifecycle, Streams.refunds, readModelDurables.refunds);
  }
  protected eventId(message: ConsumedMessage): string {
    return refundEventId(message.body);
  }
  protected project(manager: DataSource['manager'], message: ConsumedMessage): Promise<void> {
    return projectRefund(manager, message.body);
  }
}
