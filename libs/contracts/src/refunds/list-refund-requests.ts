import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { RefundCategories, RefundCategory, RefundLimits, RefundStatus, RefundStatuses } from './refund-model';
import { OnDomain } from './command-fields';
import type { RefundRequestPage } from './refund-model';

/** `ListRefundRequests`: a domain's refund requests, newest first, cursor-paginated, filtered. */
export class ListRefundRequestsQuery extends OnDomain {
  /** Only requests created at or after this time (ISO-8601). */
  @IsOptional() @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time such as 2026-11-01T00:00:00Z' })
  since?: string;

  @IsOptional() @IsIn(RefundStatuses, { message: `status must be one of ${RefundStatuses.join(', ')}` })
  status?: RefundStatus;

  @IsOptional() @IsIn(RefundCategories, { message: `category must be one of ${RefundCategories.join(', ')}` })
  category?: RefundCategory;

  /** Opaque cursor from the previous page's `nextCursor`. */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(RefundLimits.pageSizeMax)
  limit?: number;
}

/** `refunds.queries.list-refund-requests.v1`: request/reply, queue group `refunds`. */
export const ListRefundRequestsMessage = defineMessage<ListRefundRequestsQuery, RefundRequestPage>()({ name: 'refunds.queries.list-refund-requests.v1', kind: 'query', validate: strictly(ListRefundRequestsQuery) });
