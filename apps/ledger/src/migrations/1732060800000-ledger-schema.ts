import { inboxTableSql, outboxTableSql } from '@credit-hub/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger's schema: the event store (the source of truth) and the projections written in the
 * same transaction as each append (accounts, lots, consumption and purchase idempotency records),
 * the outbox to JetStream and the inbox of consumed billing messages.
 */
export class LedgerSchema1732060800000 implements MigrationInterface {
  name = 'LedgerSchema1732060800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      // The event store. position: global order for replay; (stream_id, version): optimistic concurrency.
      `CREATE TABLE ledger_events (
         position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         event_id uuid NOT NULL UNIQUE,
         stream_id text NOT NULL,
         version integer NOT NULL CHECK (version > 0),
         type text NOT NULL,
         schema_version smallint NOT NULL,
         data jsonb NOT NULL,
         metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
         occurred_at timestamptz NOT NULL,
         recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
         CONSTRAINT ledger_events_stream_version UNIQUE (stream_id, version)
       )`,
      // Append-only, enforced by the database itself: UPDATE, DELETE and TRUNCATE are refused.
      `CREATE FUNCTION ledger_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           RAISE EXCEPTION 'ledger_events is append-only: % refused', TG_OP USING ERRCODE = '42501';
         END $$`,
      `CREATE TRIGGER ledger_events_no_update_delete BEFORE UPDATE OR DELETE ON ledger_events
         FOR EACH ROW EXECUTE FUNCTION ledger_events_refuse_change()`,
      `CREATE TRIGGER ledger_events_no_truncate BEFORE TRUNCATE ON ledger_events
         FOR EACH STATEMENT EXECUTE FUNCTION ledger_events_refuse_change()`,
      // Gapless versions: checked at commit, so a multi-row append of n+1..n+k passes as a whole.
      `CREATE FUNCTION ledger_events_check_gapless() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.version > 1 AND NOT EXISTS (
             SELECT 1 FROM ledger_events WHERE stream_id = NEW.stream_id AND version = NEW.version - 1
           ) THEN
             RAISE EXCEPTION 'stream % version % leaves a gap', NEW.stream_id, NEW.version USING ERRCODE = '23514';
           END IF;
           RETURN NULL;
         END $$`,
      `CREATE CONSTRAINT TRIGGER ledger_events_gapless AFTER INSERT ON ledger_events
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_events_check_gapless()`,
      `CREATE INDEX ledger_events_occurred_at ON ledger_events (occurred_at)`,
      // Projections (rebuildable by replay).
      `CREATE TABLE ledger_accounts (
         stream_id text PRIMARY KEY,
         email text NOT NULL,
         version integer NOT NULL,
         balance bigint NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE ledger_lots (
         lot_id text PRIMARY KEY,
         stream_id text NOT NULL,
         kind text NOT NULL CHECK (kind IN ('purchased', 'granted')),
         domain text NOT NULL,
         offering_id text,
         credits_initial bigint NOT NULL CHECK (credits_initial > 0),
         credits_remaining bigint NOT NULL CHECK (credits_remaining >= 0 AND credits_remaining <= credits_initial),
         amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
         currency text,
         priority integer NOT NULL DEFAULT 0,
         scope_domain text,
         expires_at timestamptz,
         acquired_at timestamptz NOT NULL,
         acquired_version integer NOT NULL
       )`,
      `CREATE INDEX ledger_lots_open ON ledger_lots (stream_id) WHERE credits_remaining > 0`,
      `CREATE TABLE ledger_consumptions (
         domain text NOT NULL,
         reference_id text NOT NULL,
         stream_id text NOT NULL,
         email text NOT NULL,
         credits bigint NOT NULL,
         action_type text NOT NULL,
         event_id uuid NOT NULL,
         balance_after bigint NOT NULL,
         PRIMARY KEY (domain, reference_id)
       )`,
      `CREATE TABLE ledger_purchases (
         checkout_session_id text PRIMARY KEY,
         stream_id text NOT NULL,
         stripe_event_id text NOT NULL,
         lot_id text NOT NULL,
         event_id uuid NOT NULL
       )`,
      ...outboxTableSql('ledger_outbox'),
      ...inboxTableSql(),
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['inbox', 'outbox', 'ledger_purchases', 'ledger_consumptions', 'ledger_lots', 'ledger_accounts']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await queryRunner.query('DROP FUNCTION IF EXISTS outbox_notify CASCADE');
    await queryRunner.query('DROP TABLE IF EXISTS ledger_events');
    await queryRunner.query('DROP FUNCTION IF EXISTS ledger_events_refuse_change, ledger_events_check_gapless CASCADE');
  }
}
