import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreatePortalSessionCommand, normalizeDomain, normalizeEmail, PortalSession, RefundsSubjects } from '@credit-hub/contracts';
import type { FastifyRequest } from 'fastify';
import { ApiKeyGuard, apiKeySecurityScheme } from '../api-keys/api-key.guard';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { PortalConfig } from './portal.config';
import { CreatePortalSessionRequest, PortalSessionResponse } from './portal-session.dto';

@ApiTags('refunds')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/portal')
export class PortalSessionsController {
  constructor(
    private readonly hub: HubClient,
    private readonly config: PortalConfig,
  ) {}

  @Post('sessions')
  @HttpCode(200)
  @ApiOperation({ operationId: 'createPortalSession', summary: 'Create a refund portal link', description: 'A signed, expiring link to the customer\'s refund portal on the domain (like Stripe\'s portal sessions): the customer asks for a refund there in exchange for feedback.' })
  @ApiOkResponse({ type: PortalSessionResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'not_found', 'payload_too_large', 'service_unavailable')
  async create(@Body() body: CreatePortalSessionRequest, @Req() request: FastifyRequest): Promise<PortalSessionResponse> {
    const command: CreatePortalSessionCommand = { email: normalizeEmail(body.email), domain: normalizeDomain(body.domain), returnUrl: body.returnUrl };
    const session = await this.hub.request<PortalSession>(RefundsSubjects.createPortalSession, command);
    const base = this.config.PORTAL_PUBLIC_URL ?? `${request.protocol}://${request.headers.host ?? '127.0.0.1'}`;
    return { url: `${base}/portal/${session.token}`, expiresAt: session.expiresAt };
  }
}
