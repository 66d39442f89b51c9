import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BalanceView,
  ConsumeCreditsCommand,
  GetBalanceQuery,
  ErrorCode,
  ErrorCodes,
  LedgerSubjects,
  normalizeDomain,
  normalizeEmail,
  validatePayload,
} from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { compiledInput } from '../http/compiled-validation';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import {
  BalanceRequest, BalanceResponse, ConsumeBatchItemResult, ConsumeBatchRequest, ConsumeBatchResponse, ConsumeCreditsRequest, ConsumeCreditsResponse,
} from './credits.dto';

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
    const result = await this.hub.consume(command);
    return { balance: result.balance, eventId: result.eventId, repeated: result.repeated };
  }

  /**
   * Many consumes in one request (after Lago's `POST /events/batch` and TigerBeetle's
   * `create_transfers`): each item is validated, checked against the key's domain and decided on
   * its own, idempotent by its own `(domain, referenceId)`; the answer has one result per item in
   * order: accepted, repeated (the first answer) or refused with the problem code the single
   * consume would answer. Never all-or-nothing: 200 whatever the items' outcomes. The valid items
   * go to the ledger in one NATS message (one or a few ledger transactions). 503 when the ledger
   * cannot be reached (nothing is known to be spent: retry the same batch, idempotently).
   */
  @Post('consume/batch')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'consumeMany',
    summary: 'Consume credits for many requests at once',
    description: 'Up to 1,000 consumes in one request, one result per item in order: accepted, repeated (the first answer) or refused with the problem code the single consume would answer. Each item is idempotent on its own domain + referenceId; never all-or-nothing (200 whatever the items\' outcomes). 400 for the whole request when items is not an array of 1-1,000 objects.',
  })
  @ApiOkResponse({ type: ConsumeBatchResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'payload_too_large', 'service_unavailable')
  async consumeBatch(@Body() body: ConsumeBatchRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<ConsumeBatchResponse> {
    const results: ConsumeBatchItemResult[] = new Array(body.items.length);
    const valid: { index: number; command: ConsumeCreditsCommand }[] = [];
    body.items.forEach((item, index) => {
      const accepted = compiledInput(ConsumeCreditsRequest, item);
      const validated = accepted ? { ok: true as const, value: accepted } : validatePayload(ConsumeCreditsRequest, item);
      if (!validated.ok) {
        results[index] = refusedItem(index, validated.refusal.code, validated.refusal.detail, validated.refusal.field);
        return;
      }
      const request = validated.value;
      const domain = normalizeDomain(request.domain);
      if (domain !== key.domain) {
        results[index] = refusedItem(index, 'forbidden_domain', `This API key acts for ${key.domain} only`, 'domain');
        return;
      }
      valid.push({ index, command: { email: normalizeEmail(request.email), domain, credits: -request.deltaCredits, actionType: request.actionType, referenceId: request.referenceId } });
    });
    const replies = await this.hub.consumeMany(valid.map((v) => v.command));
    replies.forEach((reply, i) => {
      const index = valid[i].index;
      if (reply.ok) results[index] = { index, outcome: reply.value.repeated ? 'repeated' : 'accepted', balance: reply.value.balance, eventId: reply.value.eventId };
      else {
        const code = Object.hasOwn(ErrorCodes, reply.refusal.code) ? reply.refusal.code : 'internal_error';
        results[index] = refusedItem(index, code, reply.refusal.detail ?? ErrorCodes[code].title, reply.refusal.field);
      }
    });
    const count = (outcome: ConsumeBatchItemResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
    return { results, accepted: count('accepted'), repeated: count('repeated'), refused: count('refused') };
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

/** A refused item of a consume batch: the problem the single consume would answer, without `type`/`instance`. */
function refusedItem(index: number, code: ErrorCode, detail: string, field?: string): ConsumeBatchItemResult {
  const known = ErrorCodes[code];
  return { index, outcome: 'refused', code, status: known.status, detail, ...(field !== undefined ? { field } : {}), retryable: known.retryable };
}
