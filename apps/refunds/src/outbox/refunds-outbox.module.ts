import { Module } from '@nestjs/common';
import { RefundsDbModule } from '../db/refunds-db.module';
import { RefundsOutboxRelay } from './refunds-outbox-relay';

/** Shared infrastructure: the relay that publishes the outbox to stream REFUNDS. */
@Module({
  imports: [RefundsDbModule],
  providers: [RefundsOutboxRelay],
})
export class RefundsOutboxModule {}
