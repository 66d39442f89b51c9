import { IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { OnDomain, uuidPattern } from './command-fields';
import type { RefundRequestView } from './refund-model';

/** `GetRefundRequest`: one request of the domain; another domain's request is `refund_not_found`. */
export class GetRefundRequestQuery extends OnDomain {
  @IsString() @Matches(uuidPattern, { message: 'refundRequestId must be a UUID' })
  refundRequestId!: string;
}

/** `refunds.queries.get-refund-request.v1`: request/reply, queue group `refunds`. */
export const GetRefundRequestMessage = defineMessage<GetRefundRequestQuery, RefundRequestView>()({ name: 'refunds.queries.get-refund-request.v1', kind: 'query', validate: strictly(GetRefundRequestQuery) });
