import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A customer's consumptions on one domain in a time window, newest first: what the refundable
 * query lists and what a credit refund of a window selects (under the account's lock). The
 * refunds service asks the ledger for them instead of keeping a copy.
 */
export class LedgerRefundable1732320000000 implements MigrationInterface {
  name = 'LedgerRefundable1732320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS ledger_consumptions_customer_domain ON ledger_consumptions (stream_id, domain, consumed_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS ledger_consumptions_customer_domain');
  }
}
