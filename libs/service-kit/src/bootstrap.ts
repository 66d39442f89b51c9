import 'reflect-metadata';
import { INestApplication, Logger, Module, Type } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { ConfigurationError } from './config';
import { ObservabilityModule } from './observability';
import { natsAuthOptions } from './nats';
import { ProblemJsonFilter } from './problem';

/** How a service starts: its root module, HTTP port, and optionally a NATS request/reply queue group. */
export interface ServiceBootOptions {
  name: string;
  module: Type<unknown>;
  httpHost: string;
  httpPort: number;
  /** NATS servers for request/reply; with `queue`, the service serves commands in that queue group. */
  nats?: { servers: string; queue: string };
  /** Keep the raw request body (the Stripe webhook signature covers raw bytes). */
  rawBody?: boolean;
  /**
   * The HTTP platform, made afresh for each boot (default: Nest's Express adapter). The gateway
   * serves on Fastify (`@nestjs/platform-fastify`) and registers its own body parsers.
   */
  httpAdapter?: () => AbstractHttpAdapter;
  /** Whether Nest registers its default JSON and urlencoded body parsers (default true). */
  bodyParser?: boolean;
  /** Called after the app is created, before it listens (gateway: swagger, body limits). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Boots a service: creates the Nest app (configuration validated by its module), connects the
 * NATS request/reply server, renders errors as problem+json, enables graceful shutdown (SIGTERM:
 * stop taking work, finish in-flight work, drain NATS, close the pool), and listens.
 * A ConfigurationError stops the process with exit code 78 (EX_CONFIG) and the message only.
 */
export async function bootService(options: ServiceBootOptions): Promise<INestApplication> {
  const logger = new Logger(options.name);
  try {
    // Every service gets JSON logs with correlation ids and /metrics, around its own module.
    @Module({ imports: [ObservabilityModule, options.module] })
    class ServiceRoot {}
    const appOptions = { rawBody: options.rawBody ?? false, bodyParser: options.bodyParser ?? true, bufferLogs: true };
    const app = options.httpAdapter
      ? await NestFactory.create(ServiceRoot, options.httpAdapter(), appOptions)
      : await NestFactory.create(ServiceRoot, appOptions);
    app.useLogger(app.get(PinoLogger));
    app.useGlobalFilters(new ProblemJsonFilter());
    app.enableShutdownHooks();
    if (options.nats) {
      app.connectMicroservice<MicroserviceOptions>(
        {
          transport: Transport.NATS,
          options: {
            ...natsAuthOptions(),
            servers: options.nats.servers.split(','),
            queue: options.nats.queue,
            name: `${options.name}-rpc`,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
          },
        },
        { inheritAppConfig: true },
      );
    }
    if (options.configure) await options.configure(app);
    await app.startAllMicroservices();
    await app.listen(options.httpPort, options.httpHost);
    logger.log(`${options.name} listening on http://${options.httpHost}:${options.httpPort}`);
    return app;
  } catch (error) {
    const root = findConfigurationError(error);
    if (root) {
      process.stderr.write(`${options.name}: ${root.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

function findConfigurationError(error: unknown): ConfigurationError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof ConfigurationError || (current as Error).name === 'ConfigurationError') {
      return current as ConfigurationError;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
