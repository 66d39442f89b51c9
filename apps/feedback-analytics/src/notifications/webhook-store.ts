import { WebhookLimits, WebhookPayload } from '@credit-hub/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { WebhookEvent } from './source-events';

/**
 * The SQL the webhook consumers run in their message's transaction: the inbox claim, the lot →
 * domain map, and the fan-out of one event into delivery rows.
 */

/**
 * Runs one statement and returns its rows, also for INSERT/UPDATE … RETURNING (TypeORM's plain
 * `query` answers `[rows, count]` for UPDATE and `rows` otherwise; the structured result is uniform).
 */
export async function sqlRows<R>(db: EntityManager | DataSource, text: string, parameters: unknown[] = []): Promise<R[]> {
  const manager = db instanceof DataSource ? db.manager : db;
  if (manager.queryRunner) return (await manager.queryRunner.query(text, parameters, true)).records as R[];
  const runner = manager.connection.createQueryRunner();
  try {
    return (await runner.query(text, parameters, true)).records as R[];
  } finally {
    await runner.release();
  }
}

/** Records that `consumer` handles `messageId`; false if it did before. Run in the effect's transaction. */
export async function claimWebhookInbox(manager: EntityManager, consumer: string, messageId: string): Promise<boolean> {
  const rows = await sqlRows(
    manager,
    'INSERT INTO webhook_inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS claimed',
    [consumer, messageId],
  );
  return rows.length > 0;
}

/** Remembers which domain sold or granted a lot (idempotent). */
export async function recordLot(manager: EntityManager, lotId: string, domain: string): Promise<void> {
  await sqlRows(manager, 'INSERT INTO webhook_lots (lot_id, domain) VALUES ($1, $2) ON CONFLICT (lot_id) DO NOTHING', [lotId, domain]);
}

/** The domain that sold or granted a lot, or null when its event was never seen. */
export async function lotDomain(manager: EntityManager, lotId: string): Promise<string | null> {
  const rows = await sqlRows<{ domain: string }>(manager, 'SELECT domain FROM webhook_lots WHERE lot_id = $1', [lotId]);
  return rows[0]?.domain ?? null;
}

/**
 * One delivery row per live endpoint of the event's domain subscribed to its type (at most
 * `endpointsPerDomainMax`), due now, retried until `retryHorizonMs` from now. Idempotent on
 * (endpoint, event id). Returns how many rows it wrote.
 */
export async function fanOut(manager: EntityManager, event: WebhookEvent, retryHorizonMs: number): Promise<number> {
  const payload: WebhookPayload = { type: event.type, timestamp: event.occurredAt, data: event.data };
  const rows = await sqlRows(
    manager,
    `INSERT INTO webhook_deliveries (id, endpoint_id, domain, event_id, event_type, payload, status, next_attempt_at, retry_until)
     SELECT gen_random_uuid(), e.id, e.domain, $2, $3, $4, 'pending', clock_timestamp(),
            clock_timestamp() + $5 * interval '1 millisecond'
       FROM (SELECT id, domain FROM webhook_endpoints
              WHERE domain = $1 AND deleted_at IS NULL AND $3 = ANY (event_types)
              ORDER BY created_at, id LIMIT $6) e
     ON CONFLICT (endpoint_id, event_id) DO NOTHING
     RETURNING id`,
    [event.domain, event.eventId, event.type, JSON.stringify(payload), retryHorizonMs, WebhookLimits.endpointsPerDomainMax],
  );
  return rows.length;
}
