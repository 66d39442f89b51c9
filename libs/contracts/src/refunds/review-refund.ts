import { IsIn } from 'class-validator';
import { defineMessage, strictly } from '../message';
import type { RefundRequestView } from './refund-model';
import { GetRefundRequestQuery } from './get-refund-request';

/** `ReviewRefund`: a builder's decision on a request held for review. Idempotent per decision. */
export class ReviewRefundCommand extends GetRefundRequestQuery {
  @IsIn(['approve', 'deny'], { message: 'decision must be approve or deny' })
  decision!: 'approve' | 'deny';
}

/** `refunds.commands.review-refund.v1`: request/reply, queue group `refunds`. */
export const ReviewRefundMessage = defineMessage<ReviewRefundCommand, RefundRequestView>()({ name: 'refunds.commands.review-refund.v1', kind: 'command', validate: strictly(ReviewRefundCommand) });
