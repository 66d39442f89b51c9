import { defineMessage, strictly } from '../message';
import { AnalyticsRangeQuery } from './analytics-range-query';
import type { AnalyticsSummaryView } from './read-model-views';

/** `analytics.queries.summary.v1`: request/reply, queue group `feedback-analytics`; body `AnalyticsRangeQuery`. */
export const AnalyticsSummaryMessage = defineMessage<AnalyticsRangeQuery, AnalyticsSummaryView>()({ name: 'analytics.queries.summary.v1', kind: 'query', validate: strictly(AnalyticsRangeQuery) });
