import { inboxTableSql } from '@credit-hub/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox plus the two daily read models. Both are projections of stream LEDGER: they can be
 * dropped and rebuilt by replaying the stream (with the inbox emptied and a fresh durable).
 * Days are UTC calendar days of the event's own time (`consumedAt`, `purchasedAt`).
 */
export class AnalyticsSchema1732147200000 implements MigrationInterface {
  name = 'AnalyticsSchema1732147200000';

  async up(runner: QueryRunner): Promise<void> {
    const statements = [
      ...inboxTableSql(),
      `CREATE TABLE usage_daily (
         domain text NOT NULL,
         day date NOT NULL,
         action_type text NOT NULL,
         credits_consumed bigint NOT NULL CHECK (credits_consumed >= 0),
         consumptions bigint NOT NULL CHECK (consumptions >= 0),
         PRIMARY KEY (domain, day, action_type)
       )`,
      `CREATE TABLE purchases_daily (
         domain text NOT NULL,
         day date NOT NULL,
         currency text NOT NULL,
         credits_purchased bigint NOT NULL CHECK (credits_purchased >= 0),
         purchases bigint NOT NULL CHECK (purchases >= 0),
         amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
         PRIMARY KEY (domain, day, currency)
       )`,
    ];
    for (const statement of statements) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['purchases_daily', 'usage_daily', 'inbox']) await runner.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
