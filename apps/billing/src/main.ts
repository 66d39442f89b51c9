import 'reflect-metadata';
import './tracing';
import { QueueGroups } from '@credit-hub/contracts';
import { bootService, loadConfigOrExit } from '@credit-hub/service-kit';
import { BillingConfig } from './billing.config';
import { BillingModule } from './billing.module';

const config = loadConfigOrExit('billing', BillingConfig);
void bootService({
  name: 'billing',
  module: BillingModule,
  httpHost: config.HTTP_HOST,
  httpPort: config.BILLING_HTTP_PORT,
  nats: { servers: config.NATS_URL, queue: QueueGroups.billing },
});
