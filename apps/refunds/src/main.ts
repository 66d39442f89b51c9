import 'reflect-metadata';
import './tracing';
import { QueueGroups } from '@credit-hub/contracts';
import { bootService, loadConfigOrExit } from '@credit-hub/service-kit';
import { RefundsConfig } from './refunds.config';
import { RefundsModule } from './refunds.module';

const config = loadConfigOrExit('refunds', RefundsConfig);
void bootService({
  name: 'refunds',
  module: RefundsModule,
  httpHost: config.HTTP_HOST,
  httpPort: config.REFUNDS_HTTP_PORT,
  nats: { servers: config.NATS_URL, queue: QueueGroups.refunds },
});
