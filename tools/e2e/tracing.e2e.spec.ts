/**
 * OpenTelemetry traces on the real services (docs/operations.md, "Traces"):
 * - with `OTEL_EXPORTER_OTLP_ENDPOINT` set to a local OTLP/HTTP receiver (JSON), one consume sent
 *   with a W3C `traceparent` gives ONE trace: the gateway's HTTP server span (child of the
 *   caller's), its NATS client span, the ledger's span of the command (child of it, ending after
 *   its batch's `ledger.commit` span, which links to it and holds the SQL), and the consumer span
 *   of feedback-analytics for the event (child of the ledger's span, through the outbox header);
 * - without the variable, nothing of OpenTelemetry is loaded by a service's modules.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createDomainKey, eventually, gatewayRequest, repoRoot as root, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2etrace${suffix}`;
const prefix = `test_e2etrace_${suffix}`;
const domain = 'demo.localhost';
let system: System;
let key: string;

/** A span as the OTLP/JSON encoding carries it, with the exporting service's name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  links?: { traceId: string; spanId: string }[];
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** OTLP SpanKind (opentelemetry-proto trace.proto): 2 server, 3 client, 5 consumer. */
const SpanKind = { internal: 1, server: 2, client: 3, consumer: 5 } as const;

const received: ReceivedSpan[] = [];
let exportCount = 0;
let receiver: Server;

/** A local OTLP/HTTP receiver: `POST /v1/traces` in JSON (gzip accepted), answered 200 `{}`. */
function startReceiver(): Promise<number> {
  receiver = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[] }[];
      };
      exportCount++;
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) received.push({ ...span, service });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => receiver.listen(0, '127.0.0.1', () => resolve((receiver.address() as { port: number }).port)));
}

/** A request by hand through the harness: the trace headers sent are what is checked here. */
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const answer = await gatewayRequest(system, method, path, { apiKey: key, body, headers });
  return { status: answer.status, body: answer.body };
}

/** Buys `team_1000` for `email` through checkout and the stand-in's signed webhook. */
async function buy(email: string): Promise<void> {
  const checkout = await api('POST', '/api/billing/checkout', { domain, offeringId: 'team_1000', email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel' });
  expect(checkout.status).toBe(200);
  const completed = await stripeStandin(system).completeCheckout<{ delivery: { status: number } }>(checkout.body.sessionId);
  expect(completed.body.delivery.status).toBe(200);
  await eventually('credits after the webhook', async () => (await api('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${domain}`)).body?.balance === 1000);
}

const nanos = (value: string) => BigInt(value);
const spansOf = (traceId: string) => received.filter((s) => s.traceId === traceId);

beforeAll(async () => {
  const port = await startReceiver();
  system = await startSystem({
    ports: 'random', namespace, databasePrefix: prefix,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  key = await createDomainKey(system, domain);
}, 120_000);

afterAll(async () => {
  if (process.env['TRACE_DUMP']) require('node:fs').writeFileSync(process.env['TRACE_DUMP'], JSON.stringify(received, null, 1));
  await stopAndCleanUp(system, namespace);
  await new Promise((resolve) => receiver?.close(resolve));
}, 60_000);

describe('traces over OTLP', () => {
  it('follows one consume from the gateway through the ledger commit to the analytics consumer, in one trace', async () => {
    const email = `trace+${suffix}@example.com`;
    await buy(email);
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const consumed = await api('POST', '/api/portfolio/credits/consume', { email, domain, deltaCredits: -3, actionType: 'ai_generation', referenceId: `trace-${suffix}` }, {
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(consumed.status).toBe(200);

    // The gateway's HTTP server span continues the caller's trace.
    const gateway = await eventually('the gateway\'s server span', async () =>
      spansOf(traceId).find((s) => s.service === 'gateway' && s.kind === SpanKind.server && s.parentSpanId === callerSpanId), 20_000);
    // Its NATS client span of the consume, under the server span (directly or through Nest's spans).
    const byId = () => new Map(spansOf(traceId).map((s) => [s.spanId, s]));
    const descendsFrom = (span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
      const spans = byId();
      for (let at: ReceivedSpan | undefined = span; at; at = at.parentSpanId ? spans.get(at.parentSpanId) : undefined) if (at.parentSpanId === ancestor.spanId) return true;
      return false;
    };
    const send = await eventually('the gateway\'s client span of the consume', async () =>
      spansOf(traceId).find((s) => s.service === 'gateway' && s.kind === SpanKind.client && s.name.endsWith('ledger.commands.consume-credits.v1 send')), 20_000);
    expect(descendsFrom(send, gateway)).toBe(true);

    // The ledger's span of the command: child of the client span, ended after its batch committed.
    const command = await eventually('the ledger\'s span of the command', async () =>
      spansOf(traceId).find((s) => s.service === 'ledger' && s.kind === SpanKind.server && s.parentSpanId === send.spanId), 20_000);
    expect(command.name).toBe(`${namespace}.ledger.commands.consume-credits.v1 process`);
    const commit = await eventually('the ledger.commit span linked to the command', async () =>
      received.find((s) => s.service === 'ledger' && s.name === 'ledger.commit' && (s.links ?? []).some((l) => l.traceId === traceId && l.spanId === command.spanId)), 20_000);
    expect(commit.traceId).not.toBe(traceId); // the batch's SQL is outside any one request's trace
    const sql = await eventually('the commit\'s PostgreSQL spans, COMMIT included', async () => {
      const found = received.filter((s) => s.service === 'ledger' && s.traceId === commit.traceId && s.parentSpanId === commit.spanId && s.kind === SpanKind.client);
      return found.some((s) => /COMMIT/.test(s.name)) ? found : undefined;
    }, 20_000);
    expect(sql.filter((s) => s.name.startsWith('pg.query')).every((s) => (s.attributes ?? []).some((a) => a.key === 'db.system' || a.key === 'db.system.name'))).toBe(true);
    const committedAt = sql.filter((s) => /COMMIT/.test(s.name)).map((s) => nanos(s.endTimeUnixNano)).reduce((a, b) => (a > b ? a : b));
    // Span times of different local roots (here the command's and the commit's) are anchored to
    // Date.now() at each root's start, so they compare to within its millisecond, not better.
    const clockSlack = 2_000_000n;
    expect(nanos(command.endTimeUnixNano) >= committedAt - clockSlack).toBe(true);

    // feedback-analytics consumes the event: its consumer span is a child of the ledger's span.
    const analytics = await eventually('the analytics consumer span', async () =>
      spansOf(traceId).find((s) => s.service === 'feedback-analytics' && s.kind === SpanKind.consumer && s.parentSpanId === command.spanId), 20_000);
    expect(analytics.name).toBe(`${namespace}.ledger.events.credits-consumed.v1 process`);
    expect(nanos(analytics.startTimeUnixNano) >= committedAt - clockSlack).toBe(true);

    // One trace: every span of it hangs from the caller's span (a parent ends, and is exported,
    // after its children: wait for the last ones).
    const orphans = () => spansOf(traceId).filter((span) => span.parentSpanId !== callerSpanId && !byId().has(span.parentSpanId ?? ''));
    await eventually('every span of the trace with its parent', async () => orphans().length === 0, 20_000).catch(() => undefined);
    expect(orphans().map((span) => `${span.service} ${span.name}`)).toEqual([]);
  });

  it('exports nothing for the health checks the system was started with', () => {
    expect(exportCount).toBeGreaterThan(0);
    expect(received.some((s) => s.kind === SpanKind.server && (s.attributes ?? []).some((a) => /\/health/.test(String(a.value['stringValue'] ?? ''))))).toBe(false);
  });
});

describe('tracing off', () => {
  /** Loads a service's modules in a fresh node process; prints whether tracing started and any OpenTelemetry module loaded. */
  function loadGateway(env: Record<string, string>): { enabled: boolean; loaded: string[] } {
    const script = `
      const { startTracing, tracingEnabled } = require('@credit-hub/messaging/tracing');
      startTracing('gateway');
      require(${JSON.stringify(join(root, 'dist/apps/gateway/src/gateway.module.js'))});
      const loaded = Object.keys(require.cache).filter((k) => k.includes('@opentelemetry'));
      process.stdout.write(JSON.stringify({ enabled: tracingEnabled(), loaded }));`;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_'))) as Record<string, string>;
    const result = spawnSync(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), '-e', script], { cwd: root, env: { ...clean, ...env }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as { enabled: boolean; loaded: string[] };
  }

  it('loads no OpenTelemetry module when OTEL_EXPORTER_OTLP_ENDPOINT is not set', () => {
    // prom-client loads the no-op OpenTelemetry API by itself when installed (for exemplars): the
    // API alone records nothing; no SDK, exporter or instrumentation may be loaded.
    const off = loadGateway({});
    expect(off.enabled).toBe(false);
    expect(off.loaded.filter((path) => !path.includes('/@opentelemetry/api/'))).toEqual([]);
    // The same check can fail: with the variable, the SDK is loaded.
    const on = loadGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(on.enabled).toBe(true);
    expect(on.loaded.filter((path) => !path.includes('/@opentelemetry/api/')).length).toBeGreaterThan(0);
  });
});
