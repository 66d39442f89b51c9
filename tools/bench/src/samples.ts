import { CreditsConsumedV1, LedgerEventEnvelope } from '@credit-hub/contracts';
import { randomUUID } from 'node:crypto';

/**
 * A `CreditsConsumed` envelope as the ledger publishes it (the body of a LEDGER message), for the
 * messages the bench publishes itself: the JetStream floor, the relay's scratch outbox, and the
 * synthetic burst of the analytics consumer. Same size and shape as the real thing.
 */
export function consumedEnvelope(sequence: number, runId: string, eventId: string = randomUUID()): LedgerEventEnvelope {
  const email = `synthetic${sequence % 1000}@bench.localhost`;
  const now = new Date().toISOString();
  const data: CreditsConsumedV1 = {
    email,
    domain: 'demo.localhost',
    credits: 1,
    actionType: 'bench_synthetic',
    referenceId: `${runId}-synthetic-${sequence}`,
    draws: [{ lotId: `lot_cs_${runId}_synthetic`, credits: 1 }],
    balanceAfter: 99_999_999 - sequence,
    consumedAt: now,
  };
  return {
    eventId,
    type: 'CreditsConsumed',
    schemaVersion: 1,
    streamId: `account-${email}`,
    version: sequence + 2,
    position: sequence + 1,
    occurredAt: now,
    data,
    metadata: { causationId: `demo.localhost/${data.referenceId}` },
  };
}
