import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `invoice_payments`: the payment intent of every paid subscription invoice billing granted a
 * period for (the invoice's `payments`), with its subscription and the account it was paid on
 * (null: the platform). A plan payment is then found by its payment intent like a pack sale is in
 * `checkout_sessions`: money refunds and `charge.refunded` of a plan invoice paid on a connected
 * account go to that account, and only to it.
 */
export class InvoicePayments1797120000000 implements MigrationInterface {
  name = 'InvoicePayments1797120000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE invoice_payments (
         payment_intent_id text PRIMARY KEY,
         invoice_id text NOT NULL,
         subscription_id text NOT NULL REFERENCES subscriptions (id),
         connected_account_id text NULL,
         recorded_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS invoice_payments');
  }
}
