import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';

/** `GetHistory`: the customer's events, newest first, cursor-paginated. */
export class GetHistoryQuery {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  /** Only events on this domain (and account-wide ones such as purchases from any domain if `includeAll`). */
  @IsOptional() @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  domain?: string;

  /** Opaque cursor from the previous page (the stream version to continue below). */
  @IsOptional() @IsString() @Matches(/^v\d{1,10}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
}

/** One line of a customer's history, with the balance after it. */
export interface HistoryItem {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  domain: string | null;
  /** Signed change of the balance (credits). */
  creditsDelta: number;
  balanceAfter: number;
  referenceId: string | null;
  actionType: string | null;
  details: Record<string, unknown>;
}

/** A page of history. */
export interface HistoryPage {
  email: string;
  items: HistoryItem[];
  nextCursor: string | null;
}

/** `ledger.queries.get-history.v1`: request/reply, queue group `ledger`. */
export const GetHistoryMessage = defineMessage<GetHistoryQuery, HistoryPage>()({ name: 'ledger.queries.get-history.v1', kind: 'query', validate: strictly(GetHistoryQuery) });
