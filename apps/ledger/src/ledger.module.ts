import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { CreditAccountsModule } from './credit-accounts/credit-accounts.module';
import { LedgerConfig } from './ledger.config';
import { ledgerMigrations } from './migrations';
import { RefundableModule } from './refundable/refundable.module';

/** The ledger service: event store, credit accounts, outbox relay to stream LEDGER. One module per feature folder. */
@Module({
  imports: [
    ServiceConfigModule.forRoot(LedgerConfig),
    DatabaseModule.forRoot({
      config: LedgerConfig,
      url: (c) => c.LEDGER_DATABASE_URL,
      poolSize: (c) => c.LEDGER_DATABASE_POOL_SIZE,
      migrations: ledgerMigrations,
    }),
    NatsModule.forRoot({ name: 'ledger', config: LedgerConfig, servers: (c) => c.NATS_URL, streams: [Streams.ledger, Streams.billing] }),
    HealthModule.register({ hasDatabase: true }),
    // Timers of the periodic jobs (the expiry scan), stopped at shutdown.
    ScheduleModule.forRoot(),
    CreditAccountsModule,
    RefundableModule,
  ],
})
export class LedgerModule {}
