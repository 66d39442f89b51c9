import { Queryable } from './outbox';

/**
 * The inbox (ARCHITECTURE.md): ids of messages a consumer already handled, written in the same
 * transaction as the message's effect, so a redelivered message has no second effect.
 */
export function inboxTableSql(): string[] {
  return [
    `CREATE TABLE inbox (
       consumer text NOT NULL,
       message_id text NOT NULL,
       handled_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (consumer, message_id)
     )`,
  ];
}

/**
 * Records that `consumer` handles `messageId`. Returns true the first time, false if it was
 * handled before (then the caller skips the effect and just acknowledges).
 * Must run in the transaction of the effect.
 */
export async function claimInbox(db: Queryable, consumer: string, messageId: string): Promise<boolean> {
  const result = (await db.query(
    'INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS claimed',
    [consumer, messageId],
  )) as unknown;
  return rowCount(result) > 0;
}

function rowCount(result: unknown): number {
  // pg returns { rows }, TypeORM's manager.query returns the rows array.
  if (Array.isArray(result)) return result.length;
  const rows = (result as { rows?: unknown[] }).rows;
  return rows ? rows.length : 0;
}
