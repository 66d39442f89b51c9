import { Controller, Get, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import {
  ErrorCodes,
  PortalView,
  RefundLimits,
  RefundsSubjects,
  RequestRefundCommand,
  RequestRefundResult,
} from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { FastifyReply as Response, FastifyRequest as Request } from 'fastify';
import { HubClient } from '../nats/hub-client';
import { readRefundForm, RefundFormField, RefundFormValues } from './portal-form';
import { formatMoney, RefundFormContext, renderMessage, renderOverview, renderRefundForm, renderRefundResult } from './portal.html';

/** The brand of pages shown when the link itself is bad (we do not know whose it was). */
const unknownBrand = { displayName: 'Refunds' };

/**
 * The customer's refund portal: HTML pages at `/portal/{token}`. The token (from
 * `POST /api/portal/sessions`) is the only credential: it names the customer and the domain, and
 * the refunds service checks it on every request, so there is no cookie to steal or to ride
 * (CSRF): a form posted from elsewhere would need the token. The gateway renders and forwards.
 */
@ApiExcludeController()
@Controller('portal')
export class PortalController {
  private readonly logger = new Logger('Portal');

  constructor(private readonly hub: HubClient) {}

  @Get(':token')
  async overview(@Param('token') token: string, @Res() response: Response): Promise<void> {
    const view = await this.view(token, response);
    if (view) send(response, 200, renderOverview(token, view));
  }

  @Get(':token/refunds/new')
  async form(@Param('token') token: string, @Query('kind') kind: unknown, @Query('lotId') lotId: unknown, @Res() response: Response): Promise<void> {
    const view = await this.view(token, response);
    if (!view) return;
    const context = formContext(view, kind === 'money' ? 'money' : 'credits', typeof lotId === 'string' ? lotId : '');
    if ('refused' in context) return send(response, 409, renderMessage(view.branding, 'No refund available', context.refused, portalPath(token)));
    const values: RefundFormValues = { requestKey: randomUUID(), kind: context.kind, lotId: context.lotId, tried: '', didNotWork: '', wouldBringBack: '', category: '', rating: '' };
    send(response, 200, renderRefundForm(token, view.branding, context, values));
  }

  @Post(':token/refunds')
  async submit(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const parsed = readRefundForm(request.body);
    if (!parsed.ok) return this.formAgain(token, response, parsed.values, parsed.errors);
    const command: RequestRefundCommand = { token, ...parsed.form };
    let result: RequestRefundResult;
    try {
      result = await this.hub.request<RequestRefundResult>(RefundsSubjects.requestRefund, command);
    } catch (error) {
      const refusal = error instanceof ProblemException ? error.refusal : undefined;
      if (refusal?.code === 'validation_failed' && refusal.field && ['tried', 'didNotWork', 'wouldBringBack', 'category', 'rating'].includes(refusal.field)) {
        return this.formAgain(token, response, parsed.values, { [refusal.field]: refusal.detail });
      }
      return this.failure(token, response, error);
    }
    send(response, 200, renderRefundResult(token, result));
  }

  /** The form again, with the customer's answers and what is wrong with them (400). */
  private async formAgain(token: string, response: Response, values: RefundFormValues, errors: Partial<Record<RefundFormField, string>>): Promise<void> {
    const view = await this.view(token, response);
    if (!view) return;
    const context = formContext(view, values.kind, values.lotId);
    if ('refused' in context) return send(response, 409, renderMessage(view.branding, 'No refund available', context.refused, portalPath(token)));
    if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(values.requestKey)) values.requestKey = randomUUID();
    send(response, 400, renderRefundForm(token, view.branding, context, values, errors));
  }

  /** The portal view, or undefined after an error page was sent. */
  private async view(token: string, response: Response): Promise<PortalView | undefined> {
    if (token.length > RefundLimits.tokenLengthMax) {
      send(response, 403, renderMessage(unknownBrand, 'This link does not work', 'This refund link is not valid. Ask the product you came from for a new one.'));
      return undefined;
    }
    try {
      return await this.hub.request<PortalView>(RefundsSubjects.getPortalView, { token });
    } catch (error) {
      this.failure(token, response, error);
      return undefined;
    }
  }

  /** An error as a page: a bad link, a refused refund (with the reason), or an outage. */
  private failure(token: string, response: Response, error: unknown): void {
    if (!(error instanceof ProblemException)) {
      this.logger.error(`portal failed: ${(error as Error).message}`, (error as Error).stack);
      return send(response, 500, renderMessage(unknownBrand, 'Something went wrong', 'Please try again in a moment.'));
    }
    const { code, detail } = error.refusal;
    for (const [name, value] of Object.entries(error.headers)) response.header(name, value);
    if (code === 'portal_link_invalid') {
      return send(response, 403, renderMessage(unknownBrand, 'This link does not work', `${detail}. Ask the product you came from for a new refund link.`));
    }
    if (code === 'service_unavailable' || code === 'internal_error') {
      return send(response, ErrorCodes[code].status, renderMessage(unknownBrand, 'Refunds are unavailable for a moment', 'Please try again in a minute. Nothing was refunded twice: sending the form again is safe.', portalPath(token)));
    }
    send(response, ErrorCodes[code].status, renderMessage(unknownBrand, 'No refund available', detail, portalPath(token)));
  }
}

function portalPath(token: string): string {
  return `/portal/${encodeURIComponent(token)}`;
}

/** What the form offers, from the portal view; or why there is nothing to offer. */
function formContext(view: PortalView, kind: 'credits' | 'money', lotId: string): RefundFormContext | { refused: string } {
  if (kind === 'credits') {
    if (!view.creditRefund.available) return { refused: view.creditRefund.reason ?? 'No refund is available right now.' };
    const n = view.creditRefund.credits;
    return { kind, lotId: '', offer: `${n} credit${n === 1 ? '' : 's'} will be back in your balance as soon as you send this form.` };
  }
  const purchase = view.moneyRefunds.find((p) => p.lotId === lotId);
  if (!purchase) return { refused: 'That purchase cannot be refunded as money (any more). Your refund page shows what can.' };
  const amount = formatMoney(purchase.amountMinor, purchase.currency);
  return { kind, lotId, offer: `${amount} back to your card for the ${purchase.creditsUnused} unused credits of this purchase; those credits leave your balance.` };
}

/** Sends a page with the headers every portal page carries. */
function send(response: Response, status: number, html: string): void {
  response
    .status(status)
    .headers({
      'Content-Type': 'text/html; charset=utf-8',
      // No scripts at all; styles inline; forms post only here; never framed.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      // The token is in the URL: never send it on in a Referer, never cache the page.
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    })
    .send(html);
}
