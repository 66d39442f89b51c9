import { NatsConnection } from 'nats';
import { LedgerEventTypeSubjects, Streams } from '@credit-hub/contracts';
import { LedgerFact } from './reconcile';

/** Messages read per subject at most (a reconciliation window, not the whole history). */
const messagesPerSubjectMax = 200_000;
/** Messages per pull; a pull with fewer waits this long for more before it ends. */
const batchSize = 1000;
const pullExpiresMs = 1000;

/** The ledger's purchases (by checkout session) and plan grants (by grant id) published since a time. */
export interface LedgerFacts {
  purchases: Map<string, LedgerFact>;
  planGrants: Map<string, LedgerFact>;
}

/**
 * Reads the ledger's `CreditsPurchased` and `CreditsGranted` events published to stream LEDGER
 * since `sinceMs` (wall clock, JetStream's own timestamps), with ephemeral ordered consumers (one
 * per subject: NATS 2.9 has no multi-subject filters). Billing never reads the ledger's database;
 * this needs nothing from the ledger but its stream. A missing stream reads as empty.
 */
export async function readLedgerFacts(nc: NatsConnection, sinceMs: number): Promise<LedgerFacts> {
  const purchases = new Map<string, LedgerFact>();
  const planGrants = new Map<string, LedgerFact>();
  for (const body of await readSubject(nc, LedgerEventTypeSubjects.CreditsPurchased, sinceMs)) {
    const data = body['data'] as Record<string, unknown> | undefined;
    if (typeof data?.['checkoutSessionId'] === 'string') purchases.set(data['checkoutSessionId'], fact(body, data, 'purchasedAt'));
  }
  for (const body of await readSubject(nc, LedgerEventTypeSubjects.CreditsGranted, sinceMs)) {
    const data = body['data'] as Record<string, unknown> | undefined;
    if (data?.['source'] === 'plan' && typeof data['grantId'] === 'string') planGrants.set(data['grantId'], fact(body, data, 'grantedAt'));
  }
  return { purchases, planGrants };
}

function fact(body: Record<string, unknown>, data: Record<string, unknown>, timeField: string): LedgerFact {
  const at = data[timeField];
  return { eventId: String(body['eventId'] ?? ''), email: String(data['email'] ?? ''), at: typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : null };
}

async function readSubject(nc: NatsConnection, subject: string, sinceMs: number): Promise<Record<string, unknown>[]> {
  const jsm = await nc.jetstreamManager();
  const exists = await jsm.streams.info(Streams.ledger.name).then(() => true, () => false);
  if (!exists) return [];
  const consumer = await nc.jetstream().consumers.get(Streams.ledger.name, {
    filterSubjects: subject,
    opt_start_time: new Date(Math.max(0, sinceMs)).toISOString(),
  });
  const bodies: Record<string, unknown>[] = [];
  while (bodies.length < messagesPerSubjectMax) {
    const batch = await consumer.fetch({ max_messages: batchSize, expires: pullExpiresMs });
    let received = 0;
    let last = false;
    for await (const message of batch) {
      received++;
      try {
        bodies.push(message.json<Record<string, unknown>>());
      } catch {
        // not JSON: not a ledger event, skip it
      }
      if (message.info.pending === 0) last = true;
    }
    if (received === 0 || last) break;
  }
  return bodies;
}
