import { DynamicModule, Global, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StreamDefinition } from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { DataSource, DataSourceOptions } from 'typeorm';
import { dataSourceOptions, ensureDatabase, migrateUnderLock } from './database';
import { connectNats, NATS_CONNECTION, NatsDrainer } from './nats';

/**
 * The service's own NATS connection (for JetStream), injectable with `@InjectNats()`. Ensures the
 * given streams exist at boot and drains the connection at shutdown.
 */
@Global()
@Module({})
export class NatsModule {
  static forRoot<C>(options: {
    name: string;
    config: Type<C>;
    servers: (config: C) => string;
    streams?: StreamDefinition[];
  }): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          inject: [options.config],
          useFactory: async (config: C) => {
            const nc = await connectNats(options.servers(config), options.name);
            // Replicas: 1 on a single server; 3 on the production cluster (deploy/nats).
            const replicas = Number(process.env['JETSTREAM_REPLICAS'] ?? 1);
            if (options.streams?.length) await ensureStreams(nc, options.streams, Number.isInteger(replicas) && replicas > 0 ? replicas : 1);
            return nc;
          },
        },
        NatsDrainer,
      ],
      exports: [NATS_CONNECTION],
    };
  }
}

/**
 * The service's PostgreSQL database through TypeORM: created if missing, migrated at boot with the
 * service's explicit migration classes, pool bounded by `poolSize`.
 */
@Module({})
export class DatabaseModule {
  static forRoot<C>(options: {
    config: Type<C>;
    url: (config: C) => string;
    poolSize?: (config: C) => number;
    migrations: DataSourceOptions['migrations'];
  }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [options.config],
          useFactory: async (config: C) => {
            const url = options.url(config);
            await ensureDatabase(url);
            return dataSourceOptions(url, options.migrations, options.poolSize?.(config) ?? 10);
          },
          // Several instances may boot at once: migrate under a session advisory lock, so one
          // migrates and the others find the work done.
          dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => migrateUnderLock(await new DataSource(dataSourceOptions!).initialize()),
        }),
      ],
    };
  }
}
