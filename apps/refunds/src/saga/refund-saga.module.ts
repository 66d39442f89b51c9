import { DynamicModule, Module } from '@nestjs/common';
import { ServiceClientsModule } from '../clients/service-clients.module';
import { RefundsDbModule } from '../db/refunds-db.module';
import { REFUND_SAGA_FAULTS, RefundSaga, RefundSagaFaults } from './refund-saga';
import { SagaResumer } from './saga-resumer';

/**
 * The refund saga (ledger, then billing for money) and the resumer that picks up requests whose
 * lease expired. Exports `RefundSaga`. No fault plan in production (`RefundSaga` takes none).
 */
@Module({
  imports: [RefundsDbModule, ServiceClientsModule],
  providers: [RefundSaga, SagaResumer],
  exports: [RefundSaga],
})
export class RefundSagaModule {
  /** A global module giving the saga a fault plan (tests: a crash between two steps). */
  static faultPlan(faults: RefundSagaFaults): DynamicModule {
    return { module: RefundSagaFaultsModule, global: true, providers: [{ provide: REFUND_SAGA_FAULTS, useValue: faults }], exports: [REFUND_SAGA_FAULTS] };
  }
}

/** Carries a test's fault plan to `RefundSaga` (see `RefundSagaModule.faultPlan`). */
@Module({})
class RefundSagaFaultsModule {}
