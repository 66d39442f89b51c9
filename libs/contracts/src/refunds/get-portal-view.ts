import { IsString, Length } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { RefundLimits } from './refund-model';
import type { PortalView } from './refund-model';

/** `GetPortalView`: everything the portal page shows, for the customer and domain the token names. */
export class GetPortalViewQuery {
  @IsString() @Length(1, RefundLimits.tokenLengthMax)
  token!: string;
}

/** `refunds.queries.get-portal-view.v1`: request/reply, queue group `refunds`. */
export const GetPortalViewMessage = defineMessage<GetPortalViewQuery, PortalView>()({ name: 'refunds.queries.get-portal-view.v1', kind: 'query', validate: strictly(GetPortalViewQuery) });
