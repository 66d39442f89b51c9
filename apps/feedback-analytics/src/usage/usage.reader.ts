import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Reply, replyOk, replyRefused, UsageQuery, UsageRow, UsageView } from '@credit-hub/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { domainLabel, queryDomains } from '../read-models/read-model.reader';

/** Most rows one Usage answer carries; a wider range is refused (narrow `from`/`to`) rather than cut. */
export const usageRowsMax = 10_000;

/**
 * Answers the Usage query from the daily read models: one row per UTC day, domain and action type
 * of the domain (or the builder's domains) within `[from, to]` (inclusive, either side optional), ordered by day then actionType
 * (byte order), and totals over the same range (purchases summed over currencies). Both reads
 * come from one snapshot, so rows and totals agree.
 */
@Injectable()
export class UsageReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async usage(query: UsageQuery): Promise<Reply<UsageView>> {
    const range = checkRange(query);
    if (!range.ok) return range;
    const domains = queryDomains(query);
    if (domains.length === 0) return replyRefused<UsageView>('validation_failed', 'name a domain or domains', 'domain');
    const parameters = [domains, query.from ?? null, query.to ?? null];
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const rows = await readRows(manager, parameters);
      if (rows.length > usageRowsMax) {
        return replyRefused<UsageView>('validation_failed', `more than ${usageRowsMax} rows; narrow from/to`, 'from');
      }
      const purchased = await readPurchases(manager, parameters);
      const totals = {
        creditsConsumed: rows.reduce((sum, row) => sum + row.creditsConsumed, 0),
        consumptions: rows.reduce((sum, row) => sum + row.consumptions, 0),
        ...purchased,
      };
      return replyOk({ domain: domainLabel(domains), domains, rows, totals });
    });
  }
}

/** Refuses a date that does not exist (2025-02-30) or a range that ends before it starts. */
function checkRange(query: UsageQuery): Reply<never> | { ok: true } {
  for (const field of ['from', 'to'] as const) {
    const day = query[field];
    if (day !== undefined && !isCalendarDay(day)) return replyRefused('validation_failed', `${field} is not a calendar date`, field);
  }
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    return replyRefused('validation_failed', 'from must not be after to', 'from');
  }
  return { ok: true };
}

function isCalendarDay(day: string): boolean {
  const time = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === day;
}

const rangeFilter = `domain = ANY($1::text[]) AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)`;

async function readRows(manager: EntityManager, parameters: unknown[]): Promise<UsageRow[]> {
  const rows: { domain: string; day: string; action_type: string; credits_consumed: string; consumptions: string }[] = await manager.query(
    `SELECT domain, to_char(day, 'YYYY-MM-DD') AS day, action_type, credits_consumed::text, consumptions::text
       FROM usage_daily WHERE ${rangeFilter}
      ORDER BY day, domain COLLATE "C", action_type COLLATE "C" LIMIT ${usageRowsMax + 1}`,
    parameters,
  );
  return rows.map((row) => ({
    domain: row.domain,
    day: row.day,
    actionType: row.action_type,
    creditsConsumed: safeInteger(row.credits_consumed),
    consumptions: safeInteger(row.consumptions),
  }));
}

async function readPurchases(manager: EntityManager, parameters: unknown[]): Promise<{ creditsPurchased: number; purchases: number }> {
  const [row]: { credits_purchased: string; purchases: string }[] = await manager.query(
    `SELECT COALESCE(sum(credits_purchased), 0)::text AS credits_purchased, COALESCE(sum(purchases), 0)::text AS purchases
       FROM purchases_daily WHERE ${rangeFilter}`,
    parameters,
  );
  return { creditsPurchased: safeInteger(row.credits_purchased), purchases: safeInteger(row.purchases) };
}

/** bigint columns arrive as text; the contract carries numbers, so refuse to lose precision silently. */
function safeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${text} does not fit in a JSON number exactly`);
  return value;
}
