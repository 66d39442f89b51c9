import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  BillingConnectSubjects,
  CompleteConnectOAuthCommand,
  ConnectOAuthResult,
  ConnectOAuthStartResult,
  ConnectOnboardingResult,
  ConnectStateResult,
  GetConnectStateQuery,
  normalizeDomain,
  StartConnectOAuthCommand,
  StartConnectOnboardingCommand,
  UpdateConnectSettingsCommand,
} from '@credit-hub/contracts';
import type { FastifyReply as Response, FastifyRequest as Request } from 'fastify';
import { AnalyticsDomains, apiKeySecurityScheme, AuthenticatedRequest } from '../api-keys/api-key.guard';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { OperatorKeyGuard, operatorKeySecurityScheme } from '../operator/operator-key.guard';
import {
  ConnectDomainPath, ConnectOAuthCallbackQuery, ConnectOAuthRequest, ConnectOAuthResponse, ConnectOnboardingRequest, ConnectOnboardingResponse, ConnectStateRequest, ConnectStateResponse, OperatorConnectOnboardingRequest, OperatorConnectSettingsRequest,
} from './connect.dto';
import { connectDomainsOf, ConnectKeyGuard } from './connect-key.guard';

/** This gateway's own origin as the client reached it (`X-Forwarded-Proto`, `Host`). */
function publicOrigin(request: Request): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : request.protocol === 'https' ? 'https' : 'http';
  const host = typeof request.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(request.headers.host) ? request.headers.host : '127.0.0.1';
  return `${protocol}://${host}`;
}

/** The dashboard's Connect page: where Stripe sends a builder back by default. */
export function connectReturnUrl(request: Request): string {
  return `${publicOrigin(request)}/dashboard/connect`;
}

/** The Connect OAuth `redirect_uri`: this gateway's callback (register it in Stripe's Connect settings). */
export function connectOAuthRedirectUri(request: Request): string {
  return `${publicOrigin(request)}/connect/oauth/callback`;
}

/**
 * Stripe Connect for builders (https://docs.stripe.com/connect/standard-accounts): a builder keeps
 * its own Stripe account; sales on its connected domains are direct charges on that account, the
 * platform taking its application fee. Domain keys act for their domain, builder keys for any of
 * their domains.
 */
@ApiTags('billing')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ConnectKeyGuard)
@Controller('api/billing/connect')
export class ConnectController {
  constructor(private readonly hub: HubClient) {}

  @Post('onboarding')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'startConnectOnboarding',
    summary: 'Connect your own Stripe account',
    description:
      'Connects the domains to one Stripe (Standard) account: the one they already have, or a new one. Answers a Stripe-hosted onboarding link; send the builder there. Until Stripe reports the account ready (charges enabled, details submitted) checkouts of these domains answer 409 connected_account_not_ready. Call again for a fresh link.',
  })
  @ApiOkResponse({ type: ConnectOnboardingResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'payload_too_large', 'stripe_unavailable', 'service_unavailable')
  onboarding(@Body() body: ConnectOnboardingRequest, @Req() request: AuthenticatedRequest): Promise<ConnectOnboardingResult> {
    const command: StartConnectOnboardingCommand = {
      domains: connectDomainsOf(request, body.domains),
      returnUrl: body.returnUrl ?? connectReturnUrl(request),
      refreshUrl: body.refreshUrl ?? connectReturnUrl(request),
    };
    return this.hub.request<ConnectOnboardingResult>(BillingConnectSubjects.startOnboarding, command);
  }

  @Post('oauth')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'startConnectOAuth',
    summary: 'Connect a Stripe account you already have',
    description:
      "Connect OAuth: answers Stripe's authorize page for the domains (send the builder there). After the builder accepts, Stripe redirects to GET /connect/oauth/callback, which connects the account to the domains and redirects to returnUrl. The URL's state is signed, single use and expires at expiresAt. 409 connect_oauth_not_configured when the hub has no Connect client id.",
  })
  @ApiOkResponse({ type: ConnectOAuthResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'payload_too_large', 'connect_oauth_not_configured', 'service_unavailable')
  oauth(@Body() body: ConnectOAuthRequest, @Req() request: AuthenticatedRequest): Promise<ConnectOAuthStartResult> {
    const command: StartConnectOAuthCommand = {
      domains: connectDomainsOf(request, body.domains),
      redirectUri: connectOAuthRedirectUri(request),
      returnUrl: body.returnUrl,
    };
    return this.hub.request<ConnectOAuthStartResult>(BillingConnectSubjects.startConnectOAuth, command);
  }

  @Get()
  @ApiOperation({ operationId: 'getConnectState', summary: 'Connect state of your domains', description: "Each domain's connected Stripe account, its status (`none`, `onboarding`, `ready`, `restricted`, `disconnected`), what Stripe still needs, and the platform's fee terms." })
  @ApiOkResponse({ type: ConnectStateResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  state(@Query() _query: ConnectStateRequest, @AnalyticsDomains() domains: string[]): Promise<ConnectStateResult> {
    const query: GetConnectStateQuery = { domains };
    return this.hub.request<ConnectStateResult>(BillingConnectSubjects.getConnectState, query);
  }
}

/**
 * `GET /connect/oauth/callback`: Stripe's redirect after the builder answered the
 * Connect OAuth page (no API key: the signed, single-use state is the authority). Success: 303 to
 * the return URL given when the request started; anything else: a problem (the state, the code or
 * Stripe's `error`). The query string (code, state) is never logged.
 */
@ApiTags('billing')
@Controller('connect/oauth')
export class ConnectOAuthCallbackController {
  constructor(private readonly hub: HubClient) {}

  @Get('callback')
  @ApiOperation({
    operationId: 'completeConnectOAuth',
    summary: "Stripe's Connect OAuth redirect",
    description: 'Called by the builder\'s browser, redirected by Stripe with code and state (or error). Connects the account to the domains the state names and redirects (303) to the return URL. Refused (problem+json) for a bad, expired or used state, a declined request or a code Stripe does not accept.',
  })
  @ApiResponse({ status: 303, description: 'Connected: redirect to the return URL' })
  @ApiProblems('validation_failed', 'stripe_unavailable', 'service_unavailable')
  async callback(@Query() query: ConnectOAuthCallbackQuery, @Res() response: Response): Promise<void> {
    const command: CompleteConnectOAuthCommand = {
      state: query.state,
      ...(query.code === undefined ? {} : { code: query.code }),
      ...(query.error === undefined ? {} : { error: query.error }),
    };
    const result = await this.hub.request<ConnectOAuthResult>(BillingConnectSubjects.completeConnectOAuth, command);
    response.redirect(result.returnUrl, 303);
  }
}

/** The operator's Connect API (operator key): onboarding for any domains, and each domain's fee terms. */
@ApiTags('operator')
@ApiBearerAuth(operatorKeySecurityScheme)
@UseGuards(OperatorKeyGuard)
@Controller('api/operator/connect')
export class OperatorConnectController {
  constructor(private readonly hub: HubClient) {}

  @Post('onboarding')
  @HttpCode(200)
  @ApiOperation({ operationId: 'startOperatorConnectOnboarding', summary: 'Connect domains to a Stripe account', description: 'As startConnectOnboarding, for any domains of the catalog: one Stripe account for all of them, and its onboarding link. Operator key only.' })
  @ApiOkResponse({ type: ConnectOnboardingResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'payload_too_large', 'stripe_unavailable', 'service_unavailable')
  onboarding(@Body() body: OperatorConnectOnboardingRequest, @Req() request: Request): Promise<ConnectOnboardingResult> {
    const command: StartConnectOnboardingCommand = {
      domains: [...new Set((body.domains ?? []).map(normalizeDomain))].sort(),
      returnUrl: body.returnUrl ?? connectReturnUrl(request),
      refreshUrl: body.refreshUrl ?? connectReturnUrl(request),
    };
    return this.hub.request<ConnectOnboardingResult>(BillingConnectSubjects.startOnboarding, command);
  }

  @Get(':domain')
  @ApiOperation({ operationId: 'getOperatorConnectState', summary: "A domain's Connect state", description: "The domain's connected Stripe account, its status and the platform's fee terms. Operator key only." })
  @ApiOkResponse({ type: ConnectStateResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'service_unavailable')
  state(@Param() path: ConnectDomainPath): Promise<ConnectStateResult> {
    const query: GetConnectStateQuery = { domains: [normalizeDomain(path.domain)] };
    return this.hub.request<ConnectStateResult>(BillingConnectSubjects.getConnectState, query);
  }

  @Put(':domain')
  @ApiOperation({ operationId: 'putOperatorConnectSettings', summary: "Set a domain's Connect terms", description: "The platform's application fee (integer basis points) and whether money refunds give it back. Applies to checkouts and refunds from now on. Operator key only; idempotent." })
  @ApiOkResponse({ type: ConnectStateResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'not_found', 'payload_too_large', 'service_unavailable')
  settings(@Param() path: ConnectDomainPath, @Body() body: OperatorConnectSettingsRequest): Promise<ConnectStateResult> {
    const command: UpdateConnectSettingsCommand = {
      domain: normalizeDomain(path.domain),
      ...(body.applicationFeeBps === undefined ? {} : { applicationFeeBps: body.applicationFeeBps }),
      ...(body.refundApplicationFee === undefined ? {} : { refundApplicationFee: body.refundApplicationFee }),
    };
    return this.hub.request<ConnectStateResult>(BillingConnectSubjects.updateConnectSettings, command);
  }
}
