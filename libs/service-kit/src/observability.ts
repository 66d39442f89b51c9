import {
  CallHandler, Controller, ExecutionContext, Get, Global, Header, Injectable, Logger, MiddlewareConsumer, Module, NestInterceptor, NestModule,
  OnApplicationShutdown, RequestMethod,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { NatsContext, NatsRecord } from '@nestjs/microservices';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  CorrelationContext, correlationIdHeader, correlationIdOrNew, currentCorrelationContext, currentLogFields, currentTraceHeaders, runInCorrelationContext, runWithCorrelation,
  startSpan, stopTracing, traceparentHeader, tracestateHeader, tracingEnabled,
} from '@credit-hub/messaging';
import { LoggerModule } from 'nestjs-pino';
import { storage as pinoRequestStorage, Store as PinoRequestStore } from 'nestjs-pino/storage';
import type { Logger as PinoInstance } from 'pino';
import { levels as pinoLevels, symbols as pinoSymbols } from 'pino';
import { startTime as pinoHttpStartTime } from 'pino-http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { finalize, Observable, tap } from 'rxjs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headers as natsHeaders, Match } from 'nats';
import { runningConsumers } from './managed-consumer';
import { redactLogArguments, redactUrl } from './redaction';

export {
  bindLogFields, correlationIdHeader, correlationIdOrNew, currentCorrelationId, currentLogFields, runOutsideCorrelation, runWithCorrelation, runWithLogFields,
} from '@credit-hub/messaging';

/**
 * HTTP header carrying the correlation id into and out of a service (Node lower-cases incoming
 * header names). On NATS and JetStream messages the id travels as `X-Correlation-Id`
 * (`correlationIdHeader`).
 */
export const correlationHeader = 'x-correlation-id';

/** An HTTP request as the correlation middleware and pino-http see it. */
type CorrelatedRequest = IncomingMessage & { correlationId?: string };

/**
 * The correlation id of an HTTP request: the one already chosen for it (by whichever of pino-http
 * and the correlation middleware ran first), else its `X-Correlation-Id` header when valid
 * (1-128 of `[A-Za-z0-9_.:-]`), else a fresh UUID. A malformed or oversized header is replaced,
 * never logged nor propagated. Idempotent per request.
 */
export function requestCorrelationId(request: CorrelatedRequest): string {
  if (request.correlationId === undefined) {
    const chosen = (request as { id?: unknown }).id;
    request.correlationId = typeof chosen === 'string' ? chosen : correlationIdOrNew(request.headers[correlationHeader]);
  }
  return request.correlationId;
}

/**
 * Express middleware: runs the rest of the request (guards, handlers, the gateway's NATS
 * requests) inside the request's correlation context and echoes the id in `X-Correlation-Id`.
 * Nest registers body parsers before module middleware, so the context is not lost across
 * body parsing.
 */
export function correlationMiddleware(request: CorrelatedRequest, response: ServerResponse, next: () => void): void {
  const id = requestCorrelationId(request);
  if (!response.headersSent) response.setHeader('X-Correlation-Id', id);
  runWithCorrelation(id, next);
}

/**
 * Runs `next` (the rest of an HTTP request) in the request's correlation context and with its
 * pino-http request logger, as `correlationMiddleware` and nestjs-pino's middleware do. For a
 * platform whose body parsing runs after middleware and outside their async context (Fastify
 * reads the body in stream callbacks, so the context the middleware entered is lost by the time
 * the handler runs): its `preHandler` hook calls this with the raw Node request.
 */
export function reenterRequestContext(request: CorrelatedRequest, next: () => void): void {
  const log = (request as { log?: PinoInstance }).log;
  const run = () => runWithCorrelation(requestCorrelationId(request), next);
  if (log) pinoRequestStorage.run(new PinoRequestStore(log), run);
  else run();
}

/**
 * Which request log lines (pino-http's one line per answered request) are written on a service's
 * hottest routes: `paths` (exact, without the query string), of whose answered requests one in
 * `oneIn` is logged at info (the others at debug); an error answer (status ≥ 400, or an error
 * raised) and a request slower than `slowMs` are always logged at info. Other routes log every
 * request. Metrics are unaffected.
 */
export interface RequestLogSampling {
  paths: readonly string[];
  oneIn: number;
  slowMs: number;
}

let requestLogSampling: { paths: ReadonlySet<string>; oneIn: number; slowMs: number } | undefined;
let sampledRequests = 0;

/** Sets this process's request log sampling (see RequestLogSampling); undefined logs every request again. */
export function sampleRequestLogs(sampling: RequestLogSampling | undefined): void {
  requestLogSampling = sampling && { paths: new Set(sampling.paths), oneIn: Math.max(1, Math.floor(sampling.oneIn)), slowMs: sampling.slowMs };
}

/**
 * pino-http's level for a request's log line: `info` (as before sampling existed), or, for an
 * answered request of a sampled route that is neither an error, slow, nor the one in `oneIn` that
 * is kept, `debug` (LOG_LEVEL debug or trace: every request is still written) or `silent`.
 */
export function requestLogLevel(request: IncomingMessage, response: ServerResponse, error?: Error): 'info' | 'debug' | 'silent' {
  const sampling = requestLogSampling;
  if (sampling === undefined || error !== undefined || response.statusCode >= 400) return 'info';
  const url = request.url ?? '';
  const query = url.indexOf('?');
  if (!sampling.paths.has(query === -1 ? url : url.slice(0, query))) return 'info';
  const started = (response as unknown as Record<symbol, number | undefined>)[pinoHttpStartTime];
  if (started !== undefined && Date.now() - started >= sampling.slowMs) return 'info';
  const kept = sampledRequests === 0; // the first of every `oneIn`
  sampledRequests = (sampledRequests + 1) % sampling.oneIn;
  return kept ? 'info' : debugLogging ? 'debug' : 'silent';
}

/** The log level of this process: `LOG_LEVEL` (trace, debug, info, warn, error, fatal), default info. */
const logLevel = process.env['LOG_LEVEL'] ?? 'info';

/**
 * Whether debug lines are written (LOG_LEVEL is debug or trace). Hot paths test it before
 * building a debug line, so a disabled line costs one boolean test, not a logger call.
 */
export const debugLogging = (pinoLevels.values[logLevel] ?? pinoLevels.values['info']) <= pinoLevels.values['debug'];

/**
 * Runs every NATS request/reply handler (`@MessagePattern`) inside the correlation context of the
 * request's `X-Correlation-Id` NATS header (exact key first, then any case: NATS header keys are
 * case-sensitive, https://docs.nats.io/learn/core-nats/headers); a missing or invalid header gets
 * a fresh id, so every handler's log lines and outbox rows are correlated. With tracing on, the
 * handler runs in a server span `<subject> process`, child of the request's `traceparent` header.
 * HTTP and other contexts pass through untouched.
 */
@Injectable()
export class RpcCorrelationInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Rpc');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpc = context.switchToRpc().getContext<unknown>();
    const headers = rpc instanceof NatsContext ? rpc.getHeaders() : undefined;
    const given = headers ? (headers.get(correlationIdHeader) || headers.get(correlationIdHeader, Match.IgnoreCase)) : undefined;
    // With tracing on, the handler runs in a server span, child of the request's `traceparent`.
    const span = tracingEnabled()
      ? startSpan(`${rpc instanceof NatsContext ? rpc.getSubject() : 'rpc'} process`, { kind: 'server', parent: traceHeadersOf(headers), attributes: { 'messaging.system': 'nats' } })
      : undefined;
    // Nest binds `handle()`'s deferred work to the async context it is called in, so calling it
    // inside `run` puts the handler (and what it awaits) in the context.
    let store: CorrelationContext | undefined;
    const handle = () => runWithCorrelation(correlationIdOrNew(given), () => {
      store = currentCorrelationContext();
      return next.handle();
    });
    let failure: unknown;
    const handled = span ? span.run(handle).pipe(tap({ error: (error: unknown) => (failure = error) }), finalize(() => span.end(failure))) : handle();
    if (!debugLogging || store === undefined) return handled;
    // At debug, one line per request answered, so the hop is visible in every service's log. The
    // completion is signalled outside the handler's async context: the line re-enters it (with
    // the fields the handler bound).
    const subject = rpc instanceof NatsContext ? rpc.getSubject() : 'rpc';
    const started = performance.now();
    const inContext = store;
    const answered = () => runInCorrelationContext(inContext, () => this.logger.debug(`answered ${subject} in ${(performance.now() - started).toFixed(1)} ms`));
    return handled.pipe(tap({ complete: answered }));
  }
}

/**
 * What to hand a Nest NATS ClientProxy's `send`/`emit` so the current correlation id travels as
 * the NATS header `X-Correlation-Id` (NATS header keys are case-sensitive:
 * https://docs.nats.io/learn/core-nats/headers): a NatsRecord of `payload` with that header
 * (Nest's NATS serializer sends its data as the body and its headers as NATS headers), or
 * `payload` itself outside any correlation context. The receiving service's
 * RpcCorrelationInterceptor runs its handler in the same id. With tracing on, the current span's
 * `traceparent`/`tracestate` go as headers too. One headers object per call.
 */
export function correlatedPayload(payload: object): object {
  const id = currentCorrelationContext()?.correlationId;
  const trace = currentTraceHeaders();
  if (id === undefined && trace === undefined) return payload;
  const h = natsHeaders();
  if (id !== undefined) h.set(correlationIdHeader, id);
  for (const [name, value] of Object.entries(trace ?? {})) h.set(name, value);
  return new NatsRecord(payload, h);
}

/** The W3C trace context headers of a NATS message (`traceparent`, `tracestate`), undefined when it has none. */
function traceHeadersOf(headers: ReturnType<NatsContext['getHeaders']> | undefined): Record<string, string> | undefined {
  const traceparent = headers?.get(traceparentHeader);
  if (!traceparent) return undefined;
  const tracestate = headers?.get(tracestateHeader);
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * pino mixin: adds `correlationId` of the current context, and the fields bound with
 * `runWithLogFields` (e.g. `customer`, `domain`, `referenceId`), to every log line. When the
 * logger's own bindings already carry `correlationId` (pino-http's request logger, bound by
 * `customProps`), it is not repeated.
 */
export function correlationMixin(_merge: object, _level: number, logger?: unknown): Record<string, string> {
  const fields = currentLogFields();
  if (fields === undefined) return {};
  const bindings = (logger as Record<symbol, unknown> | undefined)?.[pinoSymbols.chindingsSym];
  if (typeof bindings === 'string' && bindings.includes('"correlationId":')) delete fields['correlationId'];
  return fields;
}

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

/** A request as Express (`route.path`) or Fastify (`routeOptions.url`) hands it to Nest. */
export interface RoutedRequest {
  method: string;
  route?: { path?: string };
  routeOptions?: { url?: string };
}

/**
 * The route pattern a request matched (`/api/portfolio/credits/reservations/:reservationId/capture`),
 * on Express or Fastify alike; undefined when no route matched.
 */
export function routePatternOf(request: RoutedRequest): string | undefined {
  return request.route?.path ?? request.routeOptions?.url;
}

/** Counts and times every HTTP request by its route pattern (not the raw URL: bounded label values). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<RoutedRequest>();
    const response = context.switchToHttp().getResponse<{ statusCode: number }>();
    const route = routePatternOf(request) ?? 'unmatched';
    const stop = this.metrics.httpLatency.startTimer({ method: request.method, route });
    const done = (status: number) => {
      stop();
      this.metrics.httpRequests.inc({ method: request.method, route, status: String(status) });
    };
    return next.handle().pipe(tap({ next: () => done(response.statusCode), error: (e: { status?: number }) => done(e?.status ?? 500) }));
  }
}

/** `GET /metrics`: the Prometheus text format. */
@ApiTags('Metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics', description: "The service's metrics in the Prometheus text format (version 0.0.4), for a scraper; never rate limited." })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The Prometheus text format', content: { 'text/plain': { schema: { type: 'string', example: 'http_requests_total{method="POST",route="/api/portfolio/credits/consume",status="200"} 42' } } } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

/**
 * Structured JSON logs (nestjs-pino) with `correlationId` on every line emitted within a
 * correlation context: an HTTP request (id from `X-Correlation-Id` or made, echoed in the
 * response), a NATS request (its `X-Correlation-Id` header), a JetStream message handled by a
 * DurableConsumer (its header). Prometheus metrics at `/metrics`.
 * `bootService` adds it to every service. `LOG_LEVEL` sets the level (default info).
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRoot({
      pinoHttp: {
        level: logLevel,
        genReqId: (request: IncomingMessage, response: ServerResponse) => {
          const id = requestCorrelationId(request);
          if (!response.headersSent) response.setHeader('X-Correlation-Id', id);
          return id;
        },
        customProps: (request: IncomingMessage) => ({ correlationId: requestCorrelationId(request) }),
        mixin: correlationMixin,
        autoLogging: { ignore: (request: IncomingMessage) => /^\/(health|metrics)/.test(request.url ?? '') },
        customLogLevel: requestLogLevel,
        redact: ['req.headers.authorization', 'req.headers["stripe-signature"]', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        // No secret in any line: URLs without the portal token and the query string, no request or
        // response headers (Cookie, Set-Cookie, Authorization), no bodies; every message and error
        // of every logger passes redactLogArguments (apps' Logger lines included).
        serializers: {
          req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: redactUrl(req.url), id: req.id }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        hooks: { logMethod: redactLogArguments },
      },
    }),
  ],
  controllers: [MetricsController],
  providers: [
    Metrics,
    { provide: APP_INTERCEPTOR, useClass: RpcCorrelationInterceptor },
    { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
  ],
  exports: [Metrics],
})
export class ObservabilityModule implements NestModule, OnApplicationShutdown {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(correlationMiddleware).forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }

  /** Exports the spans still buffered (tracing on), after everything else has shut down. */
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
