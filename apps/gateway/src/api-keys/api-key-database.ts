import { dataSourceOptions, ensureDatabase, migrateUnderLock } from '@credit-hub/service-kit';
import { DataSource } from 'typeorm';
import { gatewayMigrations } from '../migrations';

/** Where the gateway's database is when GATEWAY_DATABASE_URL is not set. */
export const gatewayDatabaseUrlDefault = 'postgres://postgres@127.0.0.1:5432/hub_gateway';

/**
 * Opens the gateway's database outside Nest (operator tools, tests): creates it if missing and
 * runs the gateway migrations, exactly as the gateway does at boot. Close it with `destroy()`.
 */
export async function openGatewayDatabase(url: string): Promise<DataSource> {
  await ensureDatabase(url);
  const dataSource = new DataSource(dataSourceOptions(url, gatewayMigrations, 2));
  return migrateUnderLock(await dataSource.initialize());
}
