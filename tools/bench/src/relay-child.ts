import { OutboxRelay } from '@credit-hub/messaging';
import { connect } from 'nats';
import { Pool } from 'pg';
import { RelayConfig } from './load-types';

/**
 * A standalone OutboxRelay (libs/messaging, the ledger's relay class) on a scratch database, in
 * its own process like the ledger's: prints `{"ready":true}` once started, relays until SIGTERM,
 * then prints `{"published":n}` and exits.
 */
export async function runRelay(config: RelayConfig): Promise<void> {
  const nc = await connect({ servers: config.natsUrl.split(','), name: 'bench-relay' });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4, application_name: 'bench-relay-pool' });
  pool.on('error', () => undefined); // an idle connection closed under it: the relay reconnects on its next query
  const relay = new OutboxRelay({ pool, databaseUrl: config.databaseUrl, nc, channel: config.channel, lockKey: config.lockKey, name: 'bench' });
  relay.start();
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await relay.stop();
  await pool.end();
  await nc.drain();
  process.stdout.write(`${JSON.stringify({ published: relay.publishedCount })}\n`);
}
