import { LRUCache } from 'lru-cache';
import { Queryable } from '@credit-hub/messaging';
import { sortedValues } from '../usage/usage.projection';

/**
 * The writes of the LEDGER fold into the read models (read-model-tables.ts), in two forms with the
 * same result: `directWrites` runs one statement per call (one event at a time: the rebuild, and
 * every event that must read what came before it), `BatchedWrites` sums a batch's writes in memory
 * per key and writes one statement per table at `flush` (the live consumer's batches). Every write
 * here commutes with the others of its table (sums, inserts that keep the first row, LEAST), so
 * summing before writing gives the rows of writing each in turn.
 */

/** A lot as the read models know it: seller domain, kind, initial credits and price (minor units, lower-case currency; 0 and '' when granted). */
export interface Lot {
  domain: string;
  kind: 'purchased' | 'granted';
  credits: number;
  amountMinor: number;
  currency: string;
}

export type MoneyColumn = 'recognised_minor' | 'reversed_minor' | 'refunded_minor';

/** Where the fold writes. Days are UTC `YYYY-MM-DD`, times ISO-8601, credits and money integers. */
export interface ReadModelWrites {
  /** Remembers a lot (the first write of a lot id wins: lots are facts). */
  insertLot(lotId: string, lot: Lot): Promise<void>;
  /** The lot as written before this call, or null when it was never seen. */
  findLot(lotId: string): Promise<Lot | null>;
  addCredits(domain: string, day: string, kind: string, actionType: string, credits: number): Promise<void>;
  addActivity(email: string, domain: string, day: string): Promise<void>;
  addMoney(domain: string, day: string, currency: string, column: MoneyColumn, amountMinor: number): Promise<void>;
  /** Remembers a consumption's action type (first write wins), for the refund of it. */
  recordConsumption(eventId: string, domain: string, actionType: string): Promise<void>;
  /** A checkout completed: the earliest completion time is kept; the domain of the row's first write stays. */
  checkoutCompleted(checkoutSessionId: string, domain: string, completedAt: string): Promise<void>;
}

/** Rows of a query, whether the Queryable answers rows (TypeORM) or a result with `rows` (pg). */
export async function queryRows<R>(db: Queryable, sql: string, parameters: unknown[]): Promise<R[]> {
  const result = (await db.query(sql, parameters)) as unknown;
  if (Array.isArray(result)) {
    // TypeORM answers [rows, count] for UPDATE … RETURNING.
    return (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as R[];
  }
  return ((result as { rows?: unknown[] }).rows ?? []) as R[];
}

/**
 * Lots are facts: a lot id is inserted once (ON CONFLICT DO NOTHING) from the event that created
 * it and never changed, so a lot once read is kept in memory (bounded, least recently used out
 * first; misses are not kept).
 */
const lotCacheSizeMax = 100_000;
const lotCache = new LRUCache<string, Lot>({ max: lotCacheSizeMax });

/**
 * Forgets the lots read so far: for a process that folds into another database (or schema) whose
 * `rm_lots` does not hold them yet, e.g. a test that applies one history to two databases.
 */
export function forgetLots(): void {
  lotCache.clear();
}

function cacheLot(lotId: string, lot: Lot): void {
  lotCache.set(lotId, lot);
}

type LotRow = { lot_id: string; domain: string; kind: Lot['kind']; credits: string; amount_minor: string; currency: string };
const lotOf = (row: LotRow): Lot => ({ domain: row.domain, kind: row.kind, credits: Number(row.credits), amountMinor: Number(row.amount_minor), currency: row.currency });

/** The lot from the cache, else from `rm_lots` (then cached). */
export async function findLot(db: Queryable, lotId: string): Promise<Lot | null> {
  const cached = lotCache.get(lotId);
  if (cached) return cached;
  const [row] = await queryRows<LotRow>(db, `SELECT lot_id, domain, kind, credits::text, amount_minor::text, currency FROM rm_lots WHERE lot_id = $1`, [lotId]);
  if (!row) return null;
  const lot = lotOf(row);
  cacheLot(lotId, lot);
  return lot;
}

/** The VALUES of (recognised_minor, reversed_minor, refunded_minor) for a new row that adds $4 to one column. */
const moneyValues: Record<MoneyColumn, string> = {
  recognised_minor: '$4::bigint, 0, 0',
  reversed_minor: '0, $4::bigint, 0',
  refunded_minor: '0, 0, $4::bigint',
};

/** One statement per write, at once. */
export function directWrites(db: Queryable): ReadModelWrites {
  return {
    insertLot: async (lotId, lot) => {
      await db.query(`INSERT INTO rm_lots (lot_id, domain, kind, credits, amount_minor, currency) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, [
        lotId,
        lot.domain,
        lot.kind,
        lot.credits,
        lot.amountMinor,
        lot.currency,
      ]);
    },
    findLot: (lotId) => findLot(db, lotId),
    addCredits: async (domain, day, kind, actionType, credits) => {
      await db.query(
        `INSERT INTO rm_credits_daily AS d (domain, day, kind, action_type, credits, events) VALUES ($1, $2::date, $3, $4, $5, 1)
         ON CONFLICT (domain, day, kind, action_type) DO UPDATE SET credits = d.credits + EXCLUDED.credits, events = d.events + 1`,
        [domain, day, kind, actionType, credits],
      );
    },
    addActivity: async (email, domain, day) => {
      await db.query(`INSERT INTO rm_activity (email, domain, day) VALUES ($1, $2, $3::date) ON CONFLICT DO NOTHING`, [email, domain, day]);
    },
    addMoney: async (domain, day, currency, column, amountMinor) => {
      // `column` is one of three fixed names (MoneyColumn), never input: one upsert adds to it.
      await db.query(
        `INSERT INTO rm_revenue_daily AS r (domain, day, currency, recognised_minor, reversed_minor, refunded_minor)
         VALUES ($1, $2::date, $3, ${moneyValues[column]}) ON CONFLICT (domain, day, currency) DO UPDATE SET ${column} = r.${column} + $4`,
        [domain, day, currency, amountMinor],
      );
    },
    recordConsumption: async (eventId, domain, actionType) => {
      await db.query(`INSERT INTO rm_consumptions (event_id, domain, action_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [eventId, domain, actionType]);
    },
    checkoutCompleted: async (checkoutSessionId, domain, completedAt) => {
      await db.query(
        `INSERT INTO rm_checkouts AS c (checkout_session_id, domain, completed_at) VALUES ($1, $2, $3)
         ON CONFLICT (checkout_session_id) DO UPDATE SET completed_at = LEAST(COALESCE(c.completed_at, EXCLUDED.completed_at), EXCLUDED.completed_at)`,
        [checkoutSessionId, domain, completedAt],
      );
    },
  };
}

/**
 * A batch's writes summed in memory per key (credits per domain/day/kind/action type, money per
 * domain/day/currency, each activity day, lot, consumption and checkout once), written by `flush`
 * with one statement per table that changed, each key once, in key order (so transactions that
 * write the same rows lock them in the same order). Lot lookups answer what the direct writes
 * would: the row stored before the batch (read for the whole batch at once by `prefetchLots`),
 * else the first lot of that id written earlier in the batch.
 */
export class BatchedWrites implements ReadModelWrites {
  /** Lots read before the batch by `prefetchLots` (null: none stored). */
  private readonly lotsStored = new Map<string, Lot | null>();
  /** Lots written during the batch (first of each id), flushed or not. */
  private readonly lotsWritten = new Map<string, Lot>();
  private lots = new Map<string, Lot & { lotId: string }>();
  private credits = new Map<string, { domain: string; day: string; kind: string; actionType: string; credits: number; events: number }>();
  private activity = new Map<string, { email: string; domain: string; day: string }>();
  private money = new Map<string, { domain: string; day: string; currency: string } & Record<MoneyColumn, number>>();
  private consumptions = new Map<string, { eventId: string; domain: string; actionType: string }>();
  private checkouts = new Map<string, { checkoutSessionId: string; domain: string; completedAt: string }>();

  constructor(private readonly db: Queryable) {}

  /** Reads, in one query, the stored lots among `lotIds` that the cache does not hold. */
  async prefetchLots(lotIds: Iterable<string>): Promise<void> {
    const wanted = [...new Set(lotIds)].filter((id) => !lotCache.has(id) && !this.lotsStored.has(id));
    if (wanted.length === 0) return;
    const rows = await queryRows<LotRow>(
      this.db,
      `SELECT lot_id, domain, kind, credits::text, amount_minor::text, currency FROM rm_lots WHERE lot_id = ANY($1::text[])`,
      [wanted],
    );
    for (const id of wanted) this.lotsStored.set(id, null);
    for (const row of rows) {
      const lot = lotOf(row);
      this.lotsStored.set(row.lot_id, lot);
      cacheLot(row.lot_id, lot);
    }
  }

  async insertLot(lotId: string, lot: Lot): Promise<void> {
    if (this.lotsWritten.has(lotId)) return;
    this.lotsWritten.set(lotId, lot);
    this.lots.set(lotId, { lotId, ...lot });
  }

  async findLot(lotId: string): Promise<Lot | null> {
    const known = lotCache.get(lotId) ?? this.lotsStored.get(lotId);
    if (known) return known;
    if (this.lotsStored.has(lotId)) return this.lotsWritten.get(lotId) ?? null; // none stored before the batch
    // Not prefetched: the table answers once this batch's writes are in it.
    await this.flush();
    return findLot(this.db, lotId);
  }

  async addCredits(domain: string, day: string, kind: string, actionType: string, credits: number): Promise<void> {
    const key = `${domain}\u0000${day}\u0000${kind}\u0000${actionType}`;
    const sum = this.credits.get(key) ?? this.credits.set(key, { domain, day, kind, actionType, credits: 0, events: 0 }).get(key)!;
    sum.credits += credits;
    sum.events += 1;
  }

  async addActivity(email: string, domain: string, day: string): Promise<void> {
    const key = `${email}\u0000${domain}\u0000${day}`;
    if (!this.activity.has(key)) this.activity.set(key, { email, domain, day });
  }

  async addMoney(domain: string, day: string, currency: string, column: MoneyColumn, amountMinor: number): Promise<void> {
    const key = `${domain}\u0000${day}\u0000${currency}`;
    const sum = this.money.get(key) ?? this.money.set(key, { domain, day, currency, recognised_minor: 0, reversed_minor: 0, refunded_minor: 0 }).get(key)!;
    sum[column] += amountMinor;
  }

  async recordConsumption(eventId: string, domain: string, actionType: string): Promise<void> {
    if (!this.consumptions.has(eventId)) this.consumptions.set(eventId, { eventId, domain, actionType });
  }

  async checkoutCompleted(checkoutSessionId: string, domain: string, completedAt: string): Promise<void> {
    const earlier = this.checkouts.get(checkoutSessionId);
    if (!earlier) this.checkouts.set(checkoutSessionId, { checkoutSessionId, domain, completedAt });
    else if (Date.parse(completedAt) < Date.parse(earlier.completedAt)) earlier.completedAt = completedAt;
  }

  /** Writes what was summed since the last flush, one statement per table that changed. */
  async flush(): Promise<void> {
    const { lots, credits, activity, money, consumptions, checkouts } = this;
    this.lots = new Map();
    this.credits = new Map();
    this.activity = new Map();
    this.money = new Map();
    this.consumptions = new Map();
    this.checkouts = new Map();
    const db = this.db;
    if (lots.size > 0) {
      const rows = sortedValues(lots);
      await db.query(
        `INSERT INTO rm_lots (lot_id, domain, kind, credits, amount_minor, currency)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) ON CONFLICT DO NOTHING`,
        [rows.map((r) => r.lotId), rows.map((r) => r.domain), rows.map((r) => r.kind), rows.map((r) => r.credits), rows.map((r) => r.amountMinor), rows.map((r) => r.currency)],
      );
    }
    if (credits.size > 0) {
      const rows = sortedValues(credits);
      await db.query(
        `INSERT INTO rm_credits_daily AS d (domain, day, kind, action_type, credits, events)
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
         ON CONFLICT (domain, day, kind, action_type) DO UPDATE SET credits = d.credits + EXCLUDED.credits, events = d.events + EXCLUDED.events`,
        [rows.map((r) => r.domain), rows.map((r) => r.day), rows.map((r) => r.kind), rows.map((r) => r.actionType), rows.map((r) => r.credits), rows.map((r) => r.events)],
      );
    }
    if (consumptions.size > 0) {
      const rows = sortedValues(consumptions);
      await db.query(
        `INSERT INTO rm_consumptions (event_id, domain, action_type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        [rows.map((r) => r.eventId), rows.map((r) => r.domain), rows.map((r) => r.actionType)],
      );
    }
    if (activity.size > 0) {
      const rows = sortedValues(activity);
      await db.query(`INSERT INTO rm_activity (email, domain, day) SELECT * FROM unnest($1::text[], $2::text[], $3::date[]) ON CONFLICT DO NOTHING`, [
        rows.map((r) => r.email),
        rows.map((r) => r.domain),
        rows.map((r) => r.day),
      ]);
    }
    if (money.size > 0) {
      const rows = sortedValues(money);
      await db.query(
        `INSERT INTO rm_revenue_daily AS r (domain, day, currency, recognised_minor, reversed_minor, refunded_minor)
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
         ON CONFLICT (domain, day, currency) DO UPDATE SET recognised_minor = r.recognised_minor + EXCLUDED.recognised_minor,
           reversed_minor = r.reversed_minor + EXCLUDED.reversed_minor, refunded_minor = r.refunded_minor + EXCLUDED.refunded_minor`,
        [
          rows.map((r) => r.domain),
          rows.map((r) => r.day),
          rows.map((r) => r.currency),
          rows.map((r) => r.recognised_minor),
          rows.map((r) => r.reversed_minor),
          rows.map((r) => r.refunded_minor),
        ],
      );
    }
    if (checkouts.size > 0) {
      const rows = sortedValues(checkouts);
      await db.query(
        `INSERT INTO rm_checkouts AS c (checkout_session_id, domain, completed_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
         ON CONFLICT (checkout_session_id) DO UPDATE SET completed_at = LEAST(COALESCE(c.completed_at, EXCLUDED.completed_at), EXCLUDED.completed_at)`,
        [rows.map((r) => r.checkoutSessionId), rows.map((r) => r.domain), rows.map((r) => r.completedAt)],
      );
    }
  }
}
