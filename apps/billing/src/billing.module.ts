import { Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { BillingConfig } from './billing.config';
import { CatalogModule } from './catalog/catalog.module';
import { CheckoutModule } from './checkout/checkout.module';
import { ConnectModule } from './connect/connect.module';
import { DisputesModule } from './disputes/disputes.module';
import { EntitlementsModule } from './entitlements/entitlements.module';
import { billingMigrations } from './migrations';
import { OutboxModule } from './outbox/outbox.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { RefundsModule } from './refunds/refunds.module';
import { StripeModule } from './stripe/stripe.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The billing service: the catalog of offerings per domain, Stripe Checkout sessions, verified and
 * deduplicated Stripe webhooks (the platform's and, on the Connect endpoint, connected accounts'),
 * Stripe Connect onboarding, and the outbox relay to stream BILLING.
 *
 * One module per feature folder; the shared infrastructure (config, database, NATS, Stripe, the
 * outbox relay) sits below them. Features depend downwards only, in this order (docs/architecture.md):
 * catalog ← entitlements, checkout, subscriptions ← webhooks ← connect, reconcile; connect ← refunds;
 * disputes stands alone.
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
    StripeModule,
    OutboxModule,
    CatalogModule,
    EntitlementsModule,
    CheckoutModule,
    SubscriptionsModule,
    WebhooksModule,
    ConnectModule,
    DisputesModule,
    ReconcileModule,
    RefundsModule,
  ],
})
export class BillingModule {}
