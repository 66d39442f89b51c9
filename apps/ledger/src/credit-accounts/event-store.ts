import { EventMetadata, LedgerEvent, LedgerEventEnvelope, LedgerEventSchemaVersions } from '@credit-hub/contracts';
import { randomUUID } from 'node:crypto';
import { PoolClient } from 'pg';

/**
 * Appends events to one stream in one multi-row INSERT, versions `expectedVersion + 1 …`.
 * Must run inside a transaction that holds the stream's account row lock; the
 * `UNIQUE(stream_id, version)` constraint and the deferred gapless trigger are the database's
 * own guarantee if that rule is ever broken (the insert then fails with 23505 and is retried).
 * Returns the stored envelopes with their global positions.
 */
export async function appendToStream(
  client: PoolClient,
  streamId: string,
  expectedVersion: number,
  events: LedgerEvent[],
  occurredAt: string,
  metadata: EventMetadata,
): Promise<LedgerEventEnvelope[]> {
  if (events.length === 0) return [];
  const values: string[] = [];
  const parameters: unknown[] = [];
  const envelopes = events.map((event, index) => {
    const envelope: LedgerEventEnvelope = {
      eventId: randomUUID(),
      type: event.type,
      schemaVersion: LedgerEventSchemaVersions[event.type],
      streamId,
      version: expectedVersion + index + 1,
      position: 0,
      occurredAt,
      data: event.data,
      metadata,
    } as LedgerEventEnvelope;
    const p = index * 8;
    values.push(`($${p + 1}::uuid, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}::jsonb, $${p + 7}::jsonb, $${p + 8}::timestamptz)`);
    parameters.push(
      envelope.eventId,
      streamId,
      envelope.version,
      envelope.type,
      envelope.schemaVersion,
      JSON.stringify(envelope.data),
      JSON.stringify(metadata),
      occurredAt,
    );
    return envelope;
  });
  const result = await client.query<{ event_id: string; position: string }>(
    `INSERT INTO ledger_events (event_id, stream_id, version, type, schema_version, data, metadata, occurred_at)
     VALUES ${values.join(', ')} RETURNING event_id, position`,
    parameters,
  );
  const positions = new Map(result.rows.map((row) => [row.event_id, Number(row.position)]));
  for (const envelope of envelopes) envelope.position = positions.get(envelope.eventId) ?? 0;
  return envelopes;
}

/** Converts a stored row of `ledger_events` to an envelope. */
export function rowToEnvelope(row: {
  position: string | number;
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  occurred_at: Date | string;
}): LedgerEventEnvelope {
  return {
    eventId: row.event_id,
    type: row.type as LedgerEventEnvelope['type'],
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    version: row.version,
    position: Number(row.position),
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at.toISOString() : row.occurred_at,
    data: row.data as LedgerEventEnvelope['data'],
    metadata: (row.metadata ?? {}) as EventMetadata,
  };
}
