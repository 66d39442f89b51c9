import { Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { natsAuthOptions } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { StripeModule } from '../stripe/stripe.module';
import { DisputeEvidenceWorker } from './dispute-evidence.worker';
import { BILLING_NATS_CLIENT, LedgerClient } from './ledger.client';

/**
 * Disputes: the worker that submits evidence for open disputes (asking the ledger over NATS
 * request/reply for the facts). Its NATS client gets the service's credentials from
 * `natsAuthOptions()` like every other connection.
 */
@Module({
  imports: [
    StripeModule,
    ClientsModule.registerAsync([
      {
        name: BILLING_NATS_CLIENT,
        inject: [BillingConfig],
        useFactory: (config: BillingConfig) => ({
          transport: Transport.NATS,
          options: { ...natsAuthOptions(), servers: config.NATS_URL.split(','), name: 'billing-rpc-client', maxReconnectAttempts: -1, reconnectTimeWait: 500 },
        }),
      },
    ]),
  ],
  providers: [LedgerClient, DisputeEvidenceWorker],
})
export class DisputesModule {}
