import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnalyticsSubjects, UsageQuery, UsageView } from '@credit-hub/contracts';
import { AnalyticsDomains, AnalyticsKeyGuard, apiKeySecurityScheme } from '../api-keys/api-key.guard';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { UsageRequest, UsageResponse } from './usage.dto';

@ApiTags('analytics')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(AnalyticsKeyGuard)
@Controller('api/analytics')
export class AnalyticsController {
  constructor(private readonly hub: HubClient) {}

  @Get('usage')
  @ApiOperation({ operationId: 'getAnalyticsUsage', summary: 'Read credit usage', description: 'Credit usage of the domain (or the builder key\'s domains) per UTC day and action type, with totals.' })
  @ApiOkResponse({ type: UsageResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  usage(@Query() query: UsageRequest, @AnalyticsDomains() domains: string[]): Promise<UsageView> {
    const request: UsageQuery = domains.length === 1 ? { domain: domains[0] } : { domains };
    if (query.from !== undefined) request.from = query.from;
    if (query.to !== undefined) request.to = query.to;
    return this.hub.request<UsageView>(AnalyticsSubjects.usage, request);
  }
}
