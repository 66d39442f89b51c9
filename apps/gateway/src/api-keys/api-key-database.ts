import { dataSourceOptions, ensureDatabase, migrateUnderLock } from '@credit-hub/service-kit';
import { DataSource } from 'typeorm';
import { gatewayMigrations } from '../migrations';

/** Where the gateway's database is when GATEWAY_DATABASE_URL is not set. */
export const gatewayDatabaseUrlDefault = 'postgres://postgres@127.0.0.1:5432/hub_gateway';

/**
 * Opens the gateway's database as the gateway does at boot: creates it if missing and runs the
 * gateway migrations. For tests that stand in for a booted gateway; an operator tool must use
 * `openMigratedGatewayDatabase`, which never creates anything. Close it with `destroy()`.
 */
export async function openGatewayDatabase(url: string): Promise<DataSource> {
  await ensureDatabase(url);
  const dataSource = new DataSource(dataSourceOptions(url, gatewayMigrations, 2));
  return migrateUnderLock(await dataSource.initialize());
}

/** The database named by the URL does not exist, or the gateway never migrated it: a configuration error (exit 78). */
export class GatewayDatabaseMissingError extends Error {
  override name = 'GatewayDatabaseMissingError';
}

/**
 * Opens the gateway's database for an operator tool: never creates a database and never
 * migrates. A database that does not exist (a mistyped GATEWAY_DATABASE_URL) or one whose
 * migrations are not all applied throws GatewayDatabaseMissingError saying so, so that a typo can
 * neither create a database nor print a key the gateway will refuse. Other connection errors are
 * the driver's (unreachable server). Close it with `destroy()`.
 */
export async function openMigratedGatewayDatabase(url: string): Promise<DataSource> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  const dataSource = new DataSource(dataSourceOptions(url, gatewayMigrations, 2));
  try {
    await dataSource.initialize();
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') {
      throw new GatewayDatabaseMissingError(
        `database ${name} does not exist: check GATEWAY_DATABASE_URL (the gateway creates and migrates its database when it starts; this tool creates nothing)`,
      );
    }
    throw error;
  }
  const expected = gatewayMigrations.map((migration) => new migration().name ?? migration.name);
  const applied = await dataSource
    .query(`SELECT name FROM migrations`)
    .then((rows: { name: string }[]) => new Set(rows.map((row) => row.name)), () => new Set<string>());
  const pending = expected.filter((migration) => !applied.has(migration));
  if (pending.length > 0) {
    await dataSource.destroy();
    throw new GatewayDatabaseMissingError(
      `database ${name} is not the gateway's, or the gateway has not migrated it yet (missing ${pending.join(', ')}): check GATEWAY_DATABASE_URL, or start the gateway once`,
    );
  }
  return dataSource;
}
