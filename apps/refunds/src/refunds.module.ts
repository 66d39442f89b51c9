import { Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { LedgerEventsConsumer } from './consumptions/ledger-events.consumer';
import { refundsMigrations } from './migrations';
import { RefundsConfig } from './refunds.config';

/**
 * The refunds service. Today: it reads stream LEDGER with the durable consumer `refunds` and keeps
 * every consumption it may later refund (`refundable_consumptions`). Refund requests, policy and the
 * saga come in a later issue.
 */
@Module({
  imports: [
    ServiceConfigModule.forRoot(RefundsConfig),
    DatabaseModule.forRoot({ config: RefundsConfig, url: (c) => c.REFUNDS_DATABASE_URL, migrations: refundsMigrations }),
    // The service ensures the stream it reads, so it can boot before the ledger has ever run.
    NatsModule.forRoot({ name: 'refunds', config: RefundsConfig, servers: (c) => c.NATS_URL, streams: [Streams.ledger] }),
    HealthModule.register({ hasDatabase: true }),
  ],
  controllers: [],
  providers: [LedgerEventsConsumer],
})
export class RefundsModule {}
