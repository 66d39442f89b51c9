import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The refunds service stops mirroring the ledger's consumptions: a credit refund names its window
 * (`consumed_since`) and the ledger picks the consumptions itself under the account's lock. The
 * mirror (`refundable_consumptions`, fed from stream LEDGER), the ledger's refund lines copied from
 * the same stream (`ledger_consumption_refunds`) and the per-request reservation of mirrored
 * consumptions (`refund_request_items`) are dropped. An unfinished credit refund keeps its window:
 * the time of the oldest consumption it had reserved.
 */
export class RefundsAskLedger1732320000000 implements MigrationInterface {
  name = 'RefundsAskLedger1732320000000';

  async up(runner: QueryRunner): Promise<void> {
    const statements = [
      'ALTER TABLE refund_requests ADD COLUMN consumed_since timestamptz NULL',
      `UPDATE refund_requests r SET consumed_since = (
         SELECT min(c.consumed_at) FROM refund_request_items i JOIN refundable_consumptions c ON c.event_id = i.consumption_event_id
          WHERE i.refund_request_id = r.id)
        WHERE r.kind = 'credits'`,
      `UPDATE refund_requests SET consumed_since = created_at WHERE kind = 'credits' AND consumed_since IS NULL`,
      'DROP TABLE refund_request_items',
      'DROP TABLE ledger_consumption_refunds',
      'DROP TABLE refundable_consumptions',
      `ALTER TABLE refund_requests ADD CONSTRAINT refund_requests_window CHECK ((kind = 'credits') = (consumed_since IS NOT NULL))`,
    ];
    for (const statement of statements) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    // The mirror is not rebuilt here: a service of the old version refills it from stream LEDGER.
    const statements = [
      `CREATE TABLE refundable_consumptions (
         event_id uuid PRIMARY KEY, email text NOT NULL, domain text NOT NULL, credits int NOT NULL CHECK (credits > 0),
         action_type text NOT NULL, reference_id text NOT NULL, draws jsonb NOT NULL, consumed_at timestamptz NOT NULL,
         credits_refunded int NOT NULL DEFAULT 0 CHECK (credits_refunded BETWEEN 0 AND credits))`,
      'CREATE INDEX refundable_consumptions_customer ON refundable_consumptions (email, domain, consumed_at)',
      'CREATE INDEX refundable_consumptions_reference ON refundable_consumptions (domain, reference_id)',
      `CREATE TABLE ledger_consumption_refunds (
         event_id uuid PRIMARY KEY, refund_request_id text NOT NULL, consumption_event_id uuid NOT NULL, domain text NOT NULL,
         reference_id text NOT NULL, credits int NOT NULL CHECK (credits > 0), refunded_at timestamptz NOT NULL)`,
      'CREATE INDEX ledger_consumption_refunds_request ON ledger_consumption_refunds (refund_request_id)',
      `CREATE TABLE refund_request_items (
         refund_request_id uuid NOT NULL REFERENCES refund_requests (id),
         consumption_event_id uuid NOT NULL REFERENCES refundable_consumptions (event_id),
         credits int NOT NULL CHECK (credits >= 0), PRIMARY KEY (refund_request_id, consumption_event_id))`,
      'CREATE INDEX refund_request_items_consumption ON refund_request_items (consumption_event_id)',
      'ALTER TABLE refund_requests DROP CONSTRAINT refund_requests_window',
      'ALTER TABLE refund_requests DROP COLUMN consumed_since',
    ];
    for (const statement of statements) await runner.query(statement);
  }
}
