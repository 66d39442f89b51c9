import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AnalyticsRangeQuery,
  AnalyticsSummaryView,
  ConversionView,
  CreditMovementKind,
  CreditMovementKinds,
  CreditsView,
  FeedbackQuery,
  FeedbackView,
  normalizeDomain,
  RefundsAnalyticsView,
  Reply,
  replyOk,
  replyRefused,
  RevenueView,
} from '@credit-hub/contracts';
import { DataSource, EntityManager } from 'typeorm';

/** Most rows one answer carries; a wider range is refused (narrow from/to) rather than cut. */
export const readModelRowsMax = 10_000;
/** Feedback items per answer (newest first) and "would bring you back" answers listed. */
export const feedbackItemsMax = 100;
export const wouldBringBackTop = 10;
/** A refunded customer "came back" when they consumed or bought on the domain within this many days after the refund's day. */
export const cameBackDays = 30;

type Range = [domain: string, from: string | null, to: string | null];
const inRange = (column: string) => `domain = $1 AND ($2::date IS NULL OR ${column} >= $2::date) AND ($3::date IS NULL OR ${column} < $3::date + 1)`;

/** Answers the read-model queries, each from one REPEATABLE READ snapshot. */
@Injectable()
export class ReadModelReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  credits(query: AnalyticsRangeQuery): Promise<Reply<CreditsView>> {
    return this.read(query, async (m, range) => {
      const rows = await creditRows(m, range);
      if (rows.length > readModelRowsMax) return tooMany();
      return replyOk({ domain: range[0], rows, totals: creditTotals(rows) });
    });
  }

  revenue(query: AnalyticsRangeQuery): Promise<Reply<RevenueView>> {
    return this.read(query, async (m, range) => {
      const rows = await revenueRows(m, range);
      if (rows.length > readModelRowsMax) return tooMany();
      return replyOk({ domain: range[0], rows, totals: revenueTotals(rows) });
    });
  }

  conversion(query: AnalyticsRangeQuery): Promise<Reply<ConversionView>> {
    return this.read(query, async (m, range) => replyOk({ domain: range[0], ...(await conversion(m, range)) }));
  }

  refunds(query: AnalyticsRangeQuery): Promise<Reply<RefundsAnalyticsView>> {
    return this.read(query, async (m, range) => replyOk(await refunds(m, range)));
  }

  feedback(query: FeedbackQuery): Promise<Reply<FeedbackView>> {
    return this.read(query, async (m, range) => {
      const q = (query.q ?? '').trim();
      const rows: FeedbackRow[] = await m.query(
        `SELECT refund_request_id, email, kind, status, category, rating, tried, did_not_work, would_bring_back, created_at
           FROM rm_refunds
          WHERE ${inRange('created_at')}
            AND ($4 = '' OR to_tsvector('simple', tried || ' ' || did_not_work || ' ' || would_bring_back) @@ plainto_tsquery('simple', $4)
                 OR (tried || ' ' || did_not_work || ' ' || would_bring_back) ILIKE '%' || replace(replace(replace($4, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')
          ORDER BY created_at DESC, refund_request_id LIMIT ${feedbackItemsMax}`,
        [...range, q],
      );
      return replyOk({
        domain: range[0],
        items: rows.map((row) => ({
          refundRequestId: row.refund_request_id,
          email: row.email,
          kind: row.kind,
          status: row.status,
          category: row.category,
          rating: row.rating,
          tried: row.tried,
          didNotWork: row.did_not_work,
          wouldBringBack: row.would_bring_back,
          createdAt: new Date(row.created_at).toISOString(),
        })),
      });
    });
  }

  summary(query: AnalyticsRangeQuery): Promise<Reply<AnalyticsSummaryView>> {
    return this.read(query, async (m, range) => {
      const credits = creditTotals(await creditRows(m, range));
      const revenue = revenueTotals(await revenueRows(m, range));
      const funnel = await conversion(m, range);
      const r = await refunds(m, range);
      return replyOk({
        domain: range[0],
        credits,
        revenue,
        conversion: funnel,
        refunds: { count: r.byCategory.reduce((sum, c) => sum + c.count, 0), rate: r.rate, disputes: r.disputes.opened, paymentFailures: r.paymentFailures },
      });
    });
  }

  private async read<T>(query: AnalyticsRangeQuery, body: (manager: EntityManager, range: Range) => Promise<Reply<T>>): Promise<Reply<T>> {
    const checked = checkRange(query);
    if (!checked.ok) return checked;
    const range: Range = [normalizeDomain(query.domain), query.from ?? null, query.to ?? null];
    return this.dataSource.transaction('REPEATABLE READ', (manager) => body(manager, range));
  }
}

interface FeedbackRow {
  refund_request_id: string;
  email: string;
  kind: string;
  status: string;
  category: string;
  rating: number | null;
  tried: string;
  did_not_work: string;
  would_bring_back: string;
  created_at: string | Date;
}

function tooMany<T>(): Reply<T> {
  return replyRefused<T>('validation_failed', `more than ${readModelRowsMax} rows; narrow from/to`, 'from');
}

async function creditRows(m: EntityManager, range: Range): Promise<CreditsView['rows']> {
  const rows: { day: string; kind: CreditMovementKind; action_type: string; credits: string; events: string }[] = await m.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, action_type, credits::text, events::text FROM rm_credits_daily
      WHERE ${inRange('day')} ORDER BY day, kind, action_type COLLATE "C" LIMIT ${readModelRowsMax + 1}`,
    range,
  );
  return rows.map((r) => ({ day: r.day, kind: r.kind, actionType: r.action_type === '' ? null : r.action_type, credits: int(r.credits), events: int(r.events) }));
}

function creditTotals(rows: CreditsView['rows']): Record<CreditMovementKind, number> {
  const totals = Object.fromEntries(CreditMovementKinds.map((k) => [k, 0])) as Record<CreditMovementKind, number>;
  for (const row of rows) totals[row.kind] += row.credits;
  return totals;
}

async function revenueRows(m: EntityManager, range: Range): Promise<RevenueView['rows']> {
  const rows: { day: string; currency: string; recognised_minor: string; reversed_minor: string; refunded_minor: string }[] = await m.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, currency, recognised_minor::text, reversed_minor::text, refunded_minor::text FROM rm_revenue_daily
      WHERE ${inRange('day')} ORDER BY day, currency LIMIT ${readModelRowsMax + 1}`,
    range,
  );
  return rows.map((r) => {
    const [recognisedMinor, reversedMinor, refundedMinor] = [int(r.recognised_minor), int(r.reversed_minor), int(r.refunded_minor)];
    return { day: r.day, currency: r.currency, recognisedMinor, reversedMinor, refundedMinor, netMinor: recognisedMinor - reversedMinor - refundedMinor };
  });
}

function revenueTotals(rows: RevenueView['rows']): RevenueView['totals'] {
  const totals = new Map<string, RevenueView['totals'][number]>();
  for (const row of rows) {
    const t = totals.get(row.currency) ?? { currency: row.currency, recognisedMinor: 0, reversedMinor: 0, refundedMinor: 0, netMinor: 0 };
    t.recognisedMinor += row.recognisedMinor;
    t.reversedMinor += row.reversedMinor;
    t.refundedMinor += row.refundedMinor;
    t.netMinor += row.netMinor;
    totals.set(row.currency, t);
  }
  return [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

async function conversion(m: EntityManager, range: Range): Promise<Omit<ConversionView, 'domain'>> {
  const [checkout]: { created: string; completed: string }[] = await m.query(
    `SELECT count(*) FILTER (WHERE created_at IS NOT NULL AND ${inRange('created_at')})::text AS created,
            count(*) FILTER (WHERE completed_at IS NOT NULL AND ${inRange('completed_at')})::text AS completed
       FROM rm_checkouts WHERE domain = $1`,
    range,
  );
  const [trials]: { started: string; converted: string }[] = await m.query(
    `SELECT count(*)::text AS started, count(converted_at)::text AS converted FROM rm_trials WHERE trial_started_at IS NOT NULL AND ${inRange('trial_started_at')}`,
    range,
  );
  // A refunded customer (completed refund created in range) came back when active on the domain in (refund day, refund day + 30].
  const [back]: { customers: string; came_back: string }[] = await m.query(
    `WITH refunded AS (
       SELECT email, min(created_at)::date AS day FROM rm_refunds WHERE status = 'completed' AND ${inRange('created_at')} GROUP BY email)
     SELECT count(*)::text AS customers,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM rm_activity a WHERE a.domain = $1 AND a.email = refunded.email
                                            AND a.day > refunded.day AND a.day <= refunded.day + ${cameBackDays}))::text AS came_back
       FROM refunded`,
    range,
  );
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  const [created, completed, started, converted, customers, cameBack] = [checkout.created, checkout.completed, trials.started, trials.converted, back.customers, back.came_back].map(int);
  return {
    // Billing does not publish checkout-created yet: until it does, created is 0 and the rate null.
    checkout: { created, completed, rate: ratio(completed, created) },
    trials: { started, converted, rate: ratio(converted, started) },
    refunds: { customers, cameBack, rate: ratio(cameBack, customers) },
  };
}

async function refunds(m: EntityManager, range: Range): Promise<RefundsAnalyticsView> {
  const [credits]: { refunded: string; consumed: string }[] = await m.query(
    `SELECT COALESCE(sum(credits) FILTER (WHERE kind = 'refunded'), 0)::text AS refunded, COALESCE(sum(credits) FILTER (WHERE kind = 'consumed'), 0)::text AS consumed
       FROM rm_credits_daily WHERE ${inRange('day')}`,
    range,
  );
  const byCategory: { category: string; count: string }[] = await m.query(
    `SELECT category, count(*)::text AS count FROM rm_refunds WHERE ${inRange('created_at')} GROUP BY category ORDER BY count(*) DESC, category`,
    range,
  );
  const byDay: { day: string; count: string; credits: string }[] = await m.query(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::text AS count, sum(credits_refunded)::text AS credits
       FROM rm_refunds WHERE ${inRange('created_at')} GROUP BY 1 ORDER BY 1`,
    range,
  );
  // Normalised answer: lower case, punctuation dropped, whitespace collapsed.
  const back: { text: string; count: string }[] = await m.query(
    `SELECT t AS text, count(*)::text AS count FROM (
       SELECT btrim(regexp_replace(regexp_replace(lower(would_bring_back), '[^[:alnum:][:space:]]+', ' ', 'g'), '\\s+', ' ', 'g')) AS t
         FROM rm_refunds WHERE ${inRange('created_at')}) answers
      WHERE t <> '' GROUP BY t ORDER BY count(*) DESC, t LIMIT ${wouldBringBackTop}`,
    range,
  );
  const billing: { kind: string; events: string }[] = await m.query(
    `SELECT kind, sum(events)::text AS events FROM rm_billing_daily WHERE ${inRange('day')} GROUP BY kind`,
    range,
  );
  const billingCount = (kind: string) => int(billing.find((b) => b.kind === kind)?.events ?? '0');
  const [refunded, consumed] = [int(credits.refunded), int(credits.consumed)];
  return {
    domain: range[0],
    creditsRefunded: refunded,
    creditsConsumed: consumed,
    rate: consumed === 0 ? null : refunded / consumed,
    byCategory: byCategory.map((c) => ({ category: c.category, count: int(c.count) })),
    byDay: byDay.map((d) => ({ day: d.day, count: int(d.count), creditsRefunded: int(d.credits) })),
    wouldBringBack: back.map((b) => ({ text: b.text, count: int(b.count) })),
    disputes: { opened: billingCount('dispute_opened'), won: billingCount('dispute_won'), lost: billingCount('dispute_lost') },
    paymentFailures: billingCount('payment_failed'),
  };
}

/** Refuses a date that does not exist (2025-02-30) or a range that ends before it starts. */
function checkRange(query: AnalyticsRangeQuery): Reply<never> | { ok: true } {
  for (const field of ['from', 'to'] as const) {
    const day = query[field];
    if (day !== undefined) {
      const time = Date.parse(`${day}T00:00:00Z`);
      if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day) return replyRefused('validation_failed', `${field} is not a calendar date`, field);
    }
  }
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) return replyRefused('validation_failed', 'from must not be after to', 'from');
  return { ok: true };
}

/** bigint columns arrive as text; refuse to lose precision silently. */
function int(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${text} does not fit in a JSON number exactly`);
  return value;
}
