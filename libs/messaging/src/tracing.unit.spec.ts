/**
 * The tracing helpers (tracing.ts): off, they change nothing and start nothing; on, they carry
 * the W3C `traceparent` from a message's headers to the spans and headers made inside.
 */
import {
  currentTraceHeaders, currentTraceparent, inSpan, startSpan, startTracing, tracingEnabled, validTraceparent, withTraceHeaders,
} from './tracing';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpan = '00f067aa0ba902b7';
const caller = `00-${traceId}-${callerSpan}-01`;
const parts = (traceparent: string | undefined) => {
  const [, trace, span] = (traceparent ?? '').split('-');
  return { trace, span };
};

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('does not start, and every helper is the plain call', async () => {
    expect(startTracing('test', {})).toBe(false);
    expect(tracingEnabled()).toBe(false);
    const headers = { 'X-Event-Type': 'CreditsConsumed' };
    expect(withTraceHeaders(headers)).toBe(headers);
    expect(currentTraceHeaders()).toBeUndefined();
    expect(startSpan('x', { parent: caller })).toBeUndefined();
    expect(inSpan('x', { parent: caller }, () => 42)).toBe(42);
    await expect(inSpan('x', {}, async () => 'done')).resolves.toBe('done');
  });
});

describe('tracing on', () => {
  beforeAll(() => {
    // An endpoint nobody listens on, and a schedule that never fires during the test.
    expect(startTracing('test', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '600000' })).toBe(true);
  });
  // No stopTracing() here: its export loads the HTTP agent by dynamic import, which jest's VM refuses.

  it('continues the trace of a message\'s traceparent header (any spelling of the key) in a child span', () => {
    for (const parent of [{ traceparent: caller }, { Traceparent: caller }, caller]) {
      const inside = inSpan('child', { kind: 'consumer', parent }, () => currentTraceparent());
      expect(parts(inside).trace).toBe(traceId);
      expect(parts(inside).span).not.toBe(callerSpan);
    }
    expect(currentTraceparent()).toBeUndefined(); // nothing active outside
  });

  it('starts a new trace for a malformed traceparent, and for `root` even inside a span', () => {
    const fresh = inSpan('x', { parent: '00-zz-yy-01' }, () => currentTraceparent());
    expect(validTraceparent(fresh)).toBe(fresh);
    expect(parts(fresh).trace).not.toBe(traceId);
    const nested = inSpan('outer', { parent: caller }, () => inSpan('batch', { root: true }, () => currentTraceparent()));
    expect(parts(nested).trace).not.toBe(traceId);
  });

  it('puts the current span on outgoing headers, unless the caller set a traceparent', async () => {
    const span = startSpan('send', { kind: 'client', parent: caller })!;
    expect(parts(span.traceparent).trace).toBe(traceId);
    const headers = span.run(() => withTraceHeaders({ 'X-Correlation-Id': 'abc' }));
    expect(headers).toEqual({ 'X-Correlation-Id': 'abc', traceparent: span.traceparent });
    const own = { traceparent: caller };
    expect(span.run(() => withTraceHeaders(own))).toBe(own);
    // The context survives awaits inside the span.
    const later = await span.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentTraceparent();
    });
    expect(later).toBe(span.traceparent);
    span.end();
  });

  it('rethrows what the work throws, and returns what it resolves to', async () => {
    expect(() => inSpan('x', {}, () => {
      throw new Error('boom');
    })).toThrow('boom');
    await expect(inSpan('x', {}, () => Promise.reject(new Error('late')))).rejects.toThrow('late');
    await expect(inSpan('x', { links: [caller, undefined] }, async () => 7)).resolves.toBe(7);
  });
});
