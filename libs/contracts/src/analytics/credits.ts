import { defineMessage, strictly } from '../message';
import { AnalyticsRangeQuery } from './analytics-range-query';
import type { CreditsView } from './read-model-views';

/** `analytics.queries.credits.v1`: request/reply, queue group `feedback-analytics`; body `AnalyticsRangeQuery`. */
export const AnalyticsCreditsMessage = defineMessage<AnalyticsRangeQuery, CreditsView>()({ name: 'analytics.queries.credits.v1', kind: 'query', validate: strictly(AnalyticsRangeQuery) });
