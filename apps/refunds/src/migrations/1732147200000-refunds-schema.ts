import { inboxTableSql } from '@credit-hub/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox plus `refundable_consumptions`: one row per `CreditsConsumed` event, the facts a refund
 * of that consumption needs (who, where, how many credits, from which lots). `credits_refunded`
 * is the only column that will change, and only through refund events handled later.
 */
export class RefundsSchema1732147200000 implements MigrationInterface {
  name = 'RefundsSchema1732147200000';

  async up(runner: QueryRunner): Promise<void> {
    const statements = [
      ...inboxTableSql(),
      `CREATE TABLE refundable_consumptions (
         event_id uuid PRIMARY KEY,
         email text NOT NULL,
         domain text NOT NULL,
         credits int NOT NULL CHECK (credits > 0),
         action_type text NOT NULL,
         reference_id text NOT NULL,
         draws jsonb NOT NULL,
         consumed_at timestamptz NOT NULL,
         credits_refunded int NOT NULL DEFAULT 0 CHECK (credits_refunded BETWEEN 0 AND credits)
       )`,
      // A customer's refund page lists their recent consumptions on one domain.
      `CREATE INDEX refundable_consumptions_customer ON refundable_consumptions (email, domain, consumed_at)`,
    ];
    for (const statement of statements) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['refundable_consumptions', 'inbox']) await runner.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
