import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BalanceView,
  ConsumeCreditsCommand,
  ConsumeCreditsResult,
  GetBalanceQuery,
  LedgerSubjects,
  normalizeDomain,
  normalizeEmail,
} from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { BalanceRequest, BalanceResponse, ConsumeCreditsRequest, ConsumeCreditsResponse } from './credits.dto';

@ApiTags('credits')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/portfolio/credits')
export class CreditsController {
  constructor(private readonly hub: HubClient) {}

  @Post('consume')
  @HttpCode(200)
  @ApiOperation({ summary: "Spend credits from the customer's balance (idempotent on domain + referenceId)" })
  @ApiOkResponse({ type: ConsumeCreditsResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'insufficient_credits', 'forbidden_domain', 'reference_conflict', 'payload_too_large', 'service_unavailable')
  async consume(@Body() body: ConsumeCreditsRequest): Promise<ConsumeCreditsResponse> {
    const command: ConsumeCreditsCommand = {
      email: normalizeEmail(body.email),
      domain: normalizeDomain(body.domain),
      credits: -body.deltaCredits,
      actionType: body.actionType,
      referenceId: body.referenceId,
    };
    const result = await this.hub.request<ConsumeCreditsResult>(LedgerSubjects.consumeCredits, command);
    return { balance: result.balance, eventId: result.eventId, repeated: result.repeated };
  }

  @Get('balance')
  @ApiOperation({ summary: "The customer's balance spendable on the domain, with its lots" })
  @ApiOkResponse({ type: BalanceResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  balance(@Query() query: BalanceRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<BalanceView> {
    const request: GetBalanceQuery = { email: normalizeEmail(query.email), domain: key.domain };
    return this.hub.request<BalanceView>(LedgerSubjects.getBalance, request);
  }
}
