import { randomBytes } from 'node:crypto';
import type { JetStreamManager } from 'nats';

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

/**
 * Deletes every JetStream stream of one test namespace: the hub names its streams
 * `<NAME>_<NAMESPACE>` (LEDGER, BILLING, REFUNDS, ENTITLEMENTS, and any added later), so a suite
 * cleans up all of them without listing them. Returns the names deleted; a failed delete is
 * ignored (another cleanup may have deleted the stream already).
 */
export async function deleteNamespaceStreams(jsm: JetStreamManager, namespace: string): Promise<string[]> {
  const suffix = `_${namespace.toUpperCase()}`;
  const names: string[] = [];
  for await (const name of jsm.streams.names()) if (name.endsWith(suffix)) names.push(name);
  for (const name of names) await jsm.streams.delete(name).catch(() => false);
  return names;
}
