import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { connect, ConnectionOptions, NatsConnection } from 'nats';
import { readSecretSetting } from './secrets';

/** Injection token of the service's own NATS connection (JetStream publishing and consuming). */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Decorator to inject the NATS connection. */
export const InjectNats = (): ParameterDecorator => Inject(NATS_CONNECTION);

/**
 * Credentials and TLS for a secured NATS (the production cluster in deploy/nats): `NATS_USER` +
 * `NATS_PASSWORD`, or `NATS_TOKEN`; `NATS_TLS_CA_FILE` (and `NATS_TLS_CERT_FILE` +
 * `NATS_TLS_KEY_FILE` for mutual TLS). Empty on a local, open server. Used by every NATS
 * connection of a service: its own, the request/reply server and the gateway's client.
 */
export function natsAuthOptions(env: NodeJS.ProcessEnv = process.env): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = {};
  const token = readSecretSetting(env, 'NATS_TOKEN');
  if (env['NATS_USER']) {
    options.user = env['NATS_USER'];
    options.pass = readSecretSetting(env, 'NATS_PASSWORD') ?? '';
  } else if (token) {
    options.token = token;
  }
  if (env['NATS_TLS_CA_FILE'] || env['NATS_TLS_CERT_FILE']) {
    options.tls = {
      ...(env['NATS_TLS_CA_FILE'] ? { ca: readFileSync(env['NATS_TLS_CA_FILE'], 'utf8') } : {}),
      ...(env['NATS_TLS_CERT_FILE'] ? { cert: readFileSync(env['NATS_TLS_CERT_FILE'], 'utf8') } : {}),
      ...(env['NATS_TLS_KEY_FILE'] ? { key: readFileSync(env['NATS_TLS_KEY_FILE'], 'utf8') } : {}),
    };
  }
  return options;
}

/**
 * Opens a NATS connection that reconnects forever (a NATS restart must not kill a service),
 * named after the service for `nats server report connections`.
 */
export async function connectNats(servers: string, name: string): Promise<NatsConnection> {
  return connect({
    ...natsAuthOptions(),
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
