import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pack sales in the revenue read model: `rm_revenue_daily` gets the gross paid and the platform's
 * Stripe Connect application fee per domain, UTC day and currency (net = gross − fee is computed
 * on read). Rows folded before this migration hold 0: run the read models' rebuild
 * (docs/analytics.md) to fill past sales from the LEDGER stream.
 */
export class RevenueSales1797033600000 implements MigrationInterface {
  name = 'RevenueSales1797033600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE rm_revenue_daily ADD COLUMN IF NOT EXISTS gross_minor bigint NOT NULL DEFAULT 0');
    await runner.query('ALTER TABLE rm_revenue_daily ADD COLUMN IF NOT EXISTS platform_fee_minor bigint NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE rm_revenue_daily DROP COLUMN IF EXISTS platform_fee_minor');
    await runner.query('ALTER TABLE rm_revenue_daily DROP COLUMN IF EXISTS gross_minor');
  }
}
