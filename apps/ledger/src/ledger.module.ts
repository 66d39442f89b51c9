import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { LedgerConfig } from './ledger.config';
import { CreditAccountStore } from './credit-accounts/credit-account.store';
import { ExpiryScheduler } from './credit-accounts/expiry.scheduler';
import { HistoryReader } from './credit-accounts/history.reader';
import { ConsumeBatcher } from './credit-accounts/consume.batcher';
import { ConsumeSubscription } from './credit-accounts/consume.subscription';
import { LedgerPipeline } from './credit-accounts/ledger.pipeline';
import { LedgerHandlers } from './credit-accounts/ledger.handlers';
import { LedgerOutboxRelay } from './credit-accounts/outbox-relay.service';
import { BillingEventsConsumer } from './credit-accounts/billing-events.consumer';
import { ledgerMigrations } from './migrations';
import { RefundableHandler } from './refundable/refundable.handler';
import { RefundableReader } from './refundable/refundable.reader';

/** The ledger service: event store, credit accounts, outbox relay to stream LEDGER. */
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
  ],
  controllers: [LedgerHandlers, RefundableHandler],
  providers: [CreditAccountStore, LedgerPipeline, ConsumeBatcher, ConsumeSubscription, LedgerHandlers, HistoryReader, ExpiryScheduler, LedgerOutboxRelay, BillingEventsConsumer, RefundableReader],
})
export class LedgerModule {}
