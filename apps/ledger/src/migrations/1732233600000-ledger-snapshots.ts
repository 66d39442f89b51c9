import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account snapshots: the whole folded state of an account at one version, taken every
 * LEDGER_SNAPSHOT_EVERY events in the append transaction or by `ops snapshot take`. Derived data:
 * `ops snapshot verify` checks each against the full fold and marks it `verified_at`; replay
 * `--from-snapshots` starts from verified ones only.
 */
export class LedgerSnapshots1732233600000 implements MigrationInterface {
  name = 'LedgerSnapshots1732233600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE ledger_snapshots (
         stream_id text NOT NULL,
         version integer NOT NULL CHECK (version > 0),
         state jsonb NOT NULL,
         taken_at timestamptz NOT NULL DEFAULT now(),
         verified_at timestamptz,
         PRIMARY KEY (stream_id, version)
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS ledger_snapshots');
  }
}
