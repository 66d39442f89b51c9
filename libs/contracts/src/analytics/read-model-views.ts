import { subject } from '../subjects';

/**
 * The analytics read models (feedback-analytics), queried over NATS request/reply (queue
 * group `feedback-analytics`). Every query names one domain (`domain`) or several (`domains`: a
 * builder key's) and an optional UTC date range (`from`, `to`: YYYY-MM-DD, inclusive). Answers
 * carry `domains` (sorted) and `domain` (the one domain read, or the domains joined with commas);
 * rows and items carry their own `domain`, and multi-domain answers a `byDomain` breakdown.
 * Credits are integers; money is integer minor units per lower-case ISO 4217 currency.
 */
export const AnalyticsReadModelSubjects = {
  summary: subject('analytics.queries.summary.v1'),
  credits: subject('analytics.queries.credits.v1'),
  revenue: subject('analytics.queries.revenue.v1'),
  conversion: subject('analytics.queries.conversion.v1'),
  refunds: subject('analytics.queries.refunds.v1'),
  feedback: subject('analytics.queries.feedback.v1'),
};

/** Most domains one analytics query reads. */
export const analyticsQueryDomainsMax = 100;

/** Kinds of credit movement counted per day. */
export const CreditMovementKinds = ['purchased', 'granted', 'consumed', 'refunded', 'expired'] as const;

export type CreditMovementKind = (typeof CreditMovementKinds)[number];

/** Credits of one kind on one UTC day of one domain; `actionType` for consumed and refunded (when known), else null. */
export interface CreditMovementRow {
  domain: string;
  day: string;
  kind: CreditMovementKind;
  actionType: string | null;
  credits: number;
  events: number;
}

/** Answer to Credits: rows by day, domain, kind, actionType; totals per kind, and per domain. */
export interface CreditsView {
  domain: string;
  domains: string[];
  rows: CreditMovementRow[];
  totals: Record<CreditMovementKind, number>;
  byDomain: { domain: string; totals: Record<CreditMovementKind, number> }[];
}

/**
 * Sales of credit packs in one currency (minor units), on the UTC day of the payment, for the
 * domain that sold them: `grossSalesMinor` what customers paid; `platformFeeMinor` the platform's
 * Stripe Connect application fee on sales of a connected domain (0 on the platform);
 * `netSalesMinor` = gross − fee: what the builder's Stripe account received (on the platform,
 * the gross). Money refunds are in `refundedMinor`, not here.
 */
export interface SalesFigures {
  grossSalesMinor: number;
  platformFeeMinor: number;
  netSalesMinor: number;
}

/**
 * Revenue of one UTC day in one currency (minor units); net = recognised − reversed − refunded
 * (revenue recognised as credits are consumed), and the day's sales (`SalesFigures`).
 */
export interface RevenueRow extends SalesFigures {
  domain: string;
  day: string;
  currency: string;
  recognisedMinor: number;
  reversedMinor: number;
  refundedMinor: number;
  netMinor: number;
}

/** Revenue totals of one currency (minor units), with the sales of the range (`SalesFigures`). */
export interface RevenueTotal extends SalesFigures {
  currency: string;
  recognisedMinor: number;
  reversedMinor: number;
  refundedMinor: number;
  netMinor: number;
}

/** Answer to Revenue: rows by day, domain, currency; totals per currency, and per domain and currency ("revenue by domain"). */
export interface RevenueView {
  domain: string;
  domains: string[];
  rows: RevenueRow[];
  totals: RevenueTotal[];
  byDomain: (RevenueTotal & { domain: string })[];
}

/** The conversion funnel of some domains (a customer counts once per domain). */
export interface ConversionFunnel {
  checkout: { created: number; completed: number; rate: number | null };
  trials: { started: number; converted: number; rate: number | null };
  refunds: { customers: number; cameBack: number; rate: number | null };
}

/** The conversion funnel over the range (by the day each step's subject started), overall and per domain. */
export interface ConversionView extends ConversionFunnel {
  domain: string;
  domains: string[];
  byDomain: (ConversionFunnel & { domain: string })[];
}

/** Refund analytics over the range. */
export interface RefundsAnalyticsView {
  domain: string;
  domains: string[];
  creditsRefunded: number;
  creditsConsumed: number;
  /** creditsRefunded / creditsConsumed; null when nothing was consumed. */
  rate: number | null;
  byCategory: { category: string; count: number }[];
  byDay: { day: string; count: number; creditsRefunded: number }[];
  /** Most common normalised "what would bring you back" answers. */
  wouldBringBack: { text: string; count: number }[];
  disputes: { opened: number; won: number; lost: number };
  paymentFailures: number;
  /** Credits refunded per action type of the consumption refunded ('' when unknown: a refund of a consumption the read model never saw). */
  byActionType: { actionType: string; creditsRefunded: number; refunds: number }[];
  /** Per domain: refunds, disputes and payment failures. */
  byDomain: {
    domain: string;
    creditsRefunded: number;
    creditsConsumed: number;
    rate: number | null;
    refunds: number;
    disputes: { opened: number; won: number; lost: number };
    paymentFailures: number;
  }[];
}

/** One refund request's feedback. */
export interface FeedbackItem {
  domain: string;
  refundRequestId: string;
  email: string;
  kind: string;
  status: string;
  category: string;
  rating: number | null;
  tried: string;
  didNotWork: string;
  wouldBringBack: string;
  createdAt: string;
}

export interface FeedbackView {
  domain: string;
  domains: string[];
  items: FeedbackItem[];
}

/** Answer to Summary: the totals of the other views. */
export interface AnalyticsSummaryView {
  domain: string;
  domains: string[];
  credits: Record<CreditMovementKind, number>;
  revenue: RevenueView['totals'];
  conversion: ConversionFunnel;
  refunds: { count: number; rate: number | null; disputes: number; paymentFailures: number };
}
