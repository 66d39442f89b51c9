import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every account a domain has ever been connected to (`ledger_connected_domain_accounts`, one row
 * per domain and account, from billing's connected-account-updated events; never deleted). A lot
 * scoped to an account is spendable on every domain that has ever been connected to it, so a
 * domain that reconnects with a new account after a deauthorisation keeps its customers' credits.
 * Filled from the current mapping for domains connected before.
 */
export class LedgerConnectedDomainAccounts1797120000000 implements MigrationInterface {
  name = 'LedgerConnectedDomainAccounts1797120000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS ledger_connected_domain_accounts (
         domain text NOT NULL,
         account_id text NOT NULL,
         first_connected_at timestamptz NOT NULL,
         PRIMARY KEY (domain, account_id)
       )`,
    );
    await queryRunner.query(
      `INSERT INTO ledger_connected_domain_accounts (domain, account_id, first_connected_at)
       SELECT domain, account_id, updated_at FROM ledger_connected_domains ON CONFLICT DO NOTHING`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS ledger_connected_domain_accounts');
  }
}
