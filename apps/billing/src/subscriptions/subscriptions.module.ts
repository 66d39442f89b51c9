import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { StripeModule } from '../stripe/stripe.module';
import { GraceScheduler } from './grace.scheduler';
import { SubscriptionSync } from './subscription-sync';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsService } from './subscriptions.service';

/**
 * Plans' subscriptions: the subscription API (portal, plan changes, cancel), the grace scheduler
 * that blocks an account whose grace ended. Exports `SubscriptionSync` (the webhook handlers use it).
 */
@Module({
  imports: [StripeModule, CatalogModule],
  controllers: [SubscriptionsController],
  providers: [SubscriptionSync, SubscriptionsService, GraceScheduler],
  exports: [SubscriptionSync],
})
export class SubscriptionsModule {}
