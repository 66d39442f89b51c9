import { Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { BillingConfig } from './billing.config';
import { CatalogService } from './catalog/catalog.service';
import { CheckoutController } from './checkout/checkout.controller';
import { CheckoutService } from './checkout/checkout.service';
import { AccountEventsHandler } from './connect/account-events.handler';
import { ConnectController } from './connect/connect.controller';
import { ConnectService } from './connect/connect.service';
import { ConnectOAuthService } from './connect/connect-oauth.service';
import { ConnectedSales } from './connect/connected-sales';
import { entitlementControllers, entitlementProviders } from './entitlements/entitlements.wiring';
import { billingMigrations } from './migrations';
import { BillingOutboxRelay } from './outbox/billing-outbox-relay';
import { StripeRefundsController } from './refunds/stripe-refunds.controller';
import { StripeRefundsService } from './refunds/stripe-refunds.service';
import { stripeClientProvider } from './stripe/stripe.client';
import { subscriptionControllers, subscriptionProviders } from './subscriptions/subscriptions.wiring';
import { WebhookController } from './webhooks/webhook.controller';
import { WebhookService } from './webhooks/webhook.service';

/**
 * The billing service: the catalog of offerings per domain, Stripe Checkout sessions, verified and
 * deduplicated Stripe webhooks (the platform's and, on the Connect endpoint, connected accounts'),
 * Stripe Connect onboarding, and the outbox relay to stream BILLING.
 */
@Module({
  imports: [
    ServiceConfigModule.forRoot(BillingConfig),
    DatabaseModule.forRoot({
      config: BillingConfig,
      url: (c) => c.BILLING_DATABASE_URL,
      poolSize: (c) => c.BILLING_DATABASE_POOL_SIZE,
      migrations: billingMigrations,
    }),
    NatsModule.forRoot({ name: 'billing', config: BillingConfig, servers: (c) => c.NATS_URL, streams: [Streams.billing, Streams.entitlements] }),
    HealthModule.register({ hasDatabase: true }),
  ],
  controllers: [CheckoutController, WebhookController, StripeRefundsController, ConnectController, ...subscriptionControllers, ...entitlementControllers],
  providers: [
    stripeClientProvider, CatalogService, CheckoutService, WebhookService, BillingOutboxRelay, StripeRefundsService, ConnectService, ConnectOAuthService, AccountEventsHandler, ConnectedSales,
    ...subscriptionProviders, ...entitlementProviders,
  ],
})
export class BillingModule {}
