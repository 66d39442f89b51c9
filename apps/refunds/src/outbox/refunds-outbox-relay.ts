import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OutboxRelay } from '@credit-hub/messaging';
import { InjectNats } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { refundsOutboxChannel } from '../migrations/1732233600000-refund-requests';
import { RefundsConfig } from '../refunds.config';
import { RefundsDb } from '../db/refunds-db';

/** Session advisory lock key of the refunds relay ('RFOB'): one relay per refunds database publishes. */
export const refundsRelayLockKey = 0x52464f42;

/** Relays the refunds outbox to stream REFUNDS (`Nats-Msg-Id` = `<refund request id>:<event type>`). */
@Injectable()
export class RefundsOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: OutboxRelay;

  constructor(db: RefundsDb, @InjectNats() nc: NatsConnection, config: RefundsConfig) {
    this.relay = new OutboxRelay({
      pool: db.pool,
      databaseUrl: config.REFUNDS_DATABASE_URL,
      nc,
      channel: refundsOutboxChannel,
      lockKey: refundsRelayLockKey,
      batchSizeMax: 500,
      pollIntervalMs: 1000,
      name: 'refunds',
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
