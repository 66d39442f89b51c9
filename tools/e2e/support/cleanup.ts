import { deleteNamespaceStreams } from '@credit-hub/testing';
import { connect } from 'nats';
import { Client } from 'pg';

/** The part of a started system (tools/scripts/system.js) a cleanup needs. */
export interface StartedSystem {
  stop(): Promise<void>;
  databases: Record<string, string>;
  natsUrl: string;
}

/**
 * Ends an end-to-end suite: stops the system's processes, drops its databases (FORCE: a
 * service's pool may still hold a connection) and deletes every JetStream stream of its
 * namespace. Does nothing when the system never started. Errors of the drops are raised: a
 * suite that cannot clean up should say so.
 */
export async function stopAndCleanUp(system: StartedSystem | undefined, namespace: string): Promise<void> {
  await system?.stop();
  if (!system) return;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    for (const url of Object.values(system.databases)) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const nc = await connect({ servers: system.natsUrl });
  try {
    await deleteNamespaceStreams(await nc.jetstreamManager(), namespace);
  } finally {
    await nc.close();
  }
}
