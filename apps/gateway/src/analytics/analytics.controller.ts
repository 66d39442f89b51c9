import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnalyticsSubjects, UsageQuery, UsageView } from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { UsageRequest, UsageResponse } from './usage.dto';

@ApiTags('analytics')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/analytics')
export class AnalyticsController {
  constructor(private readonly hub: HubClient) {}

  @Get('usage')
  @ApiOperation({ summary: 'Credit usage of the domain per UTC day and action type' })
  @ApiOkResponse({ type: UsageResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  usage(@Query() query: UsageRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<UsageView> {
    const request: UsageQuery = { domain: key.domain };
    if (query.from !== undefined) request.from = query.from;
    if (query.to !== undefined) request.to = query.to;
    return this.hub.request<UsageView>(AnalyticsSubjects.usage, request);
  }
}
