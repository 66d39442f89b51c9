import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AnalyticsRangeQuery,
  AnalyticsReadModelSubjects,
  AnalyticsSummaryView,
  ConversionView,
  CreditsView,
  FeedbackQuery,
  FeedbackView,
  RefundsAnalyticsView,
  RevenueView,
} from '@credit-hub/contracts';
import { AnalyticsDomains, AnalyticsKeyGuard, apiKeySecurityScheme } from '../api-keys/api-key.guard';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import {
  AnalyticsRangeRequest,
  ConversionResponse,
  CreditsResponse,
  FeedbackRequest,
  FeedbackResponse,
  RefundsAnalyticsResponse,
  RevenueResponse,
  SummaryResponse,
} from './read-models.dto';

/**
 * The read models of feedback-analytics (NATS request/reply). A domain key reads its own
 * domain; a builder key reads its domains: all of them without `domain`, or the ones named
 * (`domain` repeated or comma-separated). A domain the key cannot read: 403 forbidden_domain.
 */
@ApiTags('analytics')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(AnalyticsKeyGuard)
@Controller('api/analytics')
export class AnalyticsReadModelsController {
  constructor(private readonly hub: HubClient) {}

  @Get('summary')
  @ApiOperation({ operationId: 'getAnalyticsSummary', summary: 'Read the analytics summary', description: 'Totals of credits, revenue, conversion and refunds over the range (`from`, `to`).' })
  @ApiOkResponse({ type: SummaryResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  summary(@Query() query: AnalyticsRangeRequest, @AnalyticsDomains() domains: string[]): Promise<AnalyticsSummaryView> {
    return this.hub.request<AnalyticsSummaryView>(AnalyticsReadModelSubjects.summary, rangeOf(query, domains));
  }

  @Get('credits')
  @ApiOperation({ operationId: 'getAnalyticsCredits', summary: 'Read credit movements', description: 'Credits purchased, granted, consumed (by action type), refunded and expired per UTC day.' })
  @ApiOkResponse({ type: CreditsResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  credits(@Query() query: AnalyticsRangeRequest, @AnalyticsDomains() domains: string[]): Promise<CreditsView> {
    return this.hub.request<CreditsView>(AnalyticsReadModelSubjects.credits, rangeOf(query, domains));
  }

  @Get('revenue')
  @ApiOperation({ operationId: 'getAnalyticsRevenue', summary: 'Read recognised revenue', description: 'Revenue recognised from consumed paid credits, less reversals and money refunds, per UTC day and currency (integer minor units).' })
  @ApiOkResponse({ type: RevenueResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  revenue(@Query() query: AnalyticsRangeRequest, @AnalyticsDomains() domains: string[]): Promise<RevenueView> {
    return this.hub.request<RevenueView>(AnalyticsReadModelSubjects.revenue, rangeOf(query, domains));
  }

  @Get('conversion')
  @ApiOperation({ operationId: 'getAnalyticsConversion', summary: 'Read the conversion funnel', description: 'Conversion funnel: checkouts started and paid, trials converted, refunded customers who came back.' })
  @ApiOkResponse({ type: ConversionResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  conversion(@Query() query: AnalyticsRangeRequest, @AnalyticsDomains() domains: string[]): Promise<ConversionView> {
    return this.hub.request<ConversionView>(AnalyticsReadModelSubjects.conversion, rangeOf(query, domains));
  }

  @Get('refunds')
  @ApiOperation({ operationId: 'getAnalyticsRefunds', summary: 'Read refund analytics', description: 'Refund rate, counts by category and day, top "would bring you back" answers, disputes, payment failures.' })
  @ApiOkResponse({ type: RefundsAnalyticsResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  refunds(@Query() query: AnalyticsRangeRequest, @AnalyticsDomains() domains: string[]): Promise<RefundsAnalyticsView> {
    return this.hub.request<RefundsAnalyticsView>(AnalyticsReadModelSubjects.refunds, rangeOf(query, domains));
  }

  @Get('feedback')
  @ApiOperation({ operationId: 'getAnalyticsFeedback', summary: 'Read refund feedback', description: 'Refund feedback texts, newest first (at most 100), optionally matching `q`.' })
  @ApiOkResponse({ type: FeedbackResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  feedback(@Query() query: FeedbackRequest, @AnalyticsDomains() domains: string[]): Promise<FeedbackView> {
    const request: FeedbackQuery = rangeOf(query, domains);
    if (query.q !== undefined) request.q = query.q;
    return this.hub.request<FeedbackView>(AnalyticsReadModelSubjects.feedback, request);
  }
}

/** The query forwarded: the guard's domains (one: `domain`; several: `domains`) and the range. */
function rangeOf(query: AnalyticsRangeRequest, domains: string[]): AnalyticsRangeQuery {
  const request: AnalyticsRangeQuery = domains.length === 1 ? { domain: domains[0] } : { domains };
  if (query.from !== undefined) request.from = query.from;
  if (query.to !== undefined) request.to = query.to;
  return request;
}
