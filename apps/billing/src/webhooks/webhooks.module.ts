import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { StripeModule } from '../stripe/stripe.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { ChargeRefundedHandler } from './charge-refunded.handler';
import { DisputeEventsHandler } from './dispute-events.handler';
import { PackPaymentHandler } from './pack-payment.handler';
import { SubscriptionEventsHandler } from './subscription-events.handler';
import { WebhookController } from './webhook.controller';
import { WebhookService } from './webhook.service';

/**
 * The Stripe webhook intake: verification, the inbox, dispatch by event type, and the handlers of
 * packs, subscriptions, disputes and refunds. Exports `WebhookService` (Connect's endpoint and
 * reconciliation feed it; other features plug their handlers in with `WebhookService.register`).
 */
@Module({
  imports: [StripeModule, CatalogModule, SubscriptionsModule],
  controllers: [WebhookController],
  providers: [WebhookService, PackPaymentHandler, SubscriptionEventsHandler, DisputeEventsHandler, ChargeRefundedHandler],
  exports: [WebhookService],
})
export class WebhooksModule {}
