import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CaptureReservationCommand, GetHistoryQuery, GrantCreditsCommand, GrantCreditsResult, HistoryPage, LedgerSubjects, normalizeDomain,
  normalizeEmail, ReleaseReservationCommand, ReservationView, ReserveCreditsCommand,
} from '@credit-hub/contracts';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import {
  CaptureReservationRequest, GrantCreditsRequest, GrantCreditsResponse, HistoryPageResponse, HistoryRequest, ReleaseReservationRequest,
  ReservationPath, ReservationResponse, ReserveCreditsRequest,
} from './credit-ledger.dto';

/** What the ledger's capture and release handlers take: the contract plus the email of the account to lock. */
type OnAccount<C> = C & { email: string };

/**
 * Holds, grants and history: each endpoint builds the ledger's command from the body and forwards
 * it; the ledger decides, and its refusals come back as problem+json through HubClient. The key's
 * domain is enforced by ApiKeyGuard before anything is forwarded.
 */
@ApiTags('credits')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/portfolio/credits')
export class CreditLedgerController {
  constructor(private readonly hub: HubClient) {}

  @Post('reservations')
  @ApiOperation({ operationId: 'reserveCredits', summary: 'Hold credits', description: 'Hold credits for a long job (idempotent on domain + referenceId: 201 for a new hold, 200 with `repeated: true` for the same referenceId again); capture or release it later, or the ledger releases it at expiresAt. A hold shares the referenceId space of consumptions on its domain.' })
  @ApiCreatedResponse({ type: ReservationResponse, description: 'A new hold' })
  @ApiOkResponse({ type: ReservationResponse, description: 'The hold this referenceId already made (`repeated: true`)' })
  @ApiProblems('validation_failed', 'unauthorized', 'insufficient_credits', 'payment_past_due', 'forbidden_domain', 'account_frozen', 'reference_conflict', 'payload_too_large', 'service_unavailable')
  async reserve(@Body() body: ReserveCreditsRequest, @Res({ passthrough: true }) response: FastifyReply): Promise<ReservationView> {
    const command: ReserveCreditsCommand = {
      email: normalizeEmail(body.email),
      domain: normalizeDomain(body.domain),
      credits: body.credits,
      referenceId: body.referenceId,
      ttlSeconds: body.ttlSeconds,
    };
    const view = await this.hub.request<ReservationView>(LedgerSubjects.reserveCredits, command);
    response.status(view.repeated ? 200 : 201);
    return view;
  }

  @Post('reservations/:reservationId/capture')
  @HttpCode(200)
  @ApiOperation({ operationId: 'captureReservation', summary: 'Capture a hold', description: 'Spend up to the reserved credits; the rest of the hold is released (idempotent: the same capture again answers the same). `email` names the account the hold belongs to.' })
  @ApiOkResponse({ type: ReservationResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'reservation_not_found', 'reservation_closed', 'capture_exceeds_reservation', 'payload_too_large', 'service_unavailable')
  capture(@Param() path: ReservationPath, @Body() body: CaptureReservationRequest): Promise<ReservationView> {
    const command: OnAccount<CaptureReservationCommand> = {
      email: normalizeEmail(body.email),
      reservationId: path.reservationId,
      domain: normalizeDomain(body.domain),
      credits: body.credits,
      ...(body.actionType === undefined ? {} : { actionType: body.actionType }),
    };
    return this.hub.request<ReservationView>(LedgerSubjects.captureReservation, command);
  }

  @Post('reservations/:reservationId/release')
  @HttpCode(200)
  @ApiOperation({ operationId: 'releaseReservation', summary: 'Release a hold', description: 'Give a hold back (idempotent: releasing a released or expired hold answers it again).' })
  @ApiOkResponse({ type: ReservationResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'reservation_not_found', 'reservation_closed', 'payload_too_large', 'service_unavailable')
  release(@Param() path: ReservationPath, @Body() body: ReleaseReservationRequest): Promise<ReservationView> {
    const command: OnAccount<ReleaseReservationCommand> = {
      email: normalizeEmail(body.email),
      reservationId: path.reservationId,
      domain: normalizeDomain(body.domain),
    };
    return this.hub.request<ReservationView>(LedgerSubjects.releaseReservation, command);
  }

  @Post('grants')
  @ApiOperation({ operationId: 'grantCredits', summary: 'Grant credits', description: 'Give credits to a customer: promotion, goodwill, manual correction with a reason (idempotent on grantId: 201 for a new lot, 200 for a grantId granted before). `scope: domain` makes them spendable only on the granting domain.' })
  @ApiCreatedResponse({ type: GrantCreditsResponse, description: 'A new lot' })
  @ApiOkResponse({ type: GrantCreditsResponse, description: 'This grantId was granted before (`repeated: true`)' })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'payload_too_large', 'service_unavailable')
  async grant(@Body() body: GrantCreditsRequest, @Res({ passthrough: true }) response: FastifyReply): Promise<GrantCreditsResult> {
    const command: GrantCreditsCommand = {
      email: normalizeEmail(body.email),
      domain: normalizeDomain(body.domain),
      credits: body.credits,
      grantId: body.grantId,
      reason: body.reason,
      ...(body.priority === undefined ? {} : { priority: body.priority }),
      ...(body.expiresAt === undefined ? {} : { expiresAt: body.expiresAt }),
      ...(body.scope === undefined ? {} : { scope: body.scope }),
    };
    const result = await this.hub.request<GrantCreditsResult>(LedgerSubjects.grantCredits, command);
    response.status(result.repeated ? 200 : 201);
    return result;
  }

  @Get('history')
  @ApiOperation({ operationId: 'getHistory', summary: 'Read a customer\'s credit history', description: 'The customer\'s events on the key\'s domain and account-wide ones, newest first, each with the balance after it. Cursor-paginated: pass `nextCursor` as `cursor` for the older page; `nextCursor` is null on the last page.' })
  @ApiOkResponse({ type: HistoryPageResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  history(@Query() query: HistoryRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<HistoryPage> {
    const request: GetHistoryQuery = { email: normalizeEmail(query.email), domain: key.domain };
    if (query.cursor !== undefined) request.cursor = query.cursor;
    if (query.limit !== undefined) request.limit = query.limit;
    return this.hub.request<HistoryPage>(LedgerSubjects.getHistory, request);
  }
}
