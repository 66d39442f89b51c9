import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AnalyticsRangeQuery,
  AnalyticsReadModelSubjects,
  FeedbackQuery,
  ListRefundRequestsQuery,
  RefundCategories,
  RefundRequestPage,
  RefundsSubjects,
  RefundStatuses,
} from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { Request, Response } from 'express';
import { ApiKeyAuthenticator } from '../api-keys/api-key-authenticator';
import { DashboardSessions, dashboardSessionTtlSeconds } from './dashboard-sessions';
import { analyticsDomainsOf } from '../api-keys/api-key.guard';
import { AnyApiKeyRecord, readableDomains } from '../api-keys/api-keys';
import { HubClient } from '../nats/hub-client';
import { dashboardScript, renderDashboard, renderSignIn } from './dashboard.html';

/**
 * The session cookie: a random session id (never the API key: DashboardSessions), HttpOnly (no
 * script reads it), SameSite=Strict (no cross-site request carries it), only under /dashboard,
 * Secure when the request came over https (directly or through a proxy's X-Forwarded-Proto).
 */
export const dashboardCookie = 'chd_session';

/** The charting library, served from node_modules (pinned in package.json). */
const chartScript = (() => {
  let cached: string | undefined;
  return () => (cached ??= readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8'));
})();

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const views = {
  summary: AnalyticsReadModelSubjects.summary,
  credits: AnalyticsReadModelSubjects.credits,
  revenue: AnalyticsReadModelSubjects.revenue,
  conversion: AnalyticsReadModelSubjects.conversion,
  refunds: AnalyticsReadModelSubjects.refunds,
  feedback: AnalyticsReadModelSubjects.feedback,
} as const;

/** Refund requests listed in the dashboard's table. */
const requestsShown = 50;
/** Refund-request pages asked for at once when a builder's dashboard lists several domains. */
const requestsParallelMax = 8;

/**
 * The builder's analytics dashboard: `/dashboard`. Sign in with a domain key or a builder key
 * (POSTed in a form, never in a URL), which starts a server-side session whose random id is the
 * HttpOnly cookie (the key itself is never kept by the browser); the page's script (same origin,
 * CSP `script-src 'self'`) reads `/dashboard/data/*` with that cookie and draws the charts with
 * Chart.js. A builder key sees all its domains, with a domain filter (`domain` query value, checked
 * against the key as on the API: 403 forbidden_domain otherwise).
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly sessions: DashboardSessions,
    private readonly hub: HubClient,
  ) {}

  @Get()
  async page(@Req() request: Request, @Res() response: Response): Promise<void> {
    const key = await this.key(request);
    if (!key) return sendHtml(response, 200, renderSignIn(null));
    const title = key.kind === 'domain' ? key.domain : key.builder;
    sendHtml(response, 200, renderDashboard(title, readableDomains(key).sort(), [...RefundCategories], [...RefundStatuses]));
  }

  @Post('sign-in')
  async signIn(@Req() request: Request, @Res() response: Response): Promise<void> {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof body['apiKey'] === 'string' ? body['apiKey'].trim() : '';
    const key = token.length > 0 && token.length <= 200 ? await this.authenticator.authenticate(token) : undefined;
    if (!key) return sendHtml(response, 401, renderSignIn('That key is not a live API key.'));
    // A session already open in this browser is ended: one sign-in, one session.
    await this.sessions.end(readCookie(request.headers.cookie, dashboardCookie));
    const { sessionId } = await this.sessions.start(key.id);
    response.setHeader('Set-Cookie', cookie(request, sessionId, dashboardSessionTtlSeconds));
    response.redirect(303, '/dashboard');
  }

  /** Ends the session on the server (the id no longer opens anything, even if kept) and clears the cookie. */
  @Post('sign-out')
  async signOut(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.sessions.end(readCookie(request.headers.cookie, dashboardCookie));
    response.setHeader('Set-Cookie', cookie(request, '', 0));
    response.redirect(303, '/dashboard');
  }

  @Get('chart.umd.min.js')
  chart(@Res() response: Response): void {
    response.status(200).set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' }).send(chartScript());
  }

  @Get('app.js')
  script(@Res() response: Response): void {
    response.status(200).set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }).send(dashboardScript);
  }

  /**
   * The read models (and the latest refund requests) for the signed-in key's domains (or the one
   * named by `domain`), JSON. Errors: 401 unauthorized (no session), 400 validation_failed, 403
   * forbidden_domain.
   */
  @Get('data/:view')
  async data(@Param('view') view: string, @Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response): Promise<void> {
    const key = await this.key(request);
    if (!key) throw new ProblemException({ code: 'unauthorized', detail: 'Sign in at /dashboard' });
    const named = typeof query['domain'] === 'string' && query['domain'] !== '' ? [query['domain']] : [];
    const domains = analyticsDomainsOf(key, named);
    const range: AnalyticsRangeQuery = domains.length === 1 ? { domain: domains[0] } : { domains };
    for (const field of ['from', 'to'] as const) {
      const value = query[field];
      if (value === undefined || value === '') continue;
      if (typeof value !== 'string' || !dayPattern.test(value)) throw new ProblemException({ code: 'validation_failed', detail: `${field} must be a date YYYY-MM-DD`, field });
      range[field] = value;
    }
    let answer: unknown;
    if (view === 'requests') {
      // One page per domain (the refunds service lists one domain at a time), merged newest first;
      // at most `requestsParallelMax` requests in flight, whatever the number of a builder's domains.
      const pageOf = (domain: string) => {
        const list: ListRefundRequestsQuery = { domain, limit: requestsShown };
        if (typeof query['category'] === 'string' && (RefundCategories as readonly string[]).includes(query['category'])) list.category = query['category'] as ListRefundRequestsQuery['category'];
        if (typeof query['status'] === 'string' && (RefundStatuses as readonly string[]).includes(query['status'])) list.status = query['status'] as ListRefundRequestsQuery['status'];
        return this.hub.request<RefundRequestPage>(RefundsSubjects.listRefundRequests, list);
      };
      const pages: RefundRequestPage[] = [];
      for (let start = 0; start < domains.length; start += requestsParallelMax) {
        pages.push(...(await Promise.all(domains.slice(start, start + requestsParallelMax).map(pageOf))));
      }
      const items = pages.flatMap((page) => page.items).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
      answer = { items: items.slice(0, requestsShown) };
    } else if (Object.hasOwn(views, view)) {
      const payload: FeedbackQuery = { ...range };
      if (view === 'feedback' && typeof query['q'] === 'string') payload.q = query['q'].slice(0, 200);
      answer = await this.hub.request(views[view as keyof typeof views], payload);
    } else {
      throw new ProblemException({ code: 'validation_failed', detail: 'unknown view', field: 'view' });
    }
    response.status(200).set({ 'Cache-Control': 'no-store' }).json(answer);
  }

  /** The live key of the request's session, or undefined (no, unknown, expired or ended session; revoked key). */
  private key(request: Request): Promise<AnyApiKeyRecord | undefined> {
    return this.sessions.find(readCookie(request.headers.cookie, dashboardCookie));
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      return value.length > 0 && value.length <= 200 ? value : undefined; // a session id is base64url: nothing to decode
    }
  }
  return undefined;
}

function cookie(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = request.secure || request.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${dashboardCookie}=${value}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function sendHtml(response: Response, status: number, html: string): void {
  response
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    })
    .send(html);
}
