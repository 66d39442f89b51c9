import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { count, nsStream, sleep } from './harness';

/** Work the system still has after a load: outbox rows not yet relayed, messages not yet handled by each durable consumer of LEDGER. */
export interface Backlog {
  unpublishedOutbox: number;
  consumers: Record<string, number>;
  total: number;
}

export async function backlog(nc: NatsConnection, ledger: Pool, namespace: string): Promise<Backlog> {
  const unpublishedOutbox = await count(ledger, 'SELECT count(*) FROM outbox WHERE published_at IS NULL');
  const jsm = await nc.jetstreamManager();
  const consumers: Record<string, number> = {};
  const infos = await jsm.consumers.list(nsStream(namespace, 'LEDGER')).next();
  // Durable consumers only: the services' own. Ephemeral ones (a reconcile's ordered reader) come and go.
  for (const info of infos) if (info.config.durable_name) consumers[info.name] = info.num_pending + info.num_ack_pending;
  return { unpublishedOutbox, consumers, total: unpublishedOutbox + Object.values(consumers).reduce((sum, n) => sum + n, 0) };
}

/**
 * Waits until the system has caught up with the previous load (outbox relayed, every LEDGER
 * consumer idle), at most `maxMs`, so each load point starts from the same quiet system.
 */
export async function settle(nc: NatsConnection, ledger: Pool, namespace: string, maxMs: number): Promise<{ waitedMs: number; settled: boolean; backlogBefore: Backlog; backlogAfter: Backlog }> {
  const startedAt = Date.now();
  const backlogBefore = await backlog(nc, ledger, namespace);
  let current = backlogBefore;
  while (current.total > 0 && Date.now() - startedAt < maxMs) {
    await sleep(100);
    current = await backlog(nc, ledger, namespace);
  }
  return { waitedMs: Date.now() - startedAt, settled: current.total === 0, backlogBefore, backlogAfter: current };
}
