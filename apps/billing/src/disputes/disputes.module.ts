import { Module } from '@nestjs/common';
import { StripeModule } from '../stripe/stripe.module';
import { DisputeEvidenceWorker } from './dispute-evidence.worker';
import { LedgerClient } from './ledger.client';

/**
 * Disputes: the worker that submits evidence for open disputes, asking the ledger for the facts
 * through `LedgerClient` (the shared request/reply client on billing's own, authenticated NATS
 * connection).
 */
@Module({
  imports: [StripeModule],
  providers: [LedgerClient, DisputeEvidenceWorker],
})
export class DisputesModule {}
