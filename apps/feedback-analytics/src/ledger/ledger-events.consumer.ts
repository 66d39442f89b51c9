import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LedgerEventSchemaVersions, Streams } from '@credit-hub/contracts';
import { claimInbox, ConsumedMessage, DurableConsumerOptions } from '@credit-hub/messaging';
import { InjectNats, Lifecycle, ManagedDurableConsumer } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { projectLedgerEvent } from '../usage/usage.projection';
import { parseLedgerEvent } from './ledger-event.parse';

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
      ackWaitMs: 30_000, // one short transaction per message; far above its duration
      batchSizeMax: 100,
    };
  }

  /**
   * Handles one LEDGER message: claim the event id, then project it, in one transaction.
   * Unknown event types are claimed and ignored. A malformed message throws, so the consumer
   * naks it until `maxDeliver` and then logs it as poison.
   */
  override async handle(message: ConsumedMessage): Promise<void> {
    const parsed = parseLedgerEvent(message.body);
    await this.dataSource.transaction(async (manager) => {
      const eventId = parsed.kind === 'known' ? parsed.event.eventId : parsed.eventId;
      if (!(await claimInbox(manager, analyticsLedgerDurable, eventId))) return; // handled before
      if (parsed.kind === 'known') return projectLedgerEvent(manager, parsed.event);
      // Ledger types this (usage) projection does not read are expected: the read models read them.
      const expected = Object.hasOwn(LedgerEventSchemaVersions, parsed.type);
      const line = `ignoring ledger event ${eventId} of type ${parsed.type} v${String(parsed.schemaVersion)}`;
      if (expected) this.logger.debug(line);
      else this.logger.warn(line);
    });
  }
}
