import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LedgerEventSchemaVersions, Streams } from '@credit-hub/contracts';
import { claimInboxMany, ConsumedMessage, DurableConsumerOptions } from '@credit-hub/messaging';
import { InjectNats, Lifecycle, ManagedDurableConsumer } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { projectLedgerEvents } from '../usage/usage.projection';
import { KnownLedgerEvent, usageEventOf } from '../usage/usage.events';

/** Durable consumer name on stream LEDGER, and this consumer's name in the inbox. */
export const analyticsLedgerDurable = 'feedback-analytics';

/**
 * Reads stream LEDGER from the start with the durable consumer `feedback-analytics` and folds
 * each event into the daily read models. Idempotent: the inbox key is the envelope's `eventId`
 * (not the transport `Nats-Msg-Id`, which a republish may change), claimed in the same
 * transaction as the upsert. Starts when the application has bootstrapped; on shutdown it
 * finishes the message in hand before NATS drains and the pool closes.
 */
@Injectable()
export class LedgerEventsConsumer extends ManagedDurableConsumer {
  private readonly logger = new Logger('LedgerEventsConsumer');

  constructor(
    @InjectNats() nc: NatsConnection,
    @InjectDataSource() private readonly dataSource: DataSource,
    lifecycle: Lifecycle,
  ) {
    super(nc, lifecycle);
  }

  protected consumerOptions(): Omit<DurableConsumerOptions, 'nc' | 'handler'> {
    return {
      stream: Streams.ledger.name,
      durable: analyticsLedgerDurable,
      maxDeliver: 20,
      ackWaitMs: 30_000, // one short transaction per batch; far above its duration
      batchSizeMax: 100,
      batchWaitMs: 5, // one transaction for the messages of 5 ms, not one each
    };
  }

  /**
   * Handles one LEDGER message: claim the event id, then project it, in one transaction.
   * Unknown event types are claimed and ignored. A malformed message throws, so the consumer
   * naks it until `maxDeliver` and then logs it as poison.
   */
  override async handle(message: ConsumedMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * The messages delivered together, in one transaction: one inbox statement claims their event
   * ids, and the events claimed now (the first message of each id) are folded with one upsert per
   * table (`projectLedgerEvents`). A malformed message throws before anything is written: the
   * consumer then handles the batch one by one, so only that message is refused.
   */
  override async handleBatch(messages: ConsumedMessage[]): Promise<void> {
    const parsed = messages.map((message) => usageEventOf(message.body));
    const eventIds = parsed.map((event) => (event.kind === 'known' ? event.event.eventId : event.eventId));
    await this.dataSource.transaction(async (manager) => {
      const claimed = await claimInboxMany(manager, analyticsLedgerDurable, eventIds);
      const known: KnownLedgerEvent[] = [];
      for (const [index, event] of parsed.entries()) {
        const eventId = eventIds[index]!;
        if (!claimed.delete(eventId)) continue; // handled before, or earlier in this batch
        if (event.kind === 'known') {
          known.push(event.event);
          continue;
        }
        // Ledger types this (usage) projection does not read are expected: the read models read them.
        const line = `ignoring ledger event ${eventId} of type ${event.type} v${String(event.schemaVersion)}`;
        if (Object.hasOwn(LedgerEventSchemaVersions, event.type)) this.logger.debug(line);
        else this.logger.warn(line);
      }
      await projectLedgerEvents(manager, known);
    });
  }
}
