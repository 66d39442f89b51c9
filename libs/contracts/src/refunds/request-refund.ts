import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { RefundCategories, RefundCategory, RefundKind, RefundKinds, RefundLimits } from './refund-model';
import { feedbackLength, idPattern } from './command-fields';
import type { RequestRefundResult } from './refund-model';
import { GetPortalViewQuery } from './get-portal-view';

/**
 * `RequestRefund`: the customer's refund request with its structured feedback. Idempotent on
 * `(customer, domain, requestKey)`: the portal form carries a fresh `requestKey`, so a double
 * submit is one request. `lotId` names the purchase of a money refund.
 */
export class RequestRefundCommand extends GetPortalViewQuery {
  @IsString() @Matches(idPattern, { message: 'requestKey must be 1-200 letters, digits or _.:-' })
  requestKey!: string;

  @IsIn(RefundKinds, { message: `kind must be one of ${RefundKinds.join(', ')}` })
  kind!: RefundKind;

  @IsOptional() @IsString() @Matches(idPattern, { message: 'lotId must be 1-200 letters, digits or _.:-' })
  lotId?: string;

  @IsString() @Length(1, RefundLimits.feedbackLengthMax, feedbackLength('tried'))
  tried!: string;

  @IsString() @Length(1, RefundLimits.feedbackLengthMax, feedbackLength('didNotWork'))
  didNotWork!: string;

  @IsString() @Length(1, RefundLimits.feedbackLengthMax, feedbackLength('wouldBringBack'))
  wouldBringBack!: string;

  @IsIn(RefundCategories, { message: `category must be one of ${RefundCategories.join(', ')}` })
  category!: RefundCategory;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'rating must be a whole number from 1 to 5' })
  @Min(RefundLimits.ratingMin, { message: 'rating must be a whole number from 1 to 5' })
  @Max(RefundLimits.ratingMax, { message: 'rating must be a whole number from 1 to 5' })
  rating?: number;
}

/** `refunds.commands.request-refund.v1`: request/reply, queue group `refunds`. */
export const RequestRefundMessage = defineMessage<RequestRefundCommand, RequestRefundResult>()({ name: 'refunds.commands.request-refund.v1', kind: 'command', validate: strictly(RequestRefundCommand) });
