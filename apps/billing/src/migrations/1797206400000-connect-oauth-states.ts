import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `connect_oauth_states`: one row per Connect OAuth request (a builder connecting an existing
 * Stripe account): the domains it names, where the builder returns, when it expires, and when it
 * was used (single use) with the account it connected. The token itself (`<id>.<expires>.<signature>`)
 * is never stored, only its id.
 */
export class ConnectOAuthStates1797206400000 implements MigrationInterface {
  name = 'ConnectOAuthStates1797206400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE connect_oauth_states (
         id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{24}$'),
         domains text[] NOT NULL CHECK (cardinality(domains) BETWEEN 1 AND 100),
         return_url text NOT NULL,
         expires_at timestamptz NOT NULL,
         used_at timestamptz NULL,
         account_id text NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await queryRunner.query('CREATE INDEX connect_oauth_states_expires ON connect_oauth_states (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS connect_oauth_states');
  }
}
