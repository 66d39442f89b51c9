import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { RefundCategories, RefundCategory, RefundKind, RefundKinds, RefundLimits, RefundStatus, RefundStatuses } from './refund-model';
import { feedbackLength, idPattern, OnDomain, uuidPattern } from './command-fields';
import type { RefundRequestView } from './refund-model';

/** `GetRefundRequest`: one request of the domain; another domain's request is `refund_not_found`. */
export class GetRefundRequestQuery extends OnDomain {
  @IsString() @Matches(uuidPattern, { message: 'refundRequestId must be a UUID' })
  refundRequestId!: string;
}

/** `refunds.queries.get-refund-request.v1`: request/reply, queue group `refunds`. */
export const GetRefundRequestMessage = defineMessage<GetRefundRequestQuery, RefundRequestView>()({ name: 'refunds.queries.get-refund-request.v1', kind: 'query', validate: strictly(GetRefundRequestQuery) });
