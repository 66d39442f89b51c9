import type * as OtelApi from '@opentelemetry/api';

/**
 * OpenTelemetry tracing, on only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set (docs/operations.md, "Traces").
 *
 * Off, nothing of OpenTelemetry is loaded (every package below is required lazily by
 * `startTracing`) and every helper here is one test of a module variable, then the plain call.
 * On, spans go in batches to the OTLP/HTTP (JSON) endpoint, and the trace context travels as the
 * W3C Trace Context headers `traceparent`/`tracestate` (https://www.w3.org/TR/trace-context/)
 * over the hops the correlation id already takes: HTTP (automatic instrumentation), NATS
 * request/reply and JetStream message headers, the outbox rows, and the items of a coalesced
 * consume batch. PostgreSQL queries get client spans (pg instrumentation).
 *
 * This file imports nothing at run time, so an app's `tracing.ts` can load it before anything
 * else: the http and pg instrumentations must be registered before those modules are required.
 */

/** The W3C Trace Context header names (lower case, as the recommendation writes them). */
export const traceparentHeader = 'traceparent';
export const tracestateHeader = 'tracestate';

/** A `traceparent` value: version 00, 32-hex trace id, 16-hex parent id, 2-hex flags (W3C Trace Context §3.2). */
const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

let api: typeof OtelApi | undefined;
let tracer: OtelApi.Tracer | undefined;
let shutdownProvider: (() => Promise<void>) | undefined;

/** A module loaded only when tracing is on (CommonJS `require`, so nothing is loaded when off). */
function load<T>(name: string): T {
  return require(name) as T;
}

/**
 * Starts tracing for the service `serviceName` (the resource's `service.name`, unless
 * `OTEL_SERVICE_NAME` is set) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set and `OTEL_SDK_DISABLED` is not `true`; returns
 * whether tracing is on. Registers the global tracer provider (AsyncLocalStorage context, W3C
 * trace context and baggage propagators), a batch span processor (`OTEL_BSP_SCHEDULE_DELAY` ms,
 * default 5000) with the OTLP/HTTP JSON exporter (the standard `OTEL_EXPORTER_OTLP_*` variables),
 * and the http (health and metrics scrapes left out) and pg (queries inside a span only) instrumentations. Call it before
 * `http` and `pg` are required. Idempotent.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (api) return true;
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!endpoint || env['OTEL_SDK_DISABLED'] === 'true') return false;
  const otel = load<typeof OtelApi>('@opentelemetry/api');
  const { NodeTracerProvider } = load<typeof import('@opentelemetry/sdk-trace-node')>('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = load<typeof import('@opentelemetry/sdk-trace-base')>('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = load<typeof import('@opentelemetry/exporter-trace-otlp-http')>('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = load<typeof import('@opentelemetry/resources')>('@opentelemetry/resources');
  const { registerInstrumentations } = load<typeof import('@opentelemetry/instrumentation')>('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = load<typeof import('@opentelemetry/instrumentation-http')>('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = load<typeof import('@opentelemetry/instrumentation-pg')>('@opentelemetry/instrumentation-pg');
  const delay = Number(env['OTEL_BSP_SCHEDULE_DELAY']);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] || serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {})],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|metrics)(\/|$|\?)/.test(request.url ?? '') }),
      // Only queries of traced work: the pollers' (outbox relay, schedulers) would make a trace each.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  api = otel;
  tracer = otel.trace.getTracer('credit-hub');
  shutdownProvider = () => provider.shutdown();
  return true;
}

/** Whether tracing is on in this process (`startTracing` found an endpoint). */
export function tracingEnabled(): boolean {
  return api !== undefined;
}

/** Exports the spans still buffered and stops tracing (at shutdown); resolves at once when off. */
export async function stopTracing(): Promise<void> {
  const shutdown = shutdownProvider;
  shutdownProvider = undefined;
  await shutdown?.();
}

/** The header value of `name` in a record, exact key first, then any spelling of it; undefined when absent. */
function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/**
 * The `traceparent` (and `tracestate`, when any) of the current span, as message headers;
 * undefined when tracing is off or no span is active.
 */
export function currentTraceHeaders(): Record<string, string> | undefined {
  if (!api) return undefined;
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.context.active(), carrier);
  return carrier[traceparentHeader] ? carrier : undefined;
}

/** The `traceparent` of the current span; undefined when tracing is off or no span is active. */
export function currentTraceparent(): string | undefined {
  return currentTraceHeaders()?.[traceparentHeader];
}

/**
 * `headers` with the current span's `traceparent`/`tracestate` added when tracing is on, a span
 * is active and the headers carry no `traceparent` yet (one set by the caller wins). Returns
 * `headers` itself (possibly undefined) when nothing is added.
 */
export function withTraceHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!api || (headers && headerValue(headers, traceparentHeader) !== undefined)) return headers;
  const trace = currentTraceHeaders();
  return trace ? { ...headers, ...trace } : headers;
}

/** The given value when it is a well-formed W3C `traceparent`, else undefined (never propagated). */
export function validTraceparent(value: unknown): string | undefined {
  return typeof value === 'string' && traceparentPattern.test(value) ? value : undefined;
}

/** The kinds of span (OpenTelemetry SpanKind), by name. */
export type TraceSpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** Where a span starts and what it says. */
export interface TraceSpanOptions {
  kind?: TraceSpanKind;
  /**
   * The parent: message headers carrying `traceparent`/`tracestate` (any spelling of the keys),
   * or a `traceparent` value. Absent or malformed: a new trace (with `root`) or the current span.
   */
  parent?: Record<string, string> | string;
  /** Start a new trace even when a span is active (work done for many requests at once). */
  root?: boolean;
  /** `traceparent`s of the spans this one works for (a batch's commands): span links. */
  links?: (string | undefined)[];
  attributes?: Record<string, string | number | boolean>;
}

/** A span started by `startSpan`: run code as its child, end it once. */
export interface TraceSpan {
  /** Its `traceparent`, for a message or an item sent on its behalf. */
  readonly traceparent: string;
  /** Runs `fn` with this span as the current span; returns what `fn` returns. */
  run<T>(fn: () => T): T;
  /** Sets an attribute (e.g. the outcome). */
  set(key: string, value: string | number | boolean): void;
  /** Ends it; an error marks it failed and is recorded as an exception event. */
  end(error?: unknown): void;
}

function contextFor(otel: typeof OtelApi, options: TraceSpanOptions): OtelApi.Context {
  const parent = options.parent;
  if (parent !== undefined) {
    const carrier = typeof parent === 'string' ? { [traceparentHeader]: parent } : parent;
    const traceparent = validTraceparent(headerValue(carrier, traceparentHeader));
    if (traceparent !== undefined) {
      const tracestate = typeof parent === 'string' ? undefined : headerValue(carrier, tracestateHeader);
      return otel.propagation.extract(otel.ROOT_CONTEXT, tracestate ? { traceparent, tracestate } : { traceparent });
    }
  }
  return options.root ? otel.ROOT_CONTEXT : otel.context.active();
}

const kinds: Record<TraceSpanKind, number> = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 };

/**
 * Starts a span `name` (OpenTelemetry semantic naming: `<subject> process`, `ledger.commit`…)
 * under `options`; undefined when tracing is off (callers use `span?.`). End it with `end()`.
 */
export function startSpan(name: string, options: TraceSpanOptions = {}): TraceSpan | undefined {
  const otel = api;
  if (!otel || !tracer) return undefined;
  const parent = contextFor(otel, options);
  const links: OtelApi.Link[] = [];
  for (const value of options.links ?? []) {
    const context = value === undefined ? undefined : otel.trace.getSpanContext(contextFor(otel, { parent: value, root: true }));
    if (context) links.push({ context });
  }
  const span = tracer.startSpan(name, { kind: kinds[options.kind ?? 'internal'], attributes: options.attributes, links }, parent);
  const context = otel.trace.setSpan(parent, span);
  const carrier: Record<string, string> = {};
  otel.propagation.inject(context, carrier);
  let ended = false;
  return {
    traceparent: carrier[traceparentHeader],
    run: (fn) => otel.context.with(context, fn),
    set: (key, value) => span.setAttribute(key, value),
    end: (error) => {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    },
  };
}

/**
 * Runs `fn` inside a new span `name` (see `startSpan`), ended when `fn` returns or its promise
 * settles (a throw or rejection marks the span failed and is rethrown). Tracing off: `fn()`.
 */
export function inSpan<T>(name: string, options: TraceSpanOptions, fn: () => T): T {
  const span = startSpan(name, options);
  if (!span) return fn();
  let result: T;
  try {
    result = span.run(fn);
  } catch (error) {
    span.end(error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        span.end(error);
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}
