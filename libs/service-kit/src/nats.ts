import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';

/** Injection token of the service's own NATS connection (JetStream publishing and consuming). */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Decorator to inject the NATS connection. */
export const InjectNats = (): ParameterDecorator => Inject(NATS_CONNECTION);

/**
 * Opens a NATS connection that reconnects forever (a NATS restart must not kill a service),
 * named after the service for `nats server report connections`.
 */
export async function connectNats(servers: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: servers.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
  });
}

/** Drains the NATS connection when the application shuts down (in-flight messages finish). */
@Injectable()
export class NatsDrainer implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.nc.isClosed()) return;
    this.logger.log('draining NATS connection');
    await this.nc.drain().catch((error: Error) => this.logger.warn(`drain failed: ${error.message}`));
  }
}
