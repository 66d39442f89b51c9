import { StreamDefinition } from '@credit-hub/contracts';
import { DiscardPolicy, JetStreamManager, NatsConnection, RetentionPolicy, StorageType } from 'nats';

/**
 * Creates each stream if missing, or updates its subjects and duplicate window if it exists.
 * File storage, limits retention (events are kept: consumers and replays read from sequence 1).
 * `replicas` is 1 here; the deploy files set 3 on a cluster.
 */
export async function ensureStreams(nc: NatsConnection, definitions: StreamDefinition[], replicas = 1): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const definition of definitions) await ensureStream(jsm, definition, replicas);
}

async function ensureStream(jsm: JetStreamManager, definition: StreamDefinition, replicas: number): Promise<void> {
  const config = {
    name: definition.name,
    subjects: definition.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: definition.duplicateWindowNanos,
    num_replicas: replicas,
  };
  try {
    const info = await jsm.streams.info(definition.name);
    const same =
      info.config.subjects.join(',') === definition.subjects.join(',') &&
      info.config.duplicate_window === definition.duplicateWindowNanos;
    // Never lower a stream's replicas at boot (an operator raised them with ops streams ensure).
    if (!same) await jsm.streams.update(definition.name, { ...info.config, ...config, num_replicas: Math.max(info.config.num_replicas, replicas) });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Another service created it meanwhile: fine, the definitions are the same constants.
      if (!/already in use|exists/i.test((addError as Error).message)) throw addError;
    }
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; message?: string; api_error?: { err_code?: number } };
  return e.api_error?.err_code === 10059 || e.code === '404' || /not found/i.test(e.message ?? '');
}
