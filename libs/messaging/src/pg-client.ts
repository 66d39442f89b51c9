import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';

const logger = new Logger('PgClient');

/**
 * Takes a client from the pool with an `error` listener for as long as it is checked out.
 * pg-pool listens for errors only on idle clients; a checked-out client whose connection dies
 * (PostgreSQL restarted, network cut) would otherwise emit an unhandled 'error' and crash the
 * process. A client that errored is destroyed on release instead of going back to the pool.
 * The query in flight still fails with its own error, which the caller handles (retry or 503).
 */
export async function checkoutClient(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
    logger.warn(`database connection lost while in use: ${error.message}`);
  };
  client.on('error', onError);
  const release = client.release.bind(client);
  client.release = (destroy?: boolean | Error) => {
    client.removeListener('error', onError);
    return release(destroy ?? broken ?? false);
  };
  return client;
}
