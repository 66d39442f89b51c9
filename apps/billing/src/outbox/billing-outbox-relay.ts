import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { OutboxRelay } from '@credit-hub/messaging';
import { InjectNats } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { billingOutboxChannel } from '../migrations/1732060900000-billing-schema';

/**
 * Session advisory lock key of billing's relay ('BILL'): one relay per billing database publishes,
 * other instances stand by (advisory locks are per database, so it cannot clash with the ledger's).
 */
export const billingRelayLockKey = 0x42494c4c;

/**
 * Relays billing's outbox to JetStream stream BILLING (`Nats-Msg-Id` = Stripe event id). Started
 * once the application has booted (migrations ran, streams exist) and stopped before shutdown
 * hooks drain NATS and close the pool, so the batch in flight is published and marked first.
 */
@Injectable()
export class BillingOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: OutboxRelay;

  constructor(@InjectDataSource() dataSource: DataSource, @InjectNats() nc: NatsConnection, config: BillingConfig) {
    this.relay = new OutboxRelay({
      // TypeORM's postgres driver keeps its pg Pool as `master`; the relay runs its own transactions on it.
      pool: (dataSource.driver as unknown as { master: Pool }).master,
      databaseUrl: config.BILLING_DATABASE_URL,
      nc,
      channel: billingOutboxChannel,
      lockKey: billingRelayLockKey,
      batchSizeMax: 500,
      pollIntervalMs: 1000,
      name: 'billing',
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
