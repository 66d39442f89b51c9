import 'reflect-metadata';
import './tracing';
import { bootService, loadConfigOrExit } from '@credit-hub/service-kit';
import { GatewayConfig } from './gateway.config';
import { gatewayHttpBoot } from './gateway.http';
import { GatewayModule } from './gateway.module';

const config = loadConfigOrExit('gateway', GatewayConfig);
// No NATS queue: the gateway serves no commands, it only sends them (HubClient).
void bootService({
  name: 'gateway',
  module: GatewayModule,
  httpHost: config.HTTP_HOST,
  httpPort: config.GATEWAY_HTTP_PORT,
  ...gatewayHttpBoot,
});
