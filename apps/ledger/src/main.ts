import 'reflect-metadata';
import './tracing';
import { QueueGroups } from '@credit-hub/contracts';
import { bootService, loadConfigOrExit } from '@credit-hub/service-kit';
import { LedgerConfig } from './ledger.config';
import { LedgerModule } from './ledger.module';

const config = loadConfigOrExit('ledger', LedgerConfig);
void bootService({
  name: 'ledger',
  module: LedgerModule,
  httpHost: config.HTTP_HOST,
  httpPort: config.LEDGER_HTTP_PORT,
  nats: { servers: config.NATS_URL, queue: QueueGroups.ledger },
});
