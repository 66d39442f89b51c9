import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outgoing webhooks: the builders' endpoints, one delivery row per (event, endpoint),
 * every HTTP attempt, the inbox of the webhook consumers, and the lot → domain map the
 * low-balance alert needs for events that name only a lot (expiry, refund, claw-back).
 *
 * The webhook consumers have their own inbox table: they read the same LEDGER events as the usage
 * read model under another durable name, and the two must not see each other's claims.
 */
export class Webhooks1732406400000 implements MigrationInterface {
  name = 'Webhooks1732406400000';

  async up(runner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE webhook_inbox (
         consumer text NOT NULL,
         message_id text NOT NULL,
         handled_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (consumer, message_id)
       )`,
      // The secret is kept in clear: every request is signed with it (HMAC), it cannot be a hash.
      `CREATE TABLE webhook_endpoints (
         id uuid PRIMARY KEY,
         domain text NOT NULL,
         url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
         event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 32),
         description text CHECK (description IS NULL OR length(description) <= 500),
         secret text NOT NULL CHECK (secret LIKE 'whsec_%'),
         created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
         deleted_at timestamptz
       )`,
      `CREATE INDEX webhook_endpoints_live ON webhook_endpoints (domain, created_at) WHERE deleted_at IS NULL`,
      // next_attempt_at: when the next attempt is due while pending; while an attempt is in flight
      // it is the end of the worker's lease (lease_id), after which another worker may take over.
      `CREATE TABLE webhook_deliveries (
         id uuid PRIMARY KEY,
         endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
         domain text NOT NULL,
         event_id text NOT NULL,
         event_type text NOT NULL,
         payload text NOT NULL, -- the exact JSON body signed on every attempt
         status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
         attempt_count integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
         failures_since_start integer NOT NULL DEFAULT 0 CHECK (failures_since_start >= 0),
         next_attempt_at timestamptz,
         retry_until timestamptz NOT NULL,
         lease_id uuid,
         replay_requested boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
         completed_at timestamptz,
         UNIQUE (endpoint_id, event_id),
         CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
         CHECK ((status IN ('succeeded', 'failed', 'cancelled')) = (completed_at IS NOT NULL))
       )`,
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
      `CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`,
      `CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at) WHERE status <> 'pending'`,
      `CREATE TABLE webhook_attempts (
         delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
         attempt integer NOT NULL CHECK (attempt >= 1),
         trigger text NOT NULL CHECK (trigger IN ('scheduled', 'replay')),
         started_at timestamptz NOT NULL,
         duration_ms integer NOT NULL CHECK (duration_ms >= 0),
         response_status integer,
         error text CHECK (error IS NULL OR length(error) <= 1000),
         outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
         next_retry_at timestamptz,
         PRIMARY KEY (delivery_id, attempt)
       )`,
      `CREATE TABLE webhook_lots (
         lot_id text PRIMARY KEY,
         domain text NOT NULL
       )`,
    ];
    for (const statement of statements) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['webhook_lots', 'webhook_attempts', 'webhook_deliveries', 'webhook_endpoints', 'webhook_inbox']) {
      await runner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
