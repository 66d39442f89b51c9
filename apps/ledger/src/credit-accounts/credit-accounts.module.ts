import { Module } from '@nestjs/common';
import { AccountCommands } from './account-commands';
import { BillingEventsConsumer } from './billing-events.consumer';
import { ConsumeBatcher } from './consume.batcher';
import { ConsumeSubscription } from './consume.subscription';
import { CreditAccountStore } from './credit-account.store';
import { ExpiryScheduler } from './expiry.scheduler';
import { HistoryReader } from './history.reader';
import { LedgerHandlers } from './ledger.handlers';
import { LedgerPipeline } from './ledger.pipeline';
import { LedgerOutboxRelay } from './outbox-relay.service';

/**
 * Credit accounts: the command handlers (NATS request/reply, one line each, and the consume
 * subscription) over one dispatcher (AccountCommands), the store and its write pipeline, history, the expiry scan, the
 * consumer of stream BILLING, and the outbox relay to stream LEDGER. Exports `CreditAccountStore`.
 */
@Module({
  controllers: [LedgerHandlers],
  providers: [AccountCommands, CreditAccountStore, LedgerPipeline, ConsumeBatcher, ConsumeSubscription, LedgerHandlers, HistoryReader, ExpiryScheduler, LedgerOutboxRelay, BillingEventsConsumer],
  exports: [CreditAccountStore],
})
export class CreditAccountsModule {}
