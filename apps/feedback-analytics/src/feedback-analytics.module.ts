import { Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { AnalyticsConfig } from './analytics.config';
import { LedgerEventsConsumer } from './ledger/ledger-events.consumer';
import { analyticsMigrations } from './migrations';
import { webhookControllers, webhookProviders } from './notifications';
import { ReadModelsController } from './analytics-api/read-models.controller';
import { BillingReadModelConsumer, LedgerReadModelConsumer, RefundReadModelConsumer } from './read-models/read-model.consumers';
import { ReadModelReader } from './read-models/read-model.reader';
import { UsageController } from './usage/usage.controller';
import { UsageReader } from './usage/usage.reader';

/**
 * feedback-analytics: read models fed only from JetStream. Today: credit usage and purchases per
 * domain and UTC day, projected from stream LEDGER by the durable consumer `feedback-analytics`,
 * and served over NATS request/reply (`AnalyticsSubjects.usage`, queue group `feedback-analytics`).
 */
@Module({
  imports: [
    ServiceConfigModule.forRoot(AnalyticsConfig),
    DatabaseModule.forRoot({
      config: AnalyticsConfig,
      url: (c) => c.ANALYTICS_DATABASE_URL,
      migrations: analyticsMigrations,
    }),
    // The service ensures the stream it reads, so it can boot before the ledger has ever run.
    NatsModule.forRoot({ name: 'feedback-analytics', config: AnalyticsConfig, servers: (c) => c.NATS_URL, streams: [Streams.ledger] }),
    HealthModule.register({ hasDatabase: true }),
  ],
  controllers: [UsageController, ReadModelsController, ...webhookControllers],
  providers: [LedgerEventsConsumer, UsageReader, LedgerReadModelConsumer, BillingReadModelConsumer, RefundReadModelConsumer, ReadModelReader, ...webhookProviders],
})
export class FeedbackAnalyticsModule {}
