import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { AnalyticsController } from './analytics/analytics.controller';
import { analyticsEdgeControllers } from './analytics';
import { ApiKeyAuthenticator } from './api-keys/api-key-authenticator';
import { ApiKeyGuard } from './api-keys/api-key.guard';
import { BillingController } from './billing/billing.controller';
import { connectEdgeControllers, connectEdgeProviders } from './connect';
import { DashboardSessions } from './dashboard/dashboard-sessions';
import { GatewayConfig } from './gateway.config';
import { gatewayMigrations } from './migrations';
import { rateLimitGuardProvider, rateLimitModule } from './http/rate-limit';
import { HubClient } from './nats/hub-client';
import { IdempotencyKeyInterceptor } from './http/idempotency-key';
import { billingEdgeControllers, billingEdgeProviders } from './operator/billing-edge';
import { refundEdgeControllers, refundEdgeProviders } from './portal/refund-edge';
import { CreditLedgerController } from './portfolio/credit-ledger.controller';
import { CreditsController } from './portfolio/credits.controller';
import { EntitlementsController } from './portfolio/entitlements.controller';
import { StripeWebhookController } from './webhooks/stripe-webhook.controller';
import { WebhookEndpointsController } from './webhooks-endpoints/webhook-endpoints.controller';

/**
 * The gateway: the only HTTP edge. Authenticates API keys (its only state), validates input and
 * forwards commands and queries over NATS request/reply; serves no NATS subjects itself.
 */
@Module({
  imports: [
    ServiceConfigModule.forRoot(GatewayConfig),
    DatabaseModule.forRoot({
      config: GatewayConfig,
      url: (c) => c.GATEWAY_DATABASE_URL,
      poolSize: (c) => c.GATEWAY_DATABASE_POOL_SIZE,
      migrations: gatewayMigrations,
    }),
    NatsModule.forRoot({ name: 'gateway', config: GatewayConfig, servers: (c) => c.NATS_URL }),
    HealthModule.register({ hasDatabase: true }),
    rateLimitModule,
  ],
  controllers: [BillingController, CreditsController, CreditLedgerController, AnalyticsController, ...analyticsEdgeControllers, StripeWebhookController, ...refundEdgeControllers, WebhookEndpointsController, ...billingEdgeControllers, EntitlementsController, ...connectEdgeControllers],
  providers: [ApiKeyAuthenticator, ApiKeyGuard, DashboardSessions, HubClient, { provide: APP_INTERCEPTOR, useClass: IdempotencyKeyInterceptor }, ...refundEdgeProviders, rateLimitGuardProvider, ...billingEdgeProviders, ...connectEdgeProviders],
})
export class GatewayModule {}
