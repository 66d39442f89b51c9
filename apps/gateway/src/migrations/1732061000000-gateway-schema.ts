import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's only table: API keys. The key itself is never stored, only its SHA-256 (hex) and
 * its first 12 characters (to recognise it in listings). `revoked_at` is set once, never cleared.
 */
export class GatewaySchema1732061000000 implements MigrationInterface {
  name = 'GatewaySchema1732061000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL DEFAULT 'domain' CHECK (kind IN ('domain')),
        domain text NOT NULL CHECK (length(domain) BETWEEN 1 AND 253),
        key_prefix text NOT NULL CHECK (length(key_prefix) = 12),
        key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        label text NULL CHECK (length(label) <= 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_domain_idx ON api_keys (domain, created_at)`);
    await queryRunner.query(`CREATE INDEX api_keys_key_prefix_idx ON api_keys (key_prefix)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
