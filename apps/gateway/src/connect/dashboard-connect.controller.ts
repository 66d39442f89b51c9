import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BillingConnectSubjects, ConnectOnboardingResult, ConnectStateResult, GetConnectStateQuery, StartConnectOnboardingCommand } from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { Request, Response } from 'express';
import { analyticsDomainsOf } from '../api-keys/api-key.guard';
import { AnyApiKeyRecord, readableDomains } from '../api-keys/api-keys';
import { dashboardCookie, readCookie, sendHtml } from '../dashboard/dashboard.controller';
import { DashboardSessions } from '../dashboard/dashboard-sessions';
import { HubClient } from '../nats/hub-client';
import { connectReturnUrl } from './connect.controller';
import { renderConnectPage } from './dashboard-connect.html';

/**
 * The dashboard's Stripe Connect panel (`/dashboard/connect`, same session as the dashboard):
 * the state of each of the signed-in key's domains and the onboarding button. The button POSTs
 * (the session cookie is SameSite=Strict: no other site can post it) and is answered with a 303
 * to Stripe's hosted onboarding page; Stripe sends the builder back here.
 */
@ApiExcludeController()
@Controller('dashboard/connect')
export class DashboardConnectController {
  constructor(
    private readonly sessions: DashboardSessions,
    private readonly hub: HubClient,
  ) {}

  @Get()
  async page(@Req() request: Request, @Res() response: Response): Promise<void> {
    const key = await this.key(request);
    if (!key) return response.redirect(303, '/dashboard');
    await this.render(response, key, 200, null);
  }

  @Post('onboarding')
  async onboarding(@Req() request: Request, @Res() response: Response): Promise<void> {
    const key = await this.key(request);
    if (!key) return response.redirect(303, '/dashboard');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const named = typeof body['domain'] === 'string' && body['domain'] !== '' ? [body['domain']] : [];
    let domains: string[];
    try {
      domains = analyticsDomainsOf(key, named);
    } catch (error) {
      if (error instanceof ProblemException) return this.render(response, key, 403, 'That domain is not one of this key\'s.');
      throw error;
    }
    const command: StartConnectOnboardingCommand = { domains, returnUrl: connectReturnUrl(request), refreshUrl: connectReturnUrl(request) };
    try {
      const result = await this.hub.request<ConnectOnboardingResult>(BillingConnectSubjects.startOnboarding, command);
      response.redirect(303, result.onboardingUrl);
    } catch (error) {
      if (!(error instanceof ProblemException)) throw error;
      const { code, detail } = error.refusal;
      const message = code === 'validation_failed' ? `Onboarding refused: ${detail}` : 'Stripe could not start the onboarding; try again in a moment.';
      return this.render(response, key, error.getStatus(), message);
    }
  }

  private async render(response: Response, key: AnyApiKeyRecord, status: number, error: string | null): Promise<void> {
    const query: GetConnectStateQuery = { domains: readableDomains(key).sort() };
    const state = await this.hub.request<ConnectStateResult>(BillingConnectSubjects.getConnectState, query);
    sendHtml(response, status, renderConnectPage(key.kind === 'domain' ? key.domain : key.builder, state.domains, error));
  }

  private key(request: Request): Promise<AnyApiKeyRecord | undefined> {
    return this.sessions.find(readCookie(request.headers.cookie, dashboardCookie));
  }
}
