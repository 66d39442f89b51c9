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
  @ApiOperation({ operationId: 'consumeCredits', summary: 'Consume credits', description: 'Spend credits from the customer\'s balance, never below zero (402 insufficient_credits, nothing written). Idempotent on domain + referenceId: the same request again answers the first result with `repeated: true`; the same referenceId with other credits, actionType or customer is 409 reference_conflict. Retry a timed-out consume with the same referenceId: it is never a double spend.' })
  @ApiOkResponse({ type: ConsumeCreditsResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'insufficient_credits', 'payment_past_due', 'forbidden_domain', 'account_frozen', 'reference_conflict', 'payload_too_large', 'service_unavailable')
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
  @ApiOperation({ operationId: 'getBalance', summary: 'Read a customer\'s balance', description: 'The credits the customer can spend on the key\'s domain now (holds excluded, lots restricted to another domain excluded), with the lots they come from.' })
  @ApiOkResponse({ type: BalanceResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  balance(@Query() query: BalanceRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<BalanceView> {
    const request: GetBalanceQuery = { email: normalizeEmail(query.email), domain: key.domain };
    return this.hub.request<BalanceView>(LedgerSubjects.getBalance, request);
  }
}
