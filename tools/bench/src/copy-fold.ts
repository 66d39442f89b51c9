import { CreditAccount, evolve, initialState, RecordedEvent } from '@credit-hub/ledger-domain';
import { Client } from 'pg';
import { copyOut, fromCopyText } from './copy';
import { CopyFoldConfig, CopyFoldResult } from './load-types';

/**
 * The floor of replay: the same columns in the same order as the replay reads, streamed with
 * `COPY (SELECT …) TO STDOUT`, each row parsed and folded with the domain's own `evolve` into one
 * state per account, each consumption record dropped once folded (balances and lots do not need
 * them, and memory stays flat). No projection is written and nothing compared: this is what
 * reading and folding alone cost.
 */
export async function runCopyFold(config: CopyFoldConfig): Promise<CopyFoldResult> {
  const client = new Client({ connectionString: config.databaseUrl, application_name: 'bench-copy-fold' });
  client.on('error', () => undefined); // a failed query rejects on its own; nothing else to report
  await client.connect();
  const accounts = new Map<string, CreditAccount>();
  let events = 0;
  const startedAt = performance.now();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await copyOut(client, 'COPY (SELECT event_id, stream_id, version, type, data FROM ledger_events ORDER BY position) TO STDOUT', (row) => {
      const fields = row.toString('utf8').split('\t');
      const streamId = fromCopyText(fields[1])!;
      let state = accounts.get(streamId);
      if (!state) {
        state = initialState();
        accounts.set(streamId, state);
      }
      const event = { eventId: fields[0], version: Number(fields[2]), type: fields[3], data: JSON.parse(fromCopyText(fields[4])!) } as RecordedEvent;
      evolve(state, event);
      state.consumptions.clear();
      events++;
    });
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const elapsedMs = performance.now() - startedAt;
  let negativeBalances = 0;
  for (const state of accounts.values()) if (state.balance < 0) negativeBalances++;
  return {
    events,
    accounts: accounts.size,
    negativeBalances,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: Math.round((events * 1000) / elapsedMs),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
