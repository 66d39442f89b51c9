import { randomBytes } from 'node:crypto';

/** Base URL of the PostgreSQL server tests use (trust auth on this machine and in CI). */
export const testPostgresBaseUrl = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432';

/** NATS servers tests use. */
export const testNatsUrl = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/**
 * A fresh database URL for one test suite: `test_<prefix>_<random>`. Create it with
 * `ensureDatabase` (service-kit) and drop it with `dropDatabase` after the suite.
 */
export function uniqueDatabaseUrl(prefix: string): string {
  return `${testPostgresBaseUrl}/test_${prefix.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(4).toString('hex')}`;
}

/** A unique name for a stream, durable or namespace in one suite. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`.toUpperCase();
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; throws with `what` on timeout. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
export * from './ledger-stream';
export * from './streams';
export * from './system';
