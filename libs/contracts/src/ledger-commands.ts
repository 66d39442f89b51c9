import { NormalizedEmail, NormalizedDomain } from './normalize';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from './customer';
import type { Reply } from './errors';

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

/**
 * Many consumes in one request/reply on `ledger.commands.consume-credits-batch.v1` (the gateway
 * coalesces concurrent consumes, and the batch API sends its items): `{commands}`, each a
 * `ConsumeCreditsCommand` validated on its own, at most `consumeBatchSizeMax`. The reply is
 * `Reply<ConsumeCreditsBatchResult>`: one `Reply<ConsumeCreditsResult>` per command, by index
 * (after TigerBeetle's `create_transfers` results), never all-or-nothing.
 */
export interface ConsumeCreditsBatchCommand {
  commands: unknown[];
}

/** Answer to a consume batch: `results[i]` answers `commands[i]`. */
export interface ConsumeCreditsBatchResult {
  results: Reply<ConsumeCreditsResult>[];
}

/** Most consumes in one batch request (REST batch API and the NATS batch subject). */
export const consumeBatchSizeMax = 1000;

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
