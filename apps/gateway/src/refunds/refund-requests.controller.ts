import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  GetRefundRequestQuery,
  ListRefundRequestsQuery,
  RefundCategory,
  RefundRequestPage,
  RefundRequestView,
  RefundsSubjects,
  RefundStatus,
  ReviewRefundCommand,
} from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { ListRefundRequestsRequest, RefundRequestPageResponse, RefundRequestResponse, ReviewRefundRequest } from './refund-requests.dto';

/** An id that is not a UUID names no refund request: the same 404 as a missing one. */
const refundIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => new ProblemException({ code: 'refund_not_found', detail: 'No such refund request' }),
});

/**
 * The builder's side of refunds: the requests of the key's domain with their feedback. A key sees
 * only its own domain's requests; another domain's request is a 404, exactly like a missing one.
 */
@ApiTags('refunds')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/refund/requests')
export class RefundRequestsController {
  constructor(private readonly hub: HubClient) {}

  @Get()
  @ApiOperation({ operationId: 'getRefundRequests', summary: 'List refund requests', description: 'Refund requests of the domain with their structured feedback, newest first. Cursor-paginated: pass `nextCursor` as `cursor` for the next page.' })
  @ApiOkResponse({ type: RefundRequestPageResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  list(@Query() query: ListRefundRequestsRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<RefundRequestPage> {
    const request: ListRefundRequestsQuery = { domain: key.domain };
    if (query.since !== undefined) request.since = query.since;
    if (query.status !== undefined) request.status = query.status as RefundStatus;
    if (query.category !== undefined) request.category = query.category as RefundCategory;
    if (query.cursor !== undefined) request.cursor = query.cursor;
    if (query.limit !== undefined) request.limit = query.limit;
    return this.hub.request<RefundRequestPage>(RefundsSubjects.listRefundRequests, request);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getRefundRequest', summary: 'Read a refund request', description: 'One refund request of the domain, with its feedback and where its saga stands.' })
  @ApiOkResponse({ type: RefundRequestResponse })
  @ApiProblems('unauthorized', 'refund_not_found', 'service_unavailable')
  get(@Param('id', refundIdPipe) id: string, @CurrentApiKey() key: ApiKeyRecord): Promise<RefundRequestView> {
    const query: GetRefundRequestQuery = { domain: key.domain, refundRequestId: id.toLowerCase() };
    return this.hub.request<RefundRequestView>(RefundsSubjects.getRefundRequest, query);
  }

  @Post(':id/review')
  @HttpCode(200)
  @ApiOperation({ operationId: 'reviewRefundRequest', summary: 'Review a held refund', description: 'Approve or deny a refund the domain\'s policy held for review; a request that is not held is 409.' })
  @ApiOkResponse({ type: RefundRequestResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'refund_not_found', 'refund_not_allowed', 'service_unavailable')
  review(@Param('id', refundIdPipe) id: string, @Body() body: ReviewRefundRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<RefundRequestView> {
    const command: ReviewRefundCommand = { domain: key.domain, refundRequestId: id.toLowerCase(), decision: body.decision };
    return this.hub.request<RefundRequestView>(RefundsSubjects.reviewRefund, command);
  }
}
