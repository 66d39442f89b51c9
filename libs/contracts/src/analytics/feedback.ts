import { IsOptional, IsString, Length } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { FeedbackView } from './read-model-views';
import { AnalyticsRangeQuery } from './analytics-range-query';

/** `Feedback` query: refund feedback of the domain, optionally matching the words of `q`. */
export class FeedbackQuery extends AnalyticsRangeQuery {
  @IsOptional()
  @IsString()
  @Length(0, 200, { message: 'q must be at most 200 characters' })
  q?: string;
}

/** `analytics.queries.feedback.v1`: request/reply. */
export const FeedbackMessage = defineMessage<FeedbackQuery, FeedbackView>()({ name: 'analytics.queries.feedback.v1', kind: 'query', validate: strictly(FeedbackQuery) });
