import { Module } from '@nestjs/common';
import { Streams } from '@credit-hub/contracts';
import { DatabaseModule, HealthModule, NatsModule, ServiceConfigModule } from '@credit-hub/service-kit';
import { AnalyticsConfig } from './analytics.config';
import { AnalyticsApiModule } from './analytics-api/analytics-api.module';
import { LedgerEventsModule } from './ledger/ledger-events.module';
import { analyticsMigrations } from './migrations';
import { NotificationsModule } from './notifications/notifications.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { UsageModule } from './usage/usage.module';

/**
 * feedback-analytics: read models fed only from JetStream. Credit usage and purchases per domain
 * and UTC day, projected from stream LEDGER by the durable consumer `feedback-analytics`, and
 * served over NATS request/reply (`AnalyticsSubjects.usage`, queue group `feedback-analytics`);
 * the read models of LEDGER, BILLING and REFUNDS; alerts and outgoing webhooks. One module per
 * feature folder.
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
    LedgerEventsModule,
    UsageModule,
    ReadModelsModule,
    AnalyticsApiModule,
    NotificationsModule,
  ],
})
export class FeedbackAnalyticsModule {}
