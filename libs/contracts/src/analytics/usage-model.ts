import { subject } from '../subjects';

/** Request/reply subjects served by feedback-analytics (queue group `feedback-analytics`). */
export const AnalyticsSubjects = {
  usage: subject('analytics.queries.usage.v1'),
};

/** One row of the credit-usage read model: a domain's credits per UTC day and action type. */
export interface UsageRow {
  domain: string;
  day: string;
  actionType: string;
  creditsConsumed: number;
  consumptions: number;
}

/** Answer to Usage: rows ordered by day then actionType, plus totals over them. */
export interface UsageView {
  /** The one domain read, or the domains joined with commas. */
  domain: string;
  domains: string[];
  rows: UsageRow[];
  totals: { creditsConsumed: number; consumptions: number; creditsPurchased: number; purchases: number };
}
