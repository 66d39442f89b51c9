import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient } from 'pg';
import { checkoutClient } from '@credit-hub/messaging';
import { DataSource } from 'typeorm';

/**
 * The refunds database through the pg pool TypeORM opened (migrations stay with TypeORM): plain
 * parameterised SQL, rows as pg returns them, explicit transactions. The refund path is short
 * SQL around one ledger call, so no ORM layer sits in it.
 */
@Injectable()
export class RefundsDb {
  readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    // TypeORM's postgres driver keeps its pg Pool as `master`.
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  /** Runs one statement outside a transaction and returns its rows. */
  async query<R>(sql: string, parameters: unknown[] = []): Promise<R[]> {
    return (await this.pool.query(sql, parameters)).rows as R[];
  }

  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await checkoutClient(this.pool);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
