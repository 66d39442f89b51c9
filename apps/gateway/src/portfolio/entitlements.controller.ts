import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BalanceView, CheckEntitlementQuery, EntitlementCheckResult, EntitlementSubjects, EntitlementsView, GetBalanceQuery, GetEntitlementsQuery,
  LedgerSubjects, normalizeDomain, normalizeEmail,
} from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { EntitlementCheckRequest, EntitlementCheckResponse, EntitlementsRequest, EntitlementsResponse } from './entitlements.dto';

/**
 * Plans and entitlements: what a customer may do on the key's domain right now, in one
 * call, so a product need not rebuild it from webhooks. Billing answers from its entitlements
 * projection (never from Stripe); the spendable credits come from the ledger's balance.
 */
@ApiTags('entitlements')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/portfolio/entitlements')
export class EntitlementsController {
  constructor(private readonly hub: HubClient) {}

  @Get()
  @ApiOperation({ operationId: 'getEntitlements', summary: 'Read a customer\'s entitlements', description: 'The customer\'s plan, status, next change, caps and spendable credits on the key\'s domain (the free tier when not subscribed; docs/entitlements.md).' })
  @ApiOkResponse({ type: EntitlementsResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  async get(@Query() query: EntitlementsRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<EntitlementsView & { credits: { spendable: number } }> {
    const request: GetEntitlementsQuery = { email: normalizeEmail(query.email), domain: key.domain };
    const balanceQuery: GetBalanceQuery = { email: request.email, domain: key.domain };
    const [entitlements, balance] = await Promise.all([
      this.hub.request<EntitlementsView>(EntitlementSubjects.getEntitlements, request),
      this.hub.request<BalanceView>(LedgerSubjects.getBalance, balanceQuery),
    ]);
    return { ...entitlements, credits: { spendable: balance.balance } };
  }

  @Post('check')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'checkEntitlement',
    summary: 'Check an entitlement',
    description: 'May the customer use a feature, or have `requested` more of a limited thing when they have `inUse`? '
      + 'Refusals are answers: LIMIT_REACHED, feature_not_in_plan, payment_past_due (after the payment grace)',
  })
  @ApiOkResponse({ type: EntitlementCheckResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'payload_too_large', 'service_unavailable')
  check(@Body() body: EntitlementCheckRequest): Promise<EntitlementCheckResult> {
    const query: CheckEntitlementQuery = {
      email: normalizeEmail(body.email),
      domain: normalizeDomain(body.domain),
      feature: body.feature,
      ...(body.requested === undefined ? {} : { requested: body.requested }),
      ...(body.inUse === undefined ? {} : { inUse: body.inUse }),
    };
    return this.hub.request<EntitlementCheckResult>(EntitlementSubjects.checkEntitlement, query);
  }
}
