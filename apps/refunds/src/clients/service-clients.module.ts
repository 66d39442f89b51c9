import { Module } from '@nestjs/common';
import { ServiceRequests } from './service-requests';

/**
 * Request/reply to the ledger and billing over NATS (`ServiceRequests`, on the shared request
 * client over the service's own, authenticated connection). Exports `ServiceRequests`.
 */
@Module({ providers: [ServiceRequests], exports: [ServiceRequests] })
export class ServiceClientsModule {}
