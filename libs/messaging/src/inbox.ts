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

/**
 * Records that `consumer` handles each of `messageIds` (a batch delivered together), in one
 * statement. Returns the ids claimed now, in no particular order; an id handled before (or
 * repeated in the list) is claimed once at most, so the caller applies the effect of exactly the
 * returned ids. Must run in the transaction of the effects.
 */
export async function claimInboxMany(db: Queryable, consumer: string, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const result = (await db.query(
    `INSERT INTO inbox (consumer, message_id) SELECT $1, id FROM unnest($2::text[]) AS id
     ON CONFLICT DO NOTHING RETURNING message_id`,
    [consumer, [...new Set(messageIds)]],
  )) as unknown;
  const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? []);
  return new Set((rows as { message_id: string }[]).map((row) => row.message_id));
}
