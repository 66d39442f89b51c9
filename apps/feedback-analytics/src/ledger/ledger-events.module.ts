import { Module } from '@nestjs/common';
import { LedgerEventsConsumer } from './ledger-events.consumer';

/** The durable consumer `feedback-analytics` of stream LEDGER that projects usage. */
@Module({
  providers: [LedgerEventsConsumer],
})
export class LedgerEventsModule {}
