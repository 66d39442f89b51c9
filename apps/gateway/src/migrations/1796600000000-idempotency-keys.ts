import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `Idempotency-Key` records (IETF draft-ietf-httpapi-idempotency-key-header): one row per API key,
 * route and key, with the hash of the first request's body and, once answered, its response.
 * Rows older than 24 hours are deleted by the gateway.
 */
export class IdempotencyKeys1796600000000 implements MigrationInterface {
  name = 'IdempotencyKeys1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        api_key_id text NOT NULL,
        route text NOT NULL,
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        response_status int NULL,
        response_body jsonb NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz NULL,
        PRIMARY KEY (api_key_id, route, idempotency_key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
  }
}
