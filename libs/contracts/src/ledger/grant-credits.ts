import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { CustomerOnDomain, idMessage, idPattern } from './command-fields';

/** `GrantCredits`: a lot given by a domain (promotion, goodwill, correction). Idempotent on `grantId`. */
export class GrantCreditsCommand extends CustomerOnDomain {
  @Type(() => Number) @IsInt() @Min(1) @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsString() @Matches(idPattern, { message: `grantId ${idMessage}` })
  grantId!: string;

  @IsString() @Length(1, 500)
  reason!: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(-1000) @Max(1000)
  priority?: number;

  @IsOptional() @IsISO8601({ strict: true })
  expiresAt?: string;

  /** Restrict the lot to the granting domain (`scope: domain`); default: usable across the portfolio. */
  @IsOptional() @IsIn(['portfolio', 'domain'])
  scope?: 'portfolio' | 'domain';

  /** `plan`: a subscription period's credits (billing); `manual` otherwise. */
  @IsOptional() @IsIn(['manual', 'plan'])
  source?: 'manual' | 'plan';

  @IsOptional() @IsString() @MaxLength(200)
  subscriptionId?: string;
}

/** Answer to GrantCredits. */
export interface GrantCreditsResult {
  lotId: string;
  eventId: string | null;
  balance: number;
  repeated: boolean;
}

/** `ledger.commands.grant-credits.v1`: request/reply, queue group `ledger`. */
export const GrantCreditsMessage = defineMessage<GrantCreditsCommand, GrantCreditsResult>()({ name: 'ledger.commands.grant-credits.v1', kind: 'command', validate: strictly(GrantCreditsCommand) });
