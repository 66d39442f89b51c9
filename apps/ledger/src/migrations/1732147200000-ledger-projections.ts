import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projections for grants, expiry, holds, refunds, disputes and plan suspension, and the history
 * projection (each event's balance after, for support). All derived from ledger_events: replay
 * rebuilds them.
 */
export class LedgerProjections1732147200000 implements MigrationInterface {
  /** The name existing databases recorded when this migration ran (TypeORM matches on it): kept. */
  name = 'LedgerDepth1732147200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `ALTER TABLE ledger_accounts
         ADD COLUMN owed_credits bigint NOT NULL DEFAULT 0,
         ADD COLUMN open_disputes text[] NOT NULL DEFAULT '{}',
         ADD COLUMN clawed_back_disputes text[] NOT NULL DEFAULT '{}',
         ADD COLUMN suspended_subscriptions text[] NOT NULL DEFAULT '{}'`,
      `ALTER TABLE ledger_lots
         ADD COLUMN credits_held bigint NOT NULL DEFAULT 0,
         ADD COLUMN subscription_id text,
         ADD COLUMN checkout_session_id text,
         ADD COLUMN payment_intent_id text,
         ADD COLUMN credits_refunded_as_money bigint NOT NULL DEFAULT 0,
         ADD COLUMN credits_expired bigint NOT NULL DEFAULT 0,
         ADD CONSTRAINT ledger_lots_held CHECK (credits_held >= 0 AND credits_held <= credits_remaining)`,
      `UPDATE ledger_lots l SET checkout_session_id = p.checkout_session_id FROM ledger_purchases p WHERE p.lot_id = l.lot_id`,
      `UPDATE ledger_lots l SET payment_intent_id = e.data->>'paymentIntentId'
         FROM ledger_events e WHERE e.type = 'CreditsPurchased' AND e.data->>'lotId' = l.lot_id`,
      `CREATE INDEX ledger_lots_payment_intent ON ledger_lots (payment_intent_id) WHERE payment_intent_id IS NOT NULL`,
      `CREATE INDEX ledger_lots_expiring ON ledger_lots (expires_at) WHERE expires_at IS NOT NULL AND credits_remaining > credits_held`,
      `ALTER TABLE ledger_consumptions
         ADD COLUMN draws jsonb NOT NULL DEFAULT '[]'::jsonb,
         ADD COLUMN credits_refunded bigint NOT NULL DEFAULT 0,
         ADD COLUMN consumed_at timestamptz`,
      `UPDATE ledger_consumptions c SET draws = e.data->'draws', consumed_at = e.occurred_at FROM ledger_events e WHERE e.event_id = c.event_id`,
      `CREATE TABLE ledger_reservations (
         reservation_id text PRIMARY KEY,
         stream_id text NOT NULL,
         domain text NOT NULL,
         reference_id text NOT NULL,
         credits bigint NOT NULL CHECK (credits > 0),
         draws jsonb NOT NULL,
         expires_at timestamptz NOT NULL,
         status text NOT NULL CHECK (status IN ('active', 'captured', 'released', 'expired')),
         credits_captured bigint NOT NULL DEFAULT 0,
         CONSTRAINT ledger_reservations_reference UNIQUE (domain, reference_id)
       )`,
      `CREATE INDEX ledger_reservations_active ON ledger_reservations (stream_id) WHERE status = 'active'`,
      `CREATE INDEX ledger_reservations_expiring ON ledger_reservations (expires_at) WHERE status = 'active'`,
      `CREATE TABLE ledger_money_refunds (
         refund_request_id text PRIMARY KEY,
         stream_id text NOT NULL,
         lot_id text NOT NULL,
         credits bigint NOT NULL,
         amount_minor bigint NOT NULL,
         reverted boolean NOT NULL DEFAULT false
       )`,
      `CREATE TABLE ledger_refund_requests (refund_request_id text NOT NULL, stream_id text NOT NULL, PRIMARY KEY (stream_id, refund_request_id))`,
      `CREATE TABLE ledger_grants (grant_id text NOT NULL, stream_id text NOT NULL, lot_id text NOT NULL, PRIMARY KEY (stream_id, grant_id))`,
      `CREATE TABLE ledger_history (
         event_id uuid PRIMARY KEY,
         stream_id text NOT NULL,
         version integer NOT NULL,
         domain text,
         credits_delta bigint NOT NULL,
         balance_after bigint NOT NULL,
         UNIQUE (stream_id, version)
       )`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
    // History of events appended before this migration: their balance after is the running sum.
    await queryRunner.query(
      `INSERT INTO ledger_history (event_id, stream_id, version, domain, credits_delta, balance_after)
       SELECT event_id, stream_id, version, data->>'domain', delta, sum(delta) OVER (PARTITION BY stream_id ORDER BY version)
         FROM (SELECT event_id, stream_id, version, data,
                      CASE type WHEN 'CreditsPurchased' THEN (data->>'credits')::bigint ELSE -(data->>'credits')::bigint END AS delta
                 FROM ledger_events) e`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['ledger_history', 'ledger_grants', 'ledger_refund_requests', 'ledger_money_refunds', 'ledger_reservations']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
