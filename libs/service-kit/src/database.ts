import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * Creates the database named in `url` if it does not exist yet, by connecting to the `postgres`
 * maintenance database of the same server. Safe under races (duplicate_database is ignored).
 * Every service owns one database (`hub_ledger`, `hub_billing`, …) and creates it at boot.
 * Throws the driver's error if the server cannot be reached.
 */
export async function ensureDatabase(url: string, attemptsMax = 30): Promise<void> {
  // PostgreSQL may still be starting (or restarting): retry for about a minute before giving up.
  for (let attempt = 1; ; attempt++) {
    try {
      return await createDatabaseIfMissing(url);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const unreachable = ['ECONNREFUSED', 'ECONNRESET', '57P03', 'ETIMEDOUT'].includes(code) || /terminated|starting up/i.test((error as Error).message);
      if (!unreachable || attempt >= attemptsMax) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
    }
  }
}

async function createDatabaseIfMissing(url: string): Promise<void> {
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
        // Created meanwhile by another process: 42P04 duplicate_database, or 23505 when the two
        // CREATE DATABASE statements race on pg_database's unique index.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
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
    // Migrations run in DatabaseModule under an advisory lock (TypeORM takes none), not here.
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    migrations,
    entities: [],
    uuidExtension: 'pgcrypto',
    extra: { max: poolSizeMax, application_name: new URL(url).pathname.slice(1) },
  } as DataSourceOptions;
}

/** Advisory lock key held while a service migrates its database (one migrator at a time). */
export const migrationLockKey = 7_340_000;

/**
 * Runs a data source's pending migrations while holding a session advisory lock, so that several
 * instances booting at once migrate one after the other (TypeORM itself takes no lock): the first
 * migrates, the others find nothing pending. Returns the data source.
 */
export async function migrateUnderLock(dataSource: DataSource): Promise<DataSource> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}
