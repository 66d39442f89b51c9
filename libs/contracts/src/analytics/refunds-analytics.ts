import { defineMessage, strictly } from '../message';
import { AnalyticsRangeQuery } from './analytics-range-query';
import type { RefundsAnalyticsView } from './read-model-views';

/** `analytics.queries.refunds.v1`: request/reply, queue group `feedback-analytics`; body `AnalyticsRangeQuery`. */
export const AnalyticsRefundsMessage = defineMessage<AnalyticsRangeQuery, RefundsAnalyticsView>()({ name: 'analytics.queries.refunds.v1', kind: 'query', validate: strictly(AnalyticsRangeQuery) });
