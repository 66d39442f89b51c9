import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BillingSubscriptionSubjects, DomainCatalogView, GetDomainCatalogQuery, normalizeDomain, PutDomainCatalogCommand, PutOfferingCommand } from '@credit-hub/contracts';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import {
  definedOnly, OperatorDomainPath, OperatorDomainRequest, OperatorDomainResponse, OperatorOfferingPath, OperatorOfferingRequest,
} from './operator-catalog.dto';
import { OperatorKeyGuard, operatorKeySecurityScheme } from './operator-key.guard';

/**
 * The operator's catalog API (operator key, not a domain key): each domain's brand and its packs
 * and plans. Billing validates and stores; a change never alters what customers already bought
 * (every checkout froze its terms).
 */
@ApiTags('operator')
@ApiBearerAuth(operatorKeySecurityScheme)
@UseGuards(OperatorKeyGuard)
@Controller('api/operator/domains')
export class OperatorCatalogController {
  constructor(private readonly hub: HubClient) {}

  @Get(':domain')
  @ApiOperation({ operationId: 'getOperatorDomain', summary: 'Read a domain\'s catalog', description: 'A domain\'s brand and every offering, sold or retired. Operator key only.' })
  @ApiOkResponse({ type: OperatorDomainResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'not_found', 'service_unavailable')
  get(@Param() path: OperatorDomainPath): Promise<DomainCatalogView> {
    const query: GetDomainCatalogQuery = { domain: normalizeDomain(path.domain) };
    return this.hub.request<DomainCatalogView>(BillingSubscriptionSubjects.getDomainCatalog, query);
  }

  @Put(':domain')
  @ApiOperation({ operationId: 'putOperatorDomain', summary: 'Create or replace a domain', description: 'Create or replace a domain\'s brand; with `offerings`, its whole catalog (left-out offerings stop being sold). Operator key only; idempotent: the same body again answers the same.' })
  @ApiOkResponse({ type: OperatorDomainResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'payload_too_large', 'service_unavailable')
  putDomain(@Param() path: OperatorDomainPath, @Body() body: OperatorDomainRequest): Promise<DomainCatalogView> {
    const command: PutDomainCatalogCommand = {
      domain: normalizeDomain(path.domain),
      displayName: body.displayName,
      supportEmail: body.supportEmail,
      checkoutMessage: body.checkoutMessage,
      ...(body.graceDays === undefined ? {} : { graceDays: body.graceDays }),
      ...(body.freeCaps === undefined ? {} : { freeCaps: body.freeCaps }),
      ...(body.offerings === undefined ? {} : { offerings: body.offerings.map((offering) => definedOnly(offering)) }),
    };
    return this.hub.request<DomainCatalogView>(BillingSubscriptionSubjects.putDomainCatalog, command);
  }

  @Put(':domain/offerings/:offeringId')
  @ApiOperation({ operationId: 'putOperatorOffering', summary: 'Create or replace an offering', description: 'Create or replace one offering of an existing domain (`active: false` stops selling it). Operator key only; idempotent.' })
  @ApiOkResponse({ type: OperatorDomainResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'not_found', 'payload_too_large', 'service_unavailable')
  putOffering(@Param() path: OperatorOfferingPath, @Body() body: OperatorOfferingRequest): Promise<DomainCatalogView> {
    const command: PutOfferingCommand = { domain: normalizeDomain(path.domain), offeringId: path.offeringId, offering: definedOnly(body) };
    return this.hub.request<DomainCatalogView>(BillingSubscriptionSubjects.putOffering, command);
  }
}
