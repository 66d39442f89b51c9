import { DynamicModule, Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { ServiceRequests } from './clients/service-requests';
import { refundsMigrations } from './migrations';
import { RefundsOutboxRelay } from './outbox/refunds-outbox-relay';
import { RefundCatalog } from './policy/refund-catalog.service';
import { RefundsConfig } from './refunds.config';
import { RefundsHandlers } from './refunds.handlers';
import { RefundRequestsService } from './requests/refund-requests.service';
import { RefundsDb } from './requests/refunds-db';
import { REFUND_SAGA_FAULTS, RefundSaga, RefundSagaFaults } from './saga/refund-saga';
import { SagaResumer } from './saga/saga-resumer';

/**
 * The refunds service: asks the ledger (request/reply) what a customer may have refunded when the
 * portal or a refund needs it, keeping no copy of the ledger; keeps each domain's refund policy (from the catalog), the refund requests with their
 * feedback and their saga state; mints and checks portal links; drives the ledger (and billing,
 * for money) through the refund saga; publishes `refunds.events.*` to stream REFUNDS via its outbox.
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
  ],
  controllers: [RefundsHandlers],
  providers: [
    RefundsDb,
    RefundCatalog,
    ServiceRequests,
    RefundSaga,
    // No faults in production; tests override this to play a crash between two saga steps.
    { provide: REFUND_SAGA_FAULTS, useValue: { afterStep: () => undefined } satisfies RefundSagaFaults },
    SagaResumer,
    RefundRequestsService,
    RefundsOutboxRelay,
  ],
})
export class RefundsModule {
  /** The same module with a saga fault plan (tests: a crash between two steps). */
  static withFaults(faults: RefundSagaFaults): DynamicModule {
    return { module: RefundsModule, providers: [{ provide: REFUND_SAGA_FAULTS, useValue: faults }] };
  }
}
