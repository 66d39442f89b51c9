import { NormalizedDomain } from './normalize';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { subject } from './subjects';
import { Limits } from './customer';

/** Request/reply subjects served by feedback-analytics (queue group `feedback-analytics`). */
export const AnalyticsSubjects = {
  usage: subject('analytics.queries.usage.v1'),
};

/** `Usage` query: credit usage of one domain (`domain`) or several (`domains`, 1-100) per day and action type, optional date range (YYYY-MM-DD, UTC, inclusive). */
export class UsageQuery {
  @ValidateIf((query: UsageQuery) => query.domains === undefined || query.domain !== undefined)
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain?: string;

  @IsOptional()
  @IsArray({ message: 'domains must be an array of domains' })
  @ArrayMinSize(1, { message: 'domains must name at least one domain' })
  @ArrayMaxSize(100, { message: 'domains must name at most 100 domains' })
  @IsString({ each: true })
  @Length(1, Limits.domainLengthMax, { each: true })
  domains?: string[];

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

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
