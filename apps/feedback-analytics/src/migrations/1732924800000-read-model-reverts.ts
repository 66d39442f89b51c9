import { MigrationInterface, QueryRunner } from 'typeorm';
import { readModelTables } from '../read-models/read-model-tables';

const added = ['rm_consumptions', 'rm_purchase_refunds'];

/**
 * What the first read models lacked: `rm_consumptions` (refunded credits by the action type they were consumed for) and
 * `rm_purchase_refunds` (a PurchaseRefundReverted takes its refund's amount back off revenue). The
 * live tables fill from new events on; run `npm run replay -- analytics --replace` once after this
 * migration so older refunds get their action type and older reverts their amount.
 */
export class ReadModelReverts1732924800000 implements MigrationInterface {
  name = 'ReadModelReverts1732924800000';

  async up(runner: QueryRunner): Promise<void> {
    for (const table of readModelTables.filter((t) => added.includes(t.name))) {
      await runner.query(`CREATE TABLE IF NOT EXISTS ${table.name} (${table.columns}, PRIMARY KEY (${table.key}))`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const name of added) await runner.query(`DROP TABLE IF EXISTS ${name}`);
  }
}
