import { Module } from '@nestjs/common';
import { BillingOutboxRelay } from './billing-outbox-relay';

/**
 * Shared infrastructure: the relay that publishes billing's outbox rows to the BILLING and
 * ENTITLEMENTS streams. Features write outbox rows in their own transactions; nothing injects the relay.
 */
@Module({
  providers: [BillingOutboxRelay],
})
export class OutboxModule {}
