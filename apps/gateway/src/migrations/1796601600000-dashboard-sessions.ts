import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboard sessions: one row per signed-in browser. Only the SHA-256 (hex) of the random session
 * id is stored, so a dump of this table opens nothing. A session ends at `expires_at`, at sign-out
 * (row deleted), or when its API key is revoked (lookups join the live key; the row is purged later).
 */
export class DashboardSessions1796601600000 implements MigrationInterface {
  name = 'DashboardSessions1796601600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dashboard_sessions (
        session_hash text PRIMARY KEY CHECK (session_hash ~ '^[0-9a-f]{64}$'),
        api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CHECK (expires_at > created_at)
      )`);
    await queryRunner.query(`CREATE INDEX dashboard_sessions_expires_at_idx ON dashboard_sessions (expires_at)`);
    await queryRunner.query(`CREATE INDEX dashboard_sessions_api_key_idx ON dashboard_sessions (api_key_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dashboard_sessions`);
  }
}
