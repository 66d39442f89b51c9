import { DynamicModule, Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { ServiceClientsModule } from './clients/service-clients.module';
import { RefundsDbModule } from './db/refunds-db.module';
import { refundsMigrations } from './migrations';
import { RefundsOutboxModule } from './outbox/refunds-outbox.module';
import { RefundPolicyModule } from './policy/refund-policy.module';
import { RefundsConfig } from './refunds.config';
import { RefundRequestsModule } from './requests/refund-requests.module';
import { RefundSagaModule } from './saga/refund-saga.module';
import { RefundSagaFaults } from './saga/refund-saga';

/**
 * The refunds service: asks the ledger (request/reply) what a customer may have refunded when the
 * portal or a refund needs it, keeping no copy of the ledger; keeps each domain's refund policy (from the catalog), the refund requests with their
 * feedback and their saga state; mints and checks portal links; drives the ledger (and billing,
 * for money) through the refund saga; publishes `refunds.events.*` to stream REFUNDS via its outbox.
 *
 * One module per feature folder: requests → saga → (clients, policy), over the shared db and outbox.
 */
@Module({
  imports: [
    ServiceConfigModule.forRoot(RefundsConfig),
    DatabaseModule.forRoot({
      config: RefundsConfig,
      url: (c) => c.REFUNDS_DATABASE_URL,
      poolSize: (c) => c.REFUNDS_DATABASE_POOL_SIZE,
      migrations: refundsMigrations,
    }),
    // The service ensures the stream it publishes to. It reads no stream: the ledger is asked.
    NatsModule.forRoot({ name: 'refunds', config: RefundsConfig, servers: (c) => c.NATS_URL, streams: [Streams.refunds] }),
    HealthModule.register({ hasDatabase: true }),
    RefundsDbModule,
    ServiceClientsModule,
    RefundPolicyModule,
    RefundSagaModule,
    RefundRequestsModule,
    RefundsOutboxModule,
  ],
})
export class RefundsModule {
  /** The same module with a saga fault plan (tests: a crash between two steps). */
  static withFaults(faults: RefundSagaFaults): DynamicModule {
    return { module: RefundsModule, imports: [RefundSagaModule.faultPlan(faults)] };
  }
}
