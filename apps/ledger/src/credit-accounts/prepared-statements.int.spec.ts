/**
 * The ledger pipeline's prepared statements on real PostgreSQL: a parameterised text is prepared
 * once on the connection and answers as the plain query does; texts built per call (many
 * parameters) and queries without parameters run unnamed.
 */
import { testPostgresBaseUrl } from '@credit-hub/testing';
import { Pool, PoolClient } from 'pg';
import { preparedStatements } from './prepared-statements';

let pool: Pool;
let client: PoolClient;

beforeAll(async () => {
  pool = new Pool({ connectionString: `${testPostgresBaseUrl}/postgres`, max: 1 });
  client = await pool.connect();
});

afterAll(async () => {
  client?.release();
  await pool?.end();
});

const prepared = async (): Promise<string[]> =>
  (await client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements ORDER BY prepare_time')).rows.map((r) => r.statement);

describe('prepared statements', () => {
  it('prepares a parameterised text once per connection and answers as the plain query', async () => {
    const db = preparedStatements(client);
    const text = 'SELECT $1::int + 1 AS next, $2::text[] AS list';
    const first = await db.query(text, [1, ['a', 'b']]);
    const second = await db.query(text, [41, []]);
    expect(first.rows).toEqual([{ next: 2, list: ['a', 'b'] }]);
    expect(second.rows).toEqual([{ next: 42, list: [] }]);
    expect((await prepared()).filter((statement) => statement === text)).toHaveLength(1);
  });

  it('runs a query without parameters, or with more than 16, unnamed', async () => {
    const db = preparedStatements(client);
    const many = `SELECT ${Array.from({ length: 17 }, (_, i) => `$${i + 1}::int`).join(' + ')} AS total`;
    expect((await db.query(many, Array.from({ length: 17 }, () => 1))).rows).toEqual([{ total: 17 }]);
    expect((await db.query('SELECT 7 AS seven')).rows).toEqual([{ seven: 7 }]);
    const statements = await prepared();
    expect(statements).not.toContain(many);
    expect(statements).not.toContain('SELECT 7 AS seven');
  });

  it('keeps the client itself: release and other members are the client’s', () => {
    const db = preparedStatements(client);
    expect(db.release).toBe(client.release);
    expect(db.query).not.toBe(client.query);
  });
});
