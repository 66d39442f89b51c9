import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Streams } from '@credit-hub/contracts';
import { claimInbox, ConsumedMessage, DurableConsumerOptions } from '@credit-hub/messaging';
import { InjectNats, Lifecycle, ManagedDurableConsumer } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { parseLedgerEvent, ParsedLedgerEvent } from './ledger-event.parse';
import { recordConsumptionRefund, recordRefundableConsumption } from './refundable-consumptions';

/** Durable consumer name on stream LEDGER, and this consumer's name in the inbox. */
export const refundsLedgerDurable = 'refunds';

/**
 * Reads stream LEDGER from the start with the durable consumer `refunds` and records every
 * `CreditsConsumed` (and `ReservationCaptured`) in `refundable_consumptions`, and every
 * `ConsumptionRefunded` in `ledger_consumption_refunds` (what the ledger refunded per request:
 * the saga reads it when the ledger answers a repeated refund without the first answer's details). Idempotent: the inbox key is the envelope's
 * `eventId` (not the transport `Nats-Msg-Id`, which a republish may change), claimed in the same
 * transaction as the insert. Starts when the application has bootstrapped; on shutdown it finishes
 * the message in hand before NATS drains and the pool closes.
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
    // No subject filter: the refund features to come read purchases too, and a durable's filter
    // cannot be widened through DurableConsumer once set.
    return {
      stream: Streams.ledger.name,
      durable: refundsLedgerDurable,
      maxDeliver: 20,
      ackWaitMs: 30_000, // one short transaction per message; far above its duration
      batchSizeMax: 100,
      batchWaitMs: 5, // one transaction for the messages of 5 ms, not one each
    };
  }

  /**
   * Handles one LEDGER message: for a consumption (or a captured hold), or a consumption refund,
   * claim the event id and record it, in one transaction. Other event types have no effect here yet and are NOT claimed, so that when this
   * service starts reading them, a replay still finds them unhandled. A malformed message throws,
   * so the consumer naks it until `maxDeliver` and then logs it as poison.
   */
  override async handle(message: ConsumedMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /** The messages delivered together, each claimed and recorded in turn, in one transaction. */
  override async handleBatch(messages: ConsumedMessage[]): Promise<void> {
    const relevant: Extract<ParsedLedgerEvent, { kind: 'consumed' | 'refunded' }>[] = [];
    for (const message of messages) {
      const parsed = parseLedgerEvent(message.body);
      if (parsed.kind === 'unknown') {
        this.logger.warn(`ignoring ledger event ${parsed.eventId} of type ${parsed.type} v${String(parsed.schemaVersion)}`);
      }
      if (parsed.kind === 'consumed' || parsed.kind === 'refunded') relevant.push(parsed);
    }
    if (relevant.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (const parsed of relevant) {
        if (!(await claimInbox(manager, refundsLedgerDurable, parsed.event.eventId))) continue; // handled before
        if (parsed.kind === 'consumed') await recordRefundableConsumption(manager, parsed.event);
        else await recordConsumptionRefund(manager, parsed.event);
      }
    });
  }
}
