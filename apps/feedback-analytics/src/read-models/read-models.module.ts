import { Module } from '@nestjs/common';
import { BillingReadModelConsumer, LedgerReadModelConsumer, RefundReadModelConsumer } from './read-model.consumers';
import { ReadModelReader } from './read-model.reader';

/** The read models fed from LEDGER, BILLING and REFUNDS, and their reader. Exports `ReadModelReader`. */
@Module({
  providers: [LedgerReadModelConsumer, BillingReadModelConsumer, RefundReadModelConsumer, ReadModelReader],
  exports: [ReadModelReader],
})
export class ReadModelsModule {}
