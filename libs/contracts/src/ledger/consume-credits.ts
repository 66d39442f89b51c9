import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';

/**
 * `ConsumeCredits` command, request/reply on `ledger.commands.consume-credits.v1`.
 * `credits` is the positive number of credits to spend (the REST API's `deltaCredits` negated).
 * Idempotency key: `(domain, referenceId)`.
 */
export class ConsumeCreditsCommand {
  @NormalizedEmail()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  @Matches(/^[a-z0-9.-]+$/i, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;

  @Type(() => Number)
  @IsInt({ message: 'credits must be a whole number' })
  @Min(1)
  @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'actionType must be 1-64 letters, digits or _.:-' })
  actionType!: string;

  @IsString()
  @Length(1, Limits.referenceIdLengthMax)
  referenceId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  correlationId?: string;

  /**
   * The W3C `traceparent` of the gateway's span of this consume, in a coalesced batch (tracing
   * on: docs/operations.md, "Traces"); the ledger ignores a malformed one.
   */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  traceparent?: string;
}

/** Answer to ConsumeCredits: the balance after, the event id, and whether this was a repeat. */
export interface ConsumeCreditsResult {
  balance: number;
  eventId: string;
  /** True when this answer is the first answer to an identical earlier request (no new event). */
  repeated: boolean;
}

/** `ledger.commands.consume-credits.v1`: request/reply, queue group `ledger`. */
export const ConsumeCreditsMessage = defineMessage<ConsumeCreditsCommand, ConsumeCreditsResult>()({ name: 'ledger.commands.consume-credits.v1', kind: 'command', validate: strictly(ConsumeCreditsCommand) });
