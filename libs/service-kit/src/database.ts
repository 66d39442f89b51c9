import { Client } from 'pg';
import { DataSourceOptions } from 'typeorm';

/**
 * Creates the database named in `url` if it does not exist yet, by connecting to the `postgres`
 * maintenance database of the same server. Safe under races (duplicate_database is ignored).
 * Every service owns one database (`hub_ledger`, `hub_billing`, …) and creates it at boot.
 * Throws the driver's error if the server cannot be reached.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name ${name} is not a plain identifier`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Drops a database (tests only: each test run creates its own databases and drops them after).
 */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.replace(/^\//, '');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * TypeORM options every service uses: explicit migration classes run at boot, no synchronize
 * (TOOLCHAIN.md pitfall 6), a bounded pool.
 */
export function dataSourceOptions(
  url: string,
  migrations: DataSourceOptions['migrations'],
  poolSizeMax = 10,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    migrations,
    entities: [],
    uuidExtension: 'pgcrypto',
    extra: { max: poolSizeMax, application_name: new URL(url).pathname.slice(1) },
  } as DataSourceOptions;
}
