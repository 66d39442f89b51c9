import {
  bindLogFields, correlationIdFromHeaders, correlationIdOrNew, currentCorrelationContext, currentCorrelationId, currentLogFields, runInCorrelationContext,
  runOutsideCorrelation, runWithCorrelation, runWithLogFields, validCorrelationId, withCorrelationHeader,
} from './correlation';
import { writeOutbox } from './outbox';

describe('correlation context', () => {
  it('accepts 1-128 characters of [A-Za-z0-9_.:-] and nothing else', () => {
    expect(validCorrelationId('3f1c2a9e-0b7d-4c1e-9a55-1f2e3d4c5b6a')).toBe('3f1c2a9e-0b7d-4c1e-9a55-1f2e3d4c5b6a');
    expect(validCorrelationId('a'.repeat(128))).toBe('a'.repeat(128));
    expect(validCorrelationId('a'.repeat(129))).toBeUndefined();
    expect(validCorrelationId('')).toBeUndefined();
    expect(validCorrelationId('abc\r\nX-Injected: 1')).toBeUndefined();
    expect(validCorrelationId('a b')).toBeUndefined();
    expect(validCorrelationId('"quoted"')).toBeUndefined();
    expect(validCorrelationId(['a', 'b'])).toBeUndefined();
    expect(validCorrelationId(42)).toBeUndefined();
  });

  it('replaces an invalid id with a fresh UUID', () => {
    expect(correlationIdOrNew('ok-id')).toBe('ok-id');
    const fresh = correlationIdOrNew('bad id\n');
    expect(fresh).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(correlationIdOrNew(undefined)).not.toBe(fresh);
  });

  it('keeps the id across awaits and timers, and only inside the run', async () => {
    expect(currentCorrelationId()).toBeUndefined();
    const seen = await runWithCorrelation('req-1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const inner = await runWithCorrelation('req-2', async () => currentCorrelationId());
      return [currentCorrelationId(), inner];
    });
    expect(seen).toEqual(['req-1', 'req-2']);
    expect(currentCorrelationId()).toBeUndefined();
    expect(() => runWithCorrelation('bad id', () => 1)).toThrow(TypeError);
  });

  it('binds log fields on top of the id, and leaves them out of runOutsideCorrelation', () => {
    runWithCorrelation('req-3', () => {
      runWithLogFields({ customer: 'a@example.com', domain: 'd.example' }, () => {
        runWithLogFields({ referenceId: 'ref-1' }, () => {
          expect(currentLogFields()).toEqual({ correlationId: 'req-3', customer: 'a@example.com', domain: 'd.example', referenceId: 'ref-1' });
          expect(runOutsideCorrelation(() => currentLogFields())).toBeUndefined();
        });
      });
    });
    expect(currentLogFields()).toBeUndefined();
  });

  it('binds fields on the current context so its enclosing code sees them, and nowhere outside any', async () => {
    expect(bindLogFields({ customer: 'x' })).toBe(false);
    const [context, fromHandler] = await runWithCorrelation('req-4', async () => {
      const captured = currentCorrelationContext()!;
      await Promise.resolve();
      expect(bindLogFields({ customer: 'b@example.com', referenceId: 'ref-2' })).toBe(true);
      return [captured, currentLogFields()] as const;
    });
    expect(fromHandler).toEqual({ correlationId: 'req-4', customer: 'b@example.com', referenceId: 'ref-2' });
    expect(runInCorrelationContext(context, () => currentLogFields())).toEqual(fromHandler);
    expect(runWithCorrelation('req-5', () => currentLogFields())).toEqual({ correlationId: 'req-5' });
  });

  it('reads the header in any spelling, adds it only when absent and inside a context', () => {
    expect(correlationIdFromHeaders({ 'X-Correlation-Id': 'a1' })).toBe('a1');
    expect(correlationIdFromHeaders({ 'x-correlation-id': 'a2' })).toBe('a2');
    expect(correlationIdFromHeaders({ 'X-Correlation-Id': 'no good' })).toBeUndefined();
    expect(correlationIdFromHeaders(undefined)).toBeUndefined();
    expect(withCorrelationHeader({ 'X-Event-Type': 'T' })).toEqual({ 'X-Event-Type': 'T' });
    runWithCorrelation('ctx', () => {
      expect(withCorrelationHeader(undefined)).toEqual({ 'X-Correlation-Id': 'ctx' });
      expect(withCorrelationHeader({ 'X-Event-Type': 'T' })).toEqual({ 'X-Event-Type': 'T', 'X-Correlation-Id': 'ctx' });
      expect(withCorrelationHeader({ 'X-Correlation-Id': 'own' })).toEqual({ 'X-Correlation-Id': 'own' });
    });
  });

  it('writeOutbox puts the current id in each row headers', async () => {
    const queries: unknown[][] = [];
    const db = { query: async (_sql: string, parameters?: unknown[]) => void queries.push(parameters ?? []) };
    await runWithCorrelation('outbox-ctx', () =>
      writeOutbox(db, [
        { messageId: 'm1', subject: 's', payload: {} },
        { messageId: 'm2', subject: 's', payload: {}, headers: { 'X-Correlation-Id': 'given' } },
      ]),
    );
    await writeOutbox(db, [{ messageId: 'm3', subject: 's', payload: {} }]);
    expect(JSON.parse(queries[0][3] as string)).toEqual({ 'X-Correlation-Id': 'outbox-ctx' });
    expect(JSON.parse(queries[0][7] as string)).toEqual({ 'X-Correlation-Id': 'given' });
    expect(JSON.parse(queries[1][3] as string)).toEqual({});
  });
});
