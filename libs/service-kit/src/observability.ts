import { CallHandler, Controller, ExecutionContext, Get, Global, Header, Injectable, Module, NestInterceptor } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Observable, tap } from 'rxjs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runningConsumers } from './managed-consumer';

/** A URL as logged: the token of a customer portal link (`/portal/<token>…`) and query strings removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/portal\/[^/?#]+/, '/portal/[redacted]').replace(/\?.*$/, (q) => (q.length > 1 ? '?[query]' : ''));
}

/** Header carrying the correlation id across HTTP, NATS and JetStream hops. */
export const correlationHeader = 'x-correlation-id';

/**
 * The service's Prometheus registry (prom-client): default process metrics plus HTTP request
 * counts and latency by route and status. Services register their own metrics on `registry`.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpLatency: Histogram<'method' | 'route'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.httpLatency = new Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
    });
    const consumerGauge = (name: string, help: string, field: 'pending' | 'ackPending' | 'redelivered') =>
      this.gauge(name, help, ['stream', 'durable'], async (gauge) => {
        for (const consumer of runningConsumers) {
          const info = await consumer.info();
          gauge.set({ stream: info.stream, durable: info.durable }, info[field]);
        }
      });
    consumerGauge('jetstream_consumer_pending', 'Messages of the stream not yet delivered to this durable consumer', 'pending');
    consumerGauge('jetstream_consumer_ack_pending', 'Messages delivered and not yet acknowledged', 'ackPending');
    consumerGauge('jetstream_consumer_redelivered', 'Messages delivered more than once', 'redelivered');
  }

  /** A histogram on this registry (idempotent by name). */
  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets?: number[]): Histogram<L> {
    return (this.registry.getSingleMetric(name) as Histogram<L>) ?? new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /**
   * A gauge read at scrape time by `collect` (idempotent by name): backlogs and pending counts
   * that live in a database or on the NATS server. A failing collect leaves the last value.
   */
  gauge<L extends string>(name: string, help: string, labelNames: L[], collect: (gauge: Gauge<L>) => Promise<void>): Gauge<L> {
    const existing = this.registry.getSingleMetric(name) as Gauge<L> | undefined;
    if (existing) return existing;
    return new Gauge<L>({
      name, help, labelNames, registers: [this.registry],
      async collect(this: Gauge<L>) {
        await collect(this).catch(() => undefined);
      },
    });
  }

  /** A counter on this registry (idempotent by name). */
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return (this.registry.getSingleMetric(name) as Counter<L>) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}

/** Counts and times every HTTP request by its route pattern (not the raw URL: bounded label values). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<{ method: string; route?: { path?: string } }>();
    const response = context.switchToHttp().getResponse<{ statusCode: number }>();
    const route = request.route?.path ?? 'unmatched';
    const stop = this.metrics.httpLatency.startTimer({ method: request.method, route });
    const done = (status: number) => {
      stop();
      this.metrics.httpRequests.inc({ method: request.method, route, status: String(status) });
    };
    return next.handle().pipe(tap({ next: () => done(response.statusCode), error: (e: { status?: number }) => done(e?.status ?? 500) }));
  }
}

/** `GET /metrics`: the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

/**
 * Structured JSON logs (nestjs-pino) with a correlation id on every line of a request (taken from
 * `X-Correlation-Id` or made, and echoed in the response), and Prometheus metrics at `/metrics`.
 * `bootService` adds it to every service. `LOG_LEVEL` sets the level (default info).
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRoot({
      pinoHttp: {
        level: process.env['LOG_LEVEL'] ?? 'info',
        genReqId: (request: IncomingMessage, response: ServerResponse) => {
          const given = request.headers[correlationHeader];
          const id = typeof given === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(given) ? given : randomUUID();
          response.setHeader('X-Correlation-Id', id);
          return id;
        },
        customProps: (request: IncomingMessage) => ({ correlationId: (request as IncomingMessage & { id?: string }).id }),
        autoLogging: { ignore: (request: IncomingMessage) => /^\/(health|metrics)/.test(request.url ?? '') },
        redact: ['req.headers.authorization', 'req.headers["stripe-signature"]', 'req.headers.cookie'],
        // URLs are logged without credentials: a portal link's token is a bearer credential.
        serializers: { req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: redactUrl(req.url), id: req.id }) },
      },
    }),
  ],
  controllers: [MetricsController],
  providers: [Metrics, { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor }],
  exports: [Metrics],
})
export class ObservabilityModule {}
