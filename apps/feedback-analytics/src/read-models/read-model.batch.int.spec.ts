import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { accountStreamId, LedgerEventSchemaVersions, LedgerEventType } from '@credit-hub/contracts';
import { ConsumedMessage } from '@credit-hub/messaging';
import { dataSourceOptions, dropDatabase, ensureDatabase } from '@credit-hub/service-kit';
import { uniqueDatabaseUrl } from '@credit-hub/testing';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { LedgerEventsConsumer } from '../ledger/ledger-events.consumer';
import { usageEventOf } from '../usage/usage.events';
import { analyticsMigrations } from '../migrations';
import { projectLedgerEvent } from '../usage/usage.projection';
import { LedgerReadModelConsumer } from './read-model.consumers';
import { ledgerEventId, projectLedger } from './read-model.projection';
import { readModelTables } from './read-model-tables';
import { forgetLots } from './read-model.writes';

// Real PostgreSQL: the live consumers' batches (one statement per table and batch) against the
// rebuild's one-event-at-a-time projection, on the same LEDGER history: the tables must be equal.

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Envelope = { eventId: string; type: LedgerEventType; data: Record<string, unknown> };

/**
 * A LEDGER history that exercises every rule of the fold: purchases and grants on three domains
 * and two currencies over three days, consumptions and captures (some of nothing) drawing on one
 * or two lots (some not yet purchased: no revenue), refunds of consumptions (some in the same
 * batch as the consumption), expiries, purchase refunds and their reverts (some twice), types the
 * read models ignore, and republished events (same event id).
 */
function history(seed: number, count: number): Envelope[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const domains = ['a.example.com', 'B.example.com', 'c.example.com'];
  const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
  const at = () => `${pick(days)}T${String(Math.floor(next() * 24)).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}:00.000Z`;
  const emails = ['ada@example.com', 'bob@example.com', 'cy@example.com', 'di@example.com'];
  const lots: string[] = [];
  const futureLots = Array.from({ length: 5 }, () => `lot-${randomUUID()}`); // drawn on before (some) are purchased
  let futurePurchased = 0;
  const consumptions: string[] = [];
  const refunds: { lotId: string; refundRequestId: string }[] = [];
  const events: Envelope[] = [];
  const add = (type: LedgerEventType, data: Record<string, unknown>) => events.push({ eventId: randomUUID(), type, data: { email: pick(emails), ...data } });
  const draws = () => {
    const lotIds = [pick(lots), ...(next() < 0.3 ? [pick(lots)] : []), ...(next() < 0.1 ? [pick(futureLots)] : [])];
    return [...new Set(lotIds)].map((lotId) => ({ lotId, credits: 1 + Math.floor(next() * 7) }));
  };
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (lots.length === 0 || roll < 0.08) {
      const lotId = lots.length > 20 && futurePurchased < 3 && next() < 0.2 ? futureLots[futurePurchased++]! : `lot-${randomUUID()}`;
      lots.push(lotId);
      const checkoutSessionId = `cs_${Math.floor(next() * 6)}`; // shared sessions: the earliest completion wins
      add('CreditsPurchased', { lotId, domain: pick(domains), credits: pick([3, 7, 100]), amountMinor: pick([0, 999, 1000, 2500]), currency: pick(['usd', 'EUR']), checkoutSessionId, purchasedAt: at() });
    } else if (roll < 0.12) {
      const lotId = `lot-${randomUUID()}`;
      lots.push(lotId);
      add('CreditsGranted', { lotId, domain: pick(domains), credits: 50, grantedAt: at() });
    } else if (roll < 0.6) {
      const taken = draws();
      const credits = taken.reduce((sum, draw) => sum + draw.credits, 0);
      add('CreditsConsumed', { domain: pick(domains), actionType: pick(['chat', 'image', 'voice']), credits, draws: taken, consumedAt: at() });
      consumptions.push(events[events.length - 1]!.eventId);
    } else if (roll < 0.68) {
      const taken = next() < 0.2 ? [] : draws();
      const credits = taken.reduce((sum, draw) => sum + draw.credits, 0);
      add('ReservationCaptured', { domain: pick(domains), actionType: 'batch', credits, draws: taken, capturedAt: at() });
    } else if (roll < 0.76 && consumptions.length > 0) {
      const consumptionEventId = next() < 0.9 ? pick(consumptions) : randomUUID(); // one never seen: action type ''
      add('ConsumptionRefunded', { domain: pick(domains), consumptionEventId, credits: 2, draws: draws(), refundedAt: at() });
    } else if (roll < 0.8) {
      add('CreditsExpired', { lotId: next() < 0.9 ? pick(lots) : `lot-${randomUUID()}`, credits: 3, expiredAt: at() });
    } else if (roll < 0.85) {
      const refund = { lotId: pick(lots), refundRequestId: `rr_${randomUUID()}` };
      refunds.push(refund);
      add('PurchaseRefunded', { ...refund, currency: 'USD', amountMinor: pick([0, 500, 999]), refundedAt: at() });
    } else if (roll < 0.9 && refunds.length > 0) {
      add('PurchaseRefundReverted', { ...pick(refunds) });
    } else if (roll < 0.94) {
      add('AccountFrozen', { reason: 'test' });
    } else if (events.length > 0) {
      events.push({ ...pick(events) }); // republished: same event id, a later message
    }
  }
  return events;
}

function message(event: Envelope, sequence: number): ConsumedMessage {
  const email = event.data['email'] as string;
  const body = {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: LedgerEventSchemaVersions[event.type],
    streamId: accountStreamId(email),
    version: sequence,
    position: sequence,
    occurredAt: '2026-03-01T00:00:00.000Z',
    data: event.data,
    metadata: {},
  };
  return { subject: `ledger.events.${event.type}`, body, messageId: `${event.eventId}:${sequence}`, streamSequence: sequence, redeliveryCount: 1, headers: {} };
}

/** Every row of every read-model table, sorted, as text. */
async function tables(db: DataSource): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const name of [...readModelTables.map((table) => table.name), 'usage_daily', 'purchases_daily']) {
    const rows: { row: string }[] = await db.query(`SELECT t::text AS row FROM ${name} t ORDER BY 1`);
    result[name] = rows.map((r) => r.row);
  }
  return result;
}

describe('read models: batched and one-by-one application give equal tables', () => {
  const urls = { oneByOne: uniqueDatabaseUrl('analytics_one'), batched: uniqueDatabaseUrl('analytics_batch') };
  const sources: DataSource[] = [];
  let oneByOne: DataSource;
  let batched: DataSource;

  const open = async (url: string) => {
    await ensureDatabase(url);
    const source = new DataSource(dataSourceOptions(url, analyticsMigrations, 4));
    await source.initialize();
    await source.runMigrations();
    sources.push(source);
    return source;
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error', 'warn']); // the usage consumer logs each ignored type at debug
    oneByOne = await open(urls.oneByOne);
    batched = await open(urls.batched);
  });

  afterAll(async () => {
    for (const source of sources) await source.destroy();
    for (const url of Object.values(urls)) await dropDatabase(url);
  });

  it('folds 1,500 events in batches of 1 to 100 into the rows of the one-event-at-a-time projection', async () => {
    const messages = history(20261207, 1500).map((event, index) => message(event, index + 1));
    // Reference: one event at a time, each id once (the rebuild's way), usage and read models.
    const seen = new Set<string>();
    for (const m of messages) {
      const eventId = ledgerEventId(m.body);
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      await oneByOne.transaction(async (manager) => {
        await projectLedger(manager, m.body);
        const parsed = usageEventOf(m.body);
        if (parsed.kind === 'known') await projectLedgerEvent(manager, parsed.event);
      });
    }
    forgetLots(); // the lots the reference read are not in the other database yet
    // The live consumers, on batches of random sizes (the consumer hands over what was delivered together).
    const nats = undefined as unknown as NatsConnection; // handleBatch does not use NATS
    const readModels = new LedgerReadModelConsumer(nats, batched, undefined as never);
    const usage = new LedgerEventsConsumer(nats, batched, undefined as never);
    const sizes = random(7);
    for (let start = 0; start < messages.length; ) {
      const size = 1 + Math.floor(sizes() * 100);
      const batch = messages.slice(start, start + size);
      await readModels.handleBatch(batch);
      await usage.handleBatch(batch);
      start += size;
    }
    // Redelivered messages (already claimed) change nothing.
    await readModels.handleBatch(messages.slice(0, 80));
    await usage.handleBatch(messages.slice(0, 80));

    const expected = await tables(oneByOne);
    expect(expected['rm_credits_daily']!.length).toBeGreaterThan(20);
    expect(expected['rm_revenue_daily']!.length).toBeGreaterThan(5);
    expect(expected['usage_daily']!.length).toBeGreaterThan(10);
    expect(expected['purchases_daily']!.length).toBeGreaterThan(3);
    expect(await tables(batched)).toEqual(expected);
  });

  it('writes nothing of a batch that holds a malformed message (the consumer then handles each alone)', async () => {
    const good = message({ eventId: randomUUID(), type: 'CreditsConsumed', data: { email: 'eve@example.com', domain: 'a.example.com', actionType: 'chat', credits: 1, draws: [], consumedAt: '2026-03-04T00:00:00.000Z' } }, 1);
    const bad = message({ eventId: randomUUID(), type: 'CreditsConsumed', data: { email: 'eve@example.com', domain: '', actionType: 'chat', credits: 1, draws: [], consumedAt: '2026-03-04T00:00:00.000Z' } }, 2);
    const readModels = new LedgerReadModelConsumer(undefined as unknown as NatsConnection, batched, undefined as never);
    const before = await tables(batched);
    await expect(readModels.handleBatch([good, bad])).rejects.toThrow(/domain must be/);
    expect(await tables(batched)).toEqual(before);
    const claimed: unknown[] = await batched.query(`SELECT 1 FROM inbox WHERE message_id = $1`, [good.body && (good.body as { eventId: string }).eventId]);
    expect(claimed).toHaveLength(0);
  });
});
