import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { RefundCategories, RefundCategory, RefundKind, RefundKinds, RefundLimits, RefundStatus, RefundStatuses } from './refund-model';
import { feedbackLength, idPattern, OnDomain, uuidPattern } from './command-fields';
import type { RefundRequestView } from './refund-model';
import { GetRefundRequestQuery } from './get-refund-request';

/** `ReviewRefund`: a builder's decision on a request held for review. Idempotent per decision. */
export class ReviewRefundCommand extends GetRefundRequestQuery {
  @IsIn(['approve', 'deny'], { message: 'decision must be approve or deny' })
  decision!: 'approve' | 'deny';
}

/** `refunds.commands.review-refund.v1`: request/reply, queue group `refunds`. */
export const ReviewRefundMessage = defineMessage<ReviewRefundCommand, RefundRequestView>()({ name: 'refunds.commands.review-refund.v1', kind: 'command', validate: strictly(ReviewRefundCommand) });
