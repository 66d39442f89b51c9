import type { JetStreamManager } from 'nats';

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
