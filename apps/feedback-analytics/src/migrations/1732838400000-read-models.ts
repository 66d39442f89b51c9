import { MigrationInterface, QueryRunner } from 'typeorm';
import { readModelTables, readModelTablesSql } from '../read-models/read-model-tables';

/** The read models of LEDGER, BILLING and REFUNDS (see read-models/read-model-tables.ts). */
export class ReadModels1732838400000 implements MigrationInterface {
  name = 'ReadModels1732838400000';

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of readModelTablesSql()) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [...readModelTables].reverse()) await runner.query(`DROP TABLE IF EXISTS ${table.name}`);
  }
}
