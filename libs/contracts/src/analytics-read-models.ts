import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { Limits } from './customer';
import { NormalizedDomain } from './normalize';
import { subject } from './subjects';

/**
 * Issue 5's analytics read models (feedback-analytics), queried over NATS request/reply (queue
 * group `feedback-analytics`). Every query names one domain and an optional UTC date range
 * (`from`, `to`: YYYY-MM-DD, inclusive). Credits are integers; money is integer minor units per
 * lower-case ISO 4217 currency.
 */
export const AnalyticsReadModelSubjects = {
  summary: subject('analytics.queries.summary.v1'),
  credits: subject('analytics.queries.credits.v1'),
  revenue: subject('analytics.queries.revenue.v1'),
  conversion: subject('analytics.queries.conversion.v1'),
  refunds: subject('analytics.queries.refunds.v1'),
  feedback: subject('analytics.queries.feedback.v1'),
};

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** A domain and an optional date range. */
export class AnalyticsRangeQuery {
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain!: string;

  @IsOptional()
  @Matches(dayPattern, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @IsOptional()
  @Matches(dayPattern, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

/** `Feedback` query: refund feedback of the domain, optionally matching the words of `q`. */
export class FeedbackQuery extends AnalyticsRangeQuery {
  @IsOptional()
  @IsString()
  @Length(0, 200, { message: 'q must be at most 200 characters' })
  q?: string;
}

/** Kinds of credit movement counted per day. */
export const CreditMovementKinds = ['purchased', 'granted', 'consumed', 'refunded', 'expired'] as const;
export type CreditMovementKind = (typeof CreditMovementKinds)[number];

/** Credits of one kind on one UTC day; `actionType` for consumed and refunded, else null. */
export interface CreditMovementRow {
  day: string;
  kind: CreditMovementKind;
  actionType: string | null;
  credits: number;
  events: number;
}

/** Answer to Credits: rows by day, kind, actionType, and totals per kind. */
export interface CreditsView {
  domain: string;
  rows: CreditMovementRow[];
  totals: Record<CreditMovementKind, number>;
}

/** Revenue of one UTC day in one currency (minor units); net = recognised − reversed − refunded. */
export interface RevenueRow {
  day: string;
  currency: string;
  recognisedMinor: number;
  reversedMinor: number;
  refundedMinor: number;
  netMinor: number;
}

export interface RevenueView {
  domain: string;
  rows: RevenueRow[];
  totals: { currency: string; recognisedMinor: number; reversedMinor: number; refundedMinor: number; netMinor: number }[];
}

/** The conversion funnel over the range (by the day each step's subject started). */
export interface ConversionView {
  domain: string;
  checkout: { created: number; completed: number; rate: number | null };
  trials: { started: number; converted: number; rate: number | null };
  refunds: { customers: number; cameBack: number; rate: number | null };
}

/** Refund analytics over the range. */
export interface RefundsAnalyticsView {
  domain: string;
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
}

/** One refund request's feedback. */
export interface FeedbackItem {
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
  items: FeedbackItem[];
}

/** Answer to Summary: the totals of the other views. */
export interface AnalyticsSummaryView {
  domain: string;
  credits: Record<CreditMovementKind, number>;
  revenue: RevenueView['totals'];
  conversion: Omit<ConversionView, 'domain'>;
  refunds: { count: number; rate: number | null; disputes: number; paymentFailures: number };
}
