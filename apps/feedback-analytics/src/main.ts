import 'reflect-metadata';
import './tracing';
import { QueueGroups } from '@credit-hub/contracts';
import { bootService, loadConfigOrExit } from '@credit-hub/service-kit';
import { AnalyticsConfig } from './analytics.config';
import { FeedbackAnalyticsModule } from './feedback-analytics.module';

const config = loadConfigOrExit('feedback-analytics', AnalyticsConfig);
void bootService({
  name: 'feedback-analytics',
  module: FeedbackAnalyticsModule,
  httpHost: config.HTTP_HOST,
  httpPort: config.ANALYTICS_HTTP_PORT,
  nats: { servers: config.NATS_URL, queue: QueueGroups.analytics },
});
