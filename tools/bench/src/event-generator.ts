import { CreditsConsumedV1, CreditsPurchasedV1, EventMetadata } from '@credit-hub/contracts';
import { randomUUID } from 'node:crypto';
import { copyText } from './copy';

/**
 * Generates a realistic, valid ledger history for the replay bench: every account first buys a
 * pack, then consumptions (1-25 credits, two domains, five action types) arrive across accounts
 * with a skew (a few heavy users), and an account that cannot pay for the next consumption buys
 * another pack first. Draws follow the ledger's lot order for these lots (no expiry, same
 * priority, all purchased: oldest first), so balances never go negative and every `draws` list
 * is exactly what the ledger would have written. Only the v1 event formats are used: they are a
 * persisted format that never changes (STYLE.md), so this generator does not follow the code.
 */

export interface GeneratedEvent {
  eventId: string;
  streamId: string;
  version: number;
  type: 'CreditsPurchased' | 'CreditsConsumed';
  data: CreditsPurchasedV1 | CreditsConsumedV1;
  metadata: EventMetadata;
  occurredAt: string;
}

export interface GeneratorOptions {
  events: number;
  accounts: number;
  /** PRNG seed: the same seed gives the same history (event ids aside). */
  seed?: number;
  /** Time of the first event; later ones are spread evenly over `spanMs`. */
  startMs?: number;
  spanMs?: number;
}

interface Offering {
  domain: string;
  offeringId: string;
  credits: number;
  amountMinor: number;
  currency: string;
  weight: number;
}

/** The demo catalog (deploy/catalog/demo.json), with how often each pack is bought. */
const offerings: Offering[] = [
  { domain: 'demo.localhost', offeringId: 'pro_100', credits: 100, amountMinor: 4900, currency: 'usd', weight: 0.5 },
  { domain: 'demo.localhost', offeringId: 'team_1000', credits: 1000, amountMinor: 29900, currency: 'usd', weight: 0.3 },
  { domain: 'notes.localhost', offeringId: 'notes_50', credits: 50, amountMinor: 900, currency: 'eur', weight: 0.15 },
  { domain: 'demo.localhost', offeringId: 'starter_3', credits: 3, amountMinor: 500, currency: 'usd', weight: 0.05 },
];
const consumeSizes: [credits: number, weight: number][] = [
  [1, 0.5],
  [2, 0.2],
  [5, 0.15],
  [10, 0.1],
  [25, 0.05],
];
const consumeDomains = ['demo.localhost', 'demo.localhost', 'demo.localhost', 'notes.localhost'];
const actionTypes = ['ai_generation', 'summarize', 'embed', 'chat_turn', 'image'];

interface AccountSim {
  email: string;
  streamId: string;
  version: number;
  balance: number;
  /** Lots with credits left, oldest first. */
  open: { lotId: string; remaining: number }[];
}

/** mulberry32: small, fast, good enough to shape a workload. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: T[], weightOf: (item: T) => number): T {
  let r = random();
  for (const item of items) {
    r -= weightOf(item);
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

/** The generated history, in global position order. */
export function* generateLedgerEvents(options: GeneratorOptions): Generator<GeneratedEvent> {
  const random = prng(options.seed ?? 7);
  const startMs = options.startMs ?? Date.UTC(2026, 9, 1);
  const spanMs = options.spanMs ?? 30 * 24 * 3600 * 1000;
  const accounts: AccountSim[] = Array.from({ length: options.accounts }, (_, i) => {
    const email = `user${i}@replay.bench`;
    return { email, streamId: `account-${email}`, version: 0, balance: 0, open: [] };
  });
  let purchases = 0;
  let consumptions = 0;
  for (let index = 0; index < options.events; index++) {
    const occurredMs = startMs + Math.floor((index / options.events) * spanMs);
    const occurredAt = new Date(occurredMs).toISOString();
    // First every account buys a pack; then a skewed pick (r² favours low indexes: heavy users).
    const account = index < accounts.length ? accounts[index] : accounts[Math.floor(random() * random() * accounts.length)];
    const credits = pick(random, consumeSizes, ([, weight]) => weight)[0];
    if (account.balance < credits || account.version === 0) {
      const offering = pick(random, offerings, (o) => o.weight);
      const session = `cs_bench_${(purchases++).toString(36)}`;
      const stripeEventId = `evt_bench_${session.slice(9)}`;
      const paidAt = new Date(occurredMs - 1500).toISOString();
      const data: CreditsPurchasedV1 = {
        lotId: `lot_${session}`,
        email: account.email,
        domain: offering.domain,
        offeringId: offering.offeringId,
        credits: offering.credits,
        amountMinor: offering.amountMinor,
        currency: offering.currency,
        stripeEventId,
        checkoutSessionId: session,
        paymentIntentId: `pi_bench_${session.slice(9)}`,
        scopeDomain: null,
        expiresAt: null,
        purchasedAt: paidAt,
      };
      account.version += 1;
      account.balance += offering.credits;
      account.open.push({ lotId: data.lotId, remaining: offering.credits });
      yield { eventId: randomUUID(), streamId: account.streamId, version: account.version, type: 'CreditsPurchased', data, metadata: { causationId: stripeEventId }, occurredAt };
      continue;
    }
    const draws: { lotId: string; credits: number }[] = [];
    let left = credits;
    while (left > 0) {
      const lot = account.open[0];
      const take = Math.min(lot.remaining, left);
      draws.push({ lotId: lot.lotId, credits: take });
      lot.remaining -= take;
      left -= take;
      if (lot.remaining === 0) account.open.shift();
    }
    account.balance -= credits;
    account.version += 1;
    const domain = consumeDomains[Math.floor(random() * consumeDomains.length)];
    const referenceId = `gen_${(consumptions++).toString(36)}`;
    const data: CreditsConsumedV1 = {
      email: account.email,
      domain,
      credits,
      actionType: actionTypes[Math.floor(random() * actionTypes.length)],
      referenceId,
      draws,
      balanceAfter: account.balance,
      consumedAt: occurredAt,
    };
    yield { eventId: randomUUID(), streamId: account.streamId, version: account.version, type: 'CreditsConsumed', data, metadata: { causationId: `${domain}/${referenceId}` }, occurredAt };
  }
}

/** Columns of `ledger_events` the COPY lines fill, in order (position and recorded_at take their defaults). */
export const ledgerEventCopyColumns = '(event_id, stream_id, version, type, schema_version, data, metadata, occurred_at)';

/** One event as a line of COPY text format for `ledgerEventCopyColumns`. */
export function eventCopyLine(event: GeneratedEvent): string {
  return `${event.eventId}\t${copyText(event.streamId)}\t${event.version}\t${event.type}\t1\t${copyText(JSON.stringify(event.data))}\t${copyText(
    JSON.stringify(event.metadata),
  )}\t${event.occurredAt}\n`;
}

/** The generated history as COPY chunks of about `linesPerChunk` lines each. */
export function* eventCopyChunks(options: GeneratorOptions, linesPerChunk = 5000): Generator<Buffer> {
  let lines: string[] = [];
  for (const event of generateLedgerEvents(options)) {
    lines.push(eventCopyLine(event));
    if (lines.length >= linesPerChunk) {
      yield Buffer.from(lines.join(''));
      lines = [];
    }
  }
  if (lines.length > 0) yield Buffer.from(lines.join(''));
}
