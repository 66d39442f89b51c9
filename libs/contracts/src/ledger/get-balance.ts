import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';

/** `GetBalance` query, request/reply on `ledger.queries.get-balance.v1`. */
export class GetBalanceQuery {
  @NormalizedEmail()
  @IsEmail()
  @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsOptional()
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain?: string;
}

/** One lot of a customer, as shown to builders and support. */
export interface LotView {
  lotId: string;
  kind: 'purchased' | 'granted';
  domain: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsRemaining: number;
  /** Price paid for the lot, integer minor units; null when the lot was bought on another domain than the one asking. */
  amountMinor: number | null;
  currency: string | null;
  scopeDomain: string | null;
  expiresAt: string | null;
  acquiredAt: string;
}

/** Answer to GetBalance. `balance` counts credits spendable on `domain` when one was given. */
export interface BalanceView {
  email: string;
  balance: number;
  lots: LotView[];
}

/** `ledger.queries.get-balance.v1`: request/reply, queue group `ledger`. */
export const GetBalanceMessage = defineMessage<GetBalanceQuery, BalanceView>()({ name: 'ledger.queries.get-balance.v1', kind: 'query', validate: strictly(GetBalanceQuery) });
