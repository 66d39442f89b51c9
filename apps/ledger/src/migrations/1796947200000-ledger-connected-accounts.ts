import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe Connect in the ledger: a lot bought (or a plan granted) on a connected account carries
 * that account (`ledger_lots.scope_account`, null: a platform lot, as every lot before), and the
 * ledger keeps which account each domain is connected to (`ledger_connected_domains`, from
 * billing's `billing.events.connected-account-updated.v1`; a disconnection changes the status, the
 * mapping stays, so credits bought there stay spendable only on that builder's domains).
 */
export class LedgerConnectedAccounts1796947200000 implements MigrationInterface {
  name = 'LedgerConnectedAccounts1796947200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE ledger_lots ADD COLUMN IF NOT EXISTS scope_account text');
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ledger_connected_domains (
         domain text PRIMARY KEY,
         account_id text NOT NULL,
         status text NOT NULL CHECK (status IN ('onboarding', 'ready', 'restricted', 'disconnected')),
         charges_enabled boolean NOT NULL,
         details_submitted boolean NOT NULL,
         updated_at timestamptz NOT NULL
       )`,
    );
    await queryRunner.query('CREATE INDEX IF NOT EXISTS ledger_connected_domains_account ON ledger_connected_domains (account_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS ledger_connected_domains');
    await queryRunner.query('ALTER TABLE ledger_lots DROP COLUMN IF EXISTS scope_account');
  }
}
