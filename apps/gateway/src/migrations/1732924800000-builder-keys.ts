import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Builder keys: `api_keys.kind` 'builder', a `builder` name and the `builder_domains`
 * the key reads (analytics only). A builder key has no `domain`; a domain key has no builder
 * columns. Existing domain keys are untouched.
 */
export class BuilderKeys1732924800000 implements MigrationInterface {
  name = 'BuilderKeys1732924800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_kind_check`);
    await queryRunner.query(`ALTER TABLE api_keys ALTER COLUMN domain DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN builder text NULL CHECK (length(builder) BETWEEN 1 AND 100)`);
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN builder_domains text[] NULL`);
    await queryRunner.query(`
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_kind_shape CHECK (
        (kind = 'domain' AND domain IS NOT NULL AND builder IS NULL AND builder_domains IS NULL)
        OR (kind = 'builder' AND domain IS NULL AND builder IS NOT NULL AND cardinality(builder_domains) BETWEEN 1 AND 100))`);
    await queryRunner.query(`CREATE INDEX api_keys_builder_idx ON api_keys (builder, created_at) WHERE builder IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM api_keys WHERE kind = 'builder'`);
    await queryRunner.query(`DROP INDEX IF EXISTS api_keys_builder_idx`);
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_kind_shape`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN builder_domains`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN builder`);
    await queryRunner.query(`ALTER TABLE api_keys ALTER COLUMN domain SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_kind_check CHECK (kind IN ('domain'))`);
  }
}
