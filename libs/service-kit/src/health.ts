import { BeforeApplicationShutdown, Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOperation } from '@nestjs/swagger';
import { NatsConnection } from 'nats';
import { NATS_CONNECTION } from './nats';

/** Terminus indicator: NATS is up when a round trip to the server (flush) answers within 1 s. */
@Injectable()
export class NatsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async isHealthy(key: string) {
    const indicator = this.indicators.check(key);
    try {
      if (this.nc.isClosed()) return indicator.down({ message: 'connection closed' });
      await Promise.race([
        this.nc.flush(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('flush timed out after 1000 ms')), 1000)),
      ]);
      return indicator.up({ server: this.nc.getServer() });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

/**
 * Marks whether the service is draining; readiness turns false from the first shutdown hook on.
 * It also stops, all at once, what registered with `stopOnDrain` (the durable consumers) as soon
 * as the first of them reaches its shutdown hook: Nest runs one module's shutdown hooks after
 * another's, so consumers in different feature modules would otherwise stop one by one, the last
 * ones still pulling while the first stop.
 */
@Injectable()
export class Lifecycle implements BeforeApplicationShutdown {
  draining = false;
  private readonly stoppers = new Set<() => Promise<void>>();
  private drained?: Promise<void>;

  /** Registers `stop` to run (concurrently with the others registered) when the service drains. */
  stopOnDrain(stop: () => Promise<void>): void {
    this.stoppers.add(stop);
  }

  /** Marks the service draining and runs every registered `stop` concurrently; once (later calls await the same). */
  drain(): Promise<void> {
    this.draining = true;
    this.drained ??= Promise.all([...this.stoppers].map((stop) => stop())).then(() => undefined);
    return this.drained;
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }
}

/**
 * `GET /health`: PostgreSQL (when the service has one) and NATS, through @nestjs/terminus.
 * 200 when all are up, 503 with the failing check named otherwise.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nats: NatsHealthIndicator,
    private readonly lifecycle: Lifecycle,
    @Inject('HEALTH_HAS_DATABASE') private readonly hasDatabase: boolean,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness', description: 'PostgreSQL (when the service has one) and NATS, as @nestjs/terminus reports them; never rate limited.' })
  check() {
    const checks = [() => this.nats.isHealthy('nats')];
    if (this.hasDatabase) checks.push(() => this.database.pingCheck('postgres', { timeout: 1000 }) as never);
    return this.health.check(checks);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness', description: 'Like /health, and 503 while the service drains before shutdown: take it out of the load balancer then.' })
  ready() {
    const checks = [() => this.nats.isHealthy('nats')];
    if (this.hasDatabase) checks.push(() => this.database.pingCheck('postgres', { timeout: 1000 }) as never);
    if (this.lifecycle.draining) checks.push(async () => ({ lifecycle: { status: 'down', draining: true } }) as never);
    return this.health.check(checks);
  }
}

/**
 * Health module; `hasDatabase` false for the gateway without TypeORM. Global, so that every
 * feature module's consumers can ask `Lifecycle` whether the service is draining.
 */
@Module({})
export class HealthModule {
  static register(options: { hasDatabase: boolean }) {
    return {
      module: HealthModule,
      global: true,
      imports: [TerminusModule.forRoot({ gracefulShutdownTimeoutMs: 0 })],
      controllers: [HealthController],
      providers: [NatsHealthIndicator, Lifecycle, { provide: 'HEALTH_HAS_DATABASE', useValue: options.hasDatabase }],
      exports: [Lifecycle],
    };
  }
}
