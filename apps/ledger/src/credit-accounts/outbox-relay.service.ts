import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OutboxRelay } from '@credit-hub/messaging';
import { InjectNats } from '@credit-hub/service-kit';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { LedgerConfig } from '../ledger.config';

/** Advisory lock key of the ledger's relay: one relay per ledger database publishes. */
export const ledgerRelayLockKey = 7_340_001;

/** Runs the ledger's outbox relay to stream LEDGER for the life of the service. */
@Injectable()
export class LedgerOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: OutboxRelay;

  constructor(@InjectDataSource() dataSource: DataSource, @InjectNats() nc: NatsConnection, config: LedgerConfig) {
    this.relay = new OutboxRelay({
      pool: (dataSource.driver as unknown as { master: Pool }).master,
      databaseUrl: config.LEDGER_DATABASE_URL,
      nc,
      channel: 'ledger_outbox',
      lockKey: ledgerRelayLockKey,
      name: 'ledger',
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
