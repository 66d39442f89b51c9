import { defineMessage, strictly } from '../message';
import { AnalyticsRangeQuery } from './analytics-range-query';
import type { ConversionView } from './read-model-views';

/** `analytics.queries.conversion.v1`: request/reply, queue group `feedback-analytics`; body `AnalyticsRangeQuery`. */
export const AnalyticsConversionMessage = defineMessage<AnalyticsRangeQuery, ConversionView>()({ name: 'analytics.queries.conversion.v1', kind: 'query', validate: strictly(AnalyticsRangeQuery) });
