import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { AnalyticsModule } from './analytics/analytics.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { BillingEdgeModule } from './billing/billing.module';
import { ConnectModule } from './connect/connect.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { GatewayConfig } from './gateway.config';
import { IdempotencyKeyInterceptor } from './http/idempotency-key';
import { rateLimitGuardProvider, rateLimitModule } from './http/rate-limit';
import { gatewayMigrations } from './migrations';
import { HubModule } from './nats/hub.module';
import { OperatorModule } from './operator/operator.module';
import { PortalModule } from './portal/portal.module';
import { PortfolioModule } from './portfolio/portfolio.module';
import { RefundRequestsModule } from './refunds/refund-requests.module';
import { StripeWebhooksModule } from './webhooks/stripe-webhooks.module';
import { WebhookEndpointsModule } from './webhooks-endpoints/webhook-endpoints.module';

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
    ApiKeysModule,
    HubModule,
    // One module per feature folder, each registering only what is in its folder.
    PortfolioModule,
    BillingEdgeModule,
    AnalyticsModule,
    DashboardModule,
    PortalModule,
    RefundRequestsModule,
    WebhookEndpointsModule,
    StripeWebhooksModule,
    OperatorModule,
    ConnectModule,
  ],
  providers: [{ provide: APP_INTERCEPTOR, useClass: IdempotencyKeyInterceptor }, rateLimitGuardProvider],
})
export class GatewayModule {}
