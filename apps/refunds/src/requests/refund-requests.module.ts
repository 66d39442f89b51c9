import { Module } from '@nestjs/common';
import { ServiceClientsModule } from '../clients/service-clients.module';
import { RefundsDbModule } from '../db/refunds-db.module';
import { RefundPolicyModule } from '../policy/refund-policy.module';
import { RefundSagaModule } from '../saga/refund-saga.module';
import { RefundRequestsService } from './refund-requests.service';
import { RefundsHandlers } from './refunds.handlers';

/** Refund requests: the portal, requests and reviews (request/reply handlers), which start the saga. */
@Module({
  imports: [RefundsDbModule, RefundPolicyModule, ServiceClientsModule, RefundSagaModule],
  controllers: [RefundsHandlers],
  providers: [RefundRequestsService],
})
export class RefundRequestsModule {}
