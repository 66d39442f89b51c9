import { normalizeDomain } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { KnownLedgerEvent, utcDay } from './usage.events';

/**
 * Folds ledger events into the daily read models `usage_daily` (per domain, UTC day of
 * consumedAt, action type: credits and consumptions) and `purchases_daily` (per domain, UTC day
 * of purchasedAt, currency: credits, purchases and money in minor units). Additive upserts, so
 * each event must be applied exactly once: the caller claims the event ids in the inbox in the
 * same transaction.
 */

/** Folds one ledger event (a batch of one: see `projectLedgerEvents`). */
export async function projectLedgerEvent(db: Queryable, event: KnownLedgerEvent): Promise<void> {
  await projectLedgerEvents(db, [event]);
}

interface UsageDelta {
  domain: string;
  day: string;
  actionType: string;
  credits: number;
  consumptions: number;
}

interface PurchasesDelta {
  domain: string;
  day: string;
  currency: string;
  credits: number;
  purchases: number;
  amountMinor: number;
}

/**
 * Folds a batch of ledger events: the sums are taken in memory per key, then written with one
 * upsert per table (each key once, in key order so concurrent writers lock rows in the same
 * order). Sums commute, so the rows equal those of applying the events one by one. Credits and
 * minor units are integers; a day's total stays far below 2^53.
 */
export async function projectLedgerEvents(db: Queryable, events: readonly KnownLedgerEvent[]): Promise<void> {
  const usage = new Map<string, UsageDelta>();
  const purchases = new Map<string, PurchasesDelta>();
  for (const event of events) {
    switch (event.type) {
      case 'CreditsConsumed': {
        const [domain, day, actionType] = [normalizeDomain(event.data.domain), utcDay(event.data.consumedAt), event.data.actionType];
        const key = `${domain}\u0000${day}\u0000${actionType}`;
        const delta = usage.get(key) ?? usage.set(key, { domain, day, actionType, credits: 0, consumptions: 0 }).get(key)!;
        delta.credits += event.data.credits;
        delta.consumptions += 1;
        break;
      }
      case 'CreditsPurchased': {
        const [domain, day, currency] = [normalizeDomain(event.data.domain), utcDay(event.data.purchasedAt), event.data.currency.toLowerCase()];
        const key = `${domain}\u0000${day}\u0000${currency}`;
        const delta = purchases.get(key) ?? purchases.set(key, { domain, day, currency, credits: 0, purchases: 0, amountMinor: 0 }).get(key)!;
        delta.credits += event.data.credits;
        delta.purchases += 1;
        delta.amountMinor += event.data.amountMinor;
        break;
      }
      default: {
        const unreachable: never = event;
        throw new Error(`unhandled ledger event ${JSON.stringify(unreachable)}`);
      }
    }
  }
  if (usage.size > 0) {
    const rows = sortedValues(usage);
    await db.query(
      `INSERT INTO usage_daily AS u (domain, day, action_type, credits_consumed, consumptions)
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[])
       ON CONFLICT (domain, day, action_type) DO UPDATE
         SET credits_consumed = u.credits_consumed + EXCLUDED.credits_consumed,
             consumptions = u.consumptions + EXCLUDED.consumptions`,
      [rows.map((r) => r.domain), rows.map((r) => r.day), rows.map((r) => r.actionType), rows.map((r) => r.credits), rows.map((r) => r.consumptions)],
    );
  }
  if (purchases.size > 0) {
    const rows = sortedValues(purchases);
    await db.query(
      `INSERT INTO purchases_daily AS p (domain, day, currency, credits_purchased, purchases, amount_minor)
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
       ON CONFLICT (domain, day, currency) DO UPDATE
         SET credits_purchased = p.credits_purchased + EXCLUDED.credits_purchased,
             purchases = p.purchases + EXCLUDED.purchases,
             amount_minor = p.amount_minor + EXCLUDED.amount_minor`,
      [rows.map((r) => r.domain), rows.map((r) => r.day), rows.map((r) => r.currency), rows.map((r) => r.credits), rows.map((r) => r.purchases), rows.map((r) => r.amountMinor)],
    );
  }
}

/** The values of a map in the order of their keys. */
export function sortedValues<V>(map: Map<string, V>): V[] {
  return [...map.keys()].sort().map((key) => map.get(key)!);
}
