import { Module } from '@nestjs/common';
import { WebhookEndpointsController } from './webhook-endpoints.controller';

/** The builders' outgoing webhook endpoints (`/api/webhooks/endpoints`). */
@Module({ controllers: [WebhookEndpointsController] })
export class WebhookEndpointsModule {}
