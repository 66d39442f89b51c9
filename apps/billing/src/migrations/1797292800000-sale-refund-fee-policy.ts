import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A connected sale's refund fee policy, frozen at checkout: `checkout_sessions.refund_application_fee`
 * (whether money refunds of the sale give the platform's application fee back; null for platform
 * sales). Money refunds read it from the sale, not from the domain's current terms, so a retried
 * refund sends Stripe the same parameters under the same idempotency key. Existing connected sales
 * take their domain's policy as it is when the migration runs.
 */
export class SaleRefundFeePolicy1797292800000 implements MigrationInterface {
  name = 'SaleRefundFeePolicy1797292800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE checkout_sessions ADD COLUMN refund_application_fee boolean NULL');
    await queryRunner.query(
      `UPDATE checkout_sessions s SET refund_application_fee = d.refund_application_fee
         FROM connected_account_domains d
        WHERE s.connected_account_id IS NOT NULL AND d.domain = s.domain`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE checkout_sessions DROP COLUMN refund_application_fee');
  }
}
