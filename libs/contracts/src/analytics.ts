import { NormalizedDomain } from './normalize';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { subject } from './subjects';
import { Limits } from './customer';

/** Request/reply subjects served by feedback-analytics (queue group `feedback-analytics`). */
export const AnalyticsSubjects = {
  usage: subject('analytics.queries.usage.v1'),
};

/** `Usage` query: credit usage of one domain per day and action type, optional date range (YYYY-MM-DD, UTC, inclusive). */
export class UsageQuery {
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain!: string;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

/** One row of the credit-usage read model: a domain's credits per UTC day and action type. */
export interface UsageRow {
  day: string;
  actionType: string;
  creditsConsumed: number;
  consumptions: number;
}

/** Answer to Usage: rows ordered by day then actionType, plus totals over them. */
export interface UsageView {
  domain: string;
  rows: UsageRow[];
  totals: { creditsConsumed: number; consumptions: number; creditsPurchased: number; purchases: number };
}
