import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AnalyticsRangeQuery,
  AnalyticsSummaryView,
  ConversionFunnel,
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

/** The domains read (normalised, sorted, distinct), and the optional first and last UTC day. */
type Range = [domains: string[], from: string | null, to: string | null];
const inRange = (column: string) => `domain = ANY($1::text[]) AND ($2::date IS NULL OR ${column} >= $2::date) AND ($3::date IS NULL OR ${column} < $3::date + 1)`;

/** The `domain` field of an answer: the one domain read, or the domains joined with commas. */
export function domainLabel(domains: readonly string[]): string {
  return domains.join(',');
}

/** The distinct, normalised, sorted domains of a query (`domain` and/or `domains`). */
export function queryDomains(query: { domain?: string; domains?: string[] }): string[] {
  const all = [...(query.domains ?? []), ...(query.domain === undefined ? [] : [query.domain])].map((domain) => normalizeDomain(domain));
  return [...new Set(all)].sort();
}

/**
 * Answers the read-model queries, each from one REPEATABLE READ snapshot, for one domain or the
 * several domains of a builder key (`domains`): totals over all of them, rows and items tagged
 * with their domain, and `byDomain` breakdowns.
 */
@Injectable()
export class ReadModelReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  credits(query: AnalyticsRangeQuery): Promise<Reply<CreditsView>> {
    return this.read(query, async (m, range) => {
      const rows = await creditRows(m, range);
      if (rows.length > readModelRowsMax) return tooMany();
      const byDomain = range[0].map((domain) => ({ domain, totals: creditTotals(rows.filter((row) => row.domain === domain)) }));
      return replyOk({ ...label(range), rows, totals: creditTotals(rows), byDomain });
    });
  }

  revenue(query: AnalyticsRangeQuery): Promise<Reply<RevenueView>> {
    return this.read(query, async (m, range) => {
      const rows = await revenueRows(m, range);
      if (rows.length > readModelRowsMax) return tooMany();
      const byDomain = range[0].flatMap((domain) => revenueTotals(rows.filter((row) => row.domain === domain)).map((total) => ({ domain, ...total })));
      return replyOk({ ...label(range), rows, totals: revenueTotals(rows), byDomain });
    });
  }

  conversion(query: AnalyticsRangeQuery): Promise<Reply<ConversionView>> {
    return this.read(query, async (m, range) => {
      const overall = await conversion(m, range);
      const byDomain: ConversionView['byDomain'] = [];
      for (const domain of range[0]) byDomain.push({ domain, ...(range[0].length === 1 ? overall : await conversion(m, [[domain], range[1], range[2]])) });
      return replyOk({ ...label(range), ...overall, byDomain });
    });
  }

  refunds(query: AnalyticsRangeQuery): Promise<Reply<RefundsAnalyticsView>> {
    return this.read(query, async (m, range) => replyOk(await refunds(m, range)));
  }

  feedback(query: FeedbackQuery): Promise<Reply<FeedbackView>> {
    return this.read(query, async (m, range) => {
      const q = (query.q ?? '').trim();
      const rows: FeedbackRow[] = await m.query(
        `SELECT domain, refund_request_id, email, kind, status, category, rating, tried, did_not_work, would_bring_back, created_at
           FROM rm_refunds
          WHERE ${inRange('created_at')}
            AND ($4 = '' OR to_tsvector('simple', tried || ' ' || did_not_work || ' ' || would_bring_back) @@ plainto_tsquery('simple', $4)
                 OR (tried || ' ' || did_not_work || ' ' || would_bring_back) ILIKE '%' || replace(replace(replace($4, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')
          ORDER BY created_at DESC, refund_request_id LIMIT ${feedbackItemsMax}`,
        [...range, q],
      );
      return replyOk({
        ...label(range),
        items: rows.map((row) => ({
          domain: row.domain,
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
        ...label(range),
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
    const domains = queryDomains(query);
    if (domains.length === 0) return replyRefused('validation_failed', 'name a domain or domains', 'domain');
    const range: Range = [domains, query.from ?? null, query.to ?? null];
    return this.dataSource.transaction('REPEATABLE READ', (manager) => body(manager, range));
  }
}

function label(range: Range): { domain: string; domains: string[] } {
  return { domain: domainLabel(range[0]), domains: [...range[0]] };
}

interface FeedbackRow {
  domain: string;
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
  const rows: { domain: string; day: string; kind: CreditMovementKind; action_type: string; credits: string; events: string }[] = await m.query(
    `SELECT domain, to_char(day, 'YYYY-MM-DD') AS day, kind, action_type, credits::text, events::text FROM rm_credits_daily
      WHERE ${inRange('day')} ORDER BY day, domain COLLATE "C", kind, action_type COLLATE "C" LIMIT ${readModelRowsMax + 1}`,
    range,
  );
  return rows.map((r) => ({ domain: r.domain, day: r.day, kind: r.kind, actionType: r.action_type === '' ? null : r.action_type, credits: int(r.credits), events: int(r.events) }));
}

function creditTotals(rows: CreditsView['rows']): Record<CreditMovementKind, number> {
  const totals = Object.fromEntries(CreditMovementKinds.map((k) => [k, 0])) as Record<CreditMovementKind, number>;
  for (const row of rows) totals[row.kind] += row.credits;
  return totals;
}

async function revenueRows(m: EntityManager, range: Range): Promise<RevenueView['rows']> {
  const rows: { domain: string; day: string; currency: string; recognised_minor: string; reversed_minor: string; refunded_minor: string; gross_minor: string; platform_fee_minor: string }[] = await m.query(
    `SELECT domain, to_char(day, 'YYYY-MM-DD') AS day, currency, recognised_minor::text, reversed_minor::text, refunded_minor::text,
            gross_minor::text, platform_fee_minor::text FROM rm_revenue_daily
      WHERE ${inRange('day')} ORDER BY day, domain COLLATE "C", currency LIMIT ${readModelRowsMax + 1}`,
    range,
  );
  return rows.map((r) => {
    const [recognisedMinor, reversedMinor, refundedMinor] = [int(r.recognised_minor), int(r.reversed_minor), int(r.refunded_minor)];
    const [grossSalesMinor, platformFeeMinor] = [int(r.gross_minor), int(r.platform_fee_minor)];
    return {
      domain: r.domain, day: r.day, currency: r.currency, recognisedMinor, reversedMinor, refundedMinor, netMinor: recognisedMinor - reversedMinor - refundedMinor,
      grossSalesMinor, platformFeeMinor, netSalesMinor: grossSalesMinor - platformFeeMinor,
    };
  });
}

function revenueTotals(rows: RevenueView['rows']): RevenueView['totals'] {
  const totals = new Map<string, RevenueView['totals'][number]>();
  for (const row of rows) {
    const t = totals.get(row.currency) ?? {
      currency: row.currency, recognisedMinor: 0, reversedMinor: 0, refundedMinor: 0, netMinor: 0, grossSalesMinor: 0, platformFeeMinor: 0, netSalesMinor: 0,
    };
    t.recognisedMinor += row.recognisedMinor;
    t.reversedMinor += row.reversedMinor;
    t.refundedMinor += row.refundedMinor;
    t.netMinor += row.netMinor;
    t.grossSalesMinor += row.grossSalesMinor;
    t.platformFeeMinor += row.platformFeeMinor;
    t.netSalesMinor += row.netSalesMinor;
    totals.set(row.currency, t);
  }
  return [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

async function conversion(m: EntityManager, range: Range): Promise<ConversionFunnel> {
  const [checkout]: { created: string; completed: string }[] = await m.query(
    `SELECT count(*) FILTER (WHERE created_at IS NOT NULL AND ${inRange('created_at')})::text AS created,
            count(*) FILTER (WHERE completed_at IS NOT NULL AND ${inRange('completed_at')})::text AS completed
       FROM rm_checkouts WHERE domain = ANY($1::text[])`,
    range,
  );
  const [trials]: { started: string; converted: string }[] = await m.query(
    `SELECT count(*)::text AS started, count(converted_at)::text AS converted FROM rm_trials WHERE trial_started_at IS NOT NULL AND ${inRange('trial_started_at')}`,
    range,
  );
  // A refunded customer (completed refund created in range) came back when active on the same domain in (refund day, refund day + 30].
  const [back]: { customers: string; came_back: string }[] = await m.query(
    `WITH refunded AS (
       SELECT domain, email, min(created_at)::date AS day FROM rm_refunds WHERE status = 'completed' AND ${inRange('created_at')} GROUP BY domain, email)
     SELECT count(*)::text AS customers,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM rm_activity a WHERE a.domain = refunded.domain AND a.email = refunded.email
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
  const creditsByDomain: { domain: string; refunded: string; consumed: string }[] = await m.query(
    `SELECT domain, COALESCE(sum(credits) FILTER (WHERE kind = 'refunded'), 0)::text AS refunded, COALESCE(sum(credits) FILTER (WHERE kind = 'consumed'), 0)::text AS consumed
       FROM rm_credits_daily WHERE ${inRange('day')} GROUP BY domain`,
    range,
  );
  const byActionType: { action_type: string; credits: string; events: string }[] = await m.query(
    `SELECT action_type, sum(credits)::text AS credits, sum(events)::text AS events FROM rm_credits_daily
      WHERE kind = 'refunded' AND ${inRange('day')} GROUP BY action_type ORDER BY sum(credits) DESC, action_type COLLATE "C"`,
    range,
  );
  const refundsByDomain: { domain: string; count: string }[] = await m.query(
    `SELECT domain, count(*)::text AS count FROM rm_refunds WHERE ${inRange('created_at')} GROUP BY domain`,
    range,
  );
  const byCategory: { category: string; count: string }[] = await m.query(
    `SELECT category, count(*)::text AS count FROM rm_refunds WHERE ${inRange('created_at')} GROUP BY category ORDER BY count(*) DESC, category`,
    range,
  );
  // Refund requests per day (when the customer asked), and credits refunded per day with the one
  // definition the totals use: the ledger's ConsumptionRefunded credits (rm_credits_daily), so the
  // chart's days add up to `creditsRefunded`.
  const byDay: { day: string; count: string; credits: string }[] = await m.query(
    `SELECT day, sum(count)::text AS count, sum(credits)::text AS credits FROM (
       SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS count, 0::bigint AS credits
         FROM rm_refunds WHERE ${inRange('created_at')} GROUP BY 1
       UNION ALL
       SELECT to_char(day, 'YYYY-MM-DD') AS day, 0 AS count, sum(credits)::bigint AS credits
         FROM rm_credits_daily WHERE kind = 'refunded' AND ${inRange('day')} GROUP BY 1) per_day
      GROUP BY day ORDER BY day`,
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
  const billing: { domain: string; kind: string; events: string }[] = await m.query(
    `SELECT domain, kind, sum(events)::text AS events FROM rm_billing_daily WHERE ${inRange('day')} GROUP BY domain, kind`,
    range,
  );
  const billingCount = (kind: string, domain?: string) =>
    billing.filter((b) => b.kind === kind && (domain === undefined || b.domain === domain)).reduce((sum, b) => sum + int(b.events), 0);
  const creditsOf = (domain?: string) => {
    const rows = creditsByDomain.filter((c) => domain === undefined || c.domain === domain);
    return { refunded: rows.reduce((sum, c) => sum + int(c.refunded), 0), consumed: rows.reduce((sum, c) => sum + int(c.consumed), 0) };
  };
  const { refunded, consumed } = creditsOf();
  return {
    ...label(range),
    creditsRefunded: refunded,
    creditsConsumed: consumed,
    rate: consumed === 0 ? null : refunded / consumed,
    byCategory: byCategory.map((c) => ({ category: c.category, count: int(c.count) })),
    byDay: byDay.map((d) => ({ day: d.day, count: int(d.count), creditsRefunded: int(d.credits) })),
    wouldBringBack: back.map((b) => ({ text: b.text, count: int(b.count) })),
    disputes: { opened: billingCount('dispute_opened'), won: billingCount('dispute_won'), lost: billingCount('dispute_lost') },
    paymentFailures: billingCount('payment_failed'),
    byActionType: byActionType.map((a) => ({ actionType: a.action_type, creditsRefunded: int(a.credits), refunds: int(a.events) })),
    byDomain: range[0].map((domain) => {
      const c = creditsOf(domain);
      return {
        domain,
        creditsRefunded: c.refunded,
        creditsConsumed: c.consumed,
        rate: c.consumed === 0 ? null : c.refunded / c.consumed,
        refunds: int(refundsByDomain.find((r) => r.domain === domain)?.count ?? '0'),
        disputes: { opened: billingCount('dispute_opened', domain), won: billingCount('dispute_won', domain), lost: billingCount('dispute_lost', domain) },
        paymentFailures: billingCount('payment_failed', domain),
      };
    }),
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
