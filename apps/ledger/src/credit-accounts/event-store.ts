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

/** One event to append in a multi-stream append: its stream, version and id are decided by the caller. */
export interface PendingEvent {
  streamId: string;
  version: number;
  eventId: string;
  event: LedgerEvent;
  occurredAt: string;
  metadata: EventMetadata;
}

/**
 * Appends events of several streams in one multi-row INSERT (group commit). The caller holds the
 * row locks of every stream and gives each event its next version; the unique and gapless
 * constraints stay the database's guarantee. Returns the envelopes with their global positions.
 */
export async function appendEvents(client: PoolClient, pending: PendingEvent[]): Promise<LedgerEventEnvelope[]> {
  if (pending.length === 0) return [];
  const result = await client.query<{ event_id: string; position: string }>(
    `INSERT INTO ledger_events (event_id, stream_id, version, type, schema_version, data, metadata, occurred_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::smallint[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])
     RETURNING event_id, position`,
    [
      pending.map((p) => p.eventId),
      pending.map((p) => p.streamId),
      pending.map((p) => p.version),
      pending.map((p) => p.event.type),
      pending.map((p) => LedgerEventSchemaVersions[p.event.type]),
      pending.map((p) => JSON.stringify(p.event.data)),
      pending.map((p) => JSON.stringify(p.metadata)),
      pending.map((p) => p.occurredAt),
    ],
  );
  const positions = new Map(result.rows.map((row) => [row.event_id, Number(row.position)]));
  return pending.map((p) => ({
    eventId: p.eventId, type: p.event.type, schemaVersion: LedgerEventSchemaVersions[p.event.type], streamId: p.streamId, version: p.version,
    position: positions.get(p.eventId) ?? 0, occurredAt: p.occurredAt, data: p.event.data, metadata: p.metadata,
  }) as LedgerEventEnvelope);
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
