import { Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { natsAuthOptions } from '@credit-hub/service-kit';
import { RefundsConfig } from '../refunds.config';
import { REFUNDS_NATS_CLIENT, ServiceRequests } from './service-requests';

/**
 * Request/reply to the ledger and billing over NATS (`ServiceRequests`). The NATS client gets the
 * service's credentials from `natsAuthOptions()` like every other connection. Exports `ServiceRequests`.
 */
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: REFUNDS_NATS_CLIENT,
        inject: [RefundsConfig],
        useFactory: (config: RefundsConfig) => ({
          transport: Transport.NATS,
          options: { ...natsAuthOptions(), servers: config.NATS_URL.split(','), name: 'refunds-rpc-client', maxReconnectAttempts: -1, reconnectTimeWait: 500 },
        }),
      },
    ]),
  ],
  providers: [ServiceRequests],
  exports: [ServiceRequests],
})
export class ServiceClientsModule {}
