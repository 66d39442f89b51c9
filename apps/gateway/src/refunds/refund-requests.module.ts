import { Module } from '@nestjs/common';
import { RefundRequestsController } from './refund-requests.controller';

/** The builder's refund-request API (`/api/refunds/requests`): requests with their structured feedback. */
@Module({ controllers: [RefundRequestsController] })
export class RefundRequestsModule {}
