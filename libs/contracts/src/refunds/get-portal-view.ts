import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { RefundCategories, RefundCategory, RefundKind, RefundKinds, RefundLimits, RefundStatus, RefundStatuses } from './refund-model';
import { feedbackLength, idPattern, OnDomain, uuidPattern } from './command-fields';
import type { PortalView } from './refund-model';

/** `GetPortalView`: everything the portal page shows, for the customer and domain the token names. */
export class GetPortalViewQuery {
  @IsString() @Length(1, RefundLimits.tokenLengthMax)
  token!: string;
}

/** `refunds.queries.get-portal-view.v1`: request/reply, queue group `refunds`. */
export const GetPortalViewMessage = defineMessage<GetPortalViewQuery, PortalView>()({ name: 'refunds.queries.get-portal-view.v1', kind: 'query', validate: strictly(GetPortalViewQuery) });
