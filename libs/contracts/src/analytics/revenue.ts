import { defineMessage, strictly } from '../message';
import { AnalyticsRangeQuery } from './analytics-range-query';
import type { RevenueView } from './read-model-views';

/** `analytics.queries.revenue.v1`: request/reply, queue group `feedback-analytics`; body `AnalyticsRangeQuery`. */
export const AnalyticsRevenueMessage = defineMessage<AnalyticsRangeQuery, RevenueView>()({ name: 'analytics.queries.revenue.v1', kind: 'query', validate: strictly(AnalyticsRangeQuery) });
