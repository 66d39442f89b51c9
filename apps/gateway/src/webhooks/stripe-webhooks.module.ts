import { Module } from '@nestjs/common';
import { StripeWebhookController } from './stripe-webhook.controller';

/** Stripe's platform webhook endpoint (`/webhooks/stripe`), verified by billing. */
@Module({ controllers: [StripeWebhookController] })
export class StripeWebhooksModule {}
