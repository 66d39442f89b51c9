import { Module } from '@nestjs/common';
import { WebhookDeliveryWorker } from './delivery-worker';
import { LowBalanceThresholds } from './low-balance';
import { WebhookDeliveries } from './webhook-deliveries.service';
import { WebhookEndpoints } from './webhook-endpoints.service';
import { BillingWebhooksConsumer, EntitlementWebhooksConsumer, LedgerWebhooksConsumer, RefundWebhooksConsumer } from './webhook-sources.consumer';
import { loadWebhooksConfig, WebhooksConfig } from './webhooks.config';
import { WebhooksController } from './webhooks.controller';

/**
 * Alerts and outgoing webhooks: the settings, the low-balance thresholds from the catalog, the
 * endpoint and delivery API, the consumers of LEDGER, REFUNDS, BILLING and ENTITLEMENTS that write
 * deliveries, and the worker that sends them.
 */
@Module({
  controllers: [WebhooksController],
  providers: [
    { provide: WebhooksConfig, useFactory: loadWebhooksConfig },
    LowBalanceThresholds,
    WebhookEndpoints,
    WebhookDeliveries,
    WebhookDeliveryWorker,
    LedgerWebhooksConsumer,
    RefundWebhooksConsumer,
    BillingWebhooksConsumer,
    EntitlementWebhooksConsumer,
  ],
})
export class NotificationsModule {}
