import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { consumeBatchSizeMax, Limits } from '@credit-hub/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsObject, IsString, Length, Matches, Max, Min } from 'class-validator';
import { DomainField, EmailField } from '../http/fields';

/** `POST /api/portfolio/credits/consume`: the seed's `consumeCredits`. */
export class ConsumeCreditsRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  /** Negative: -1 spends one credit. No conversion: `"-1"` (a string) is refused like 0 or 1.5. */
  @ApiProperty({
    description: 'Credits to spend, negative: -1 consumes one credit',
    example: -1,
    type: 'integer',
    maximum: -1,
    minimum: -Limits.creditsPerCommandMax,
  })
  @IsInt({ message: 'deltaCredits must be a negative whole number such as -1' })
  @Max(-1, { message: 'deltaCredits must be a negative whole number such as -1' })
  @Min(-Limits.creditsPerCommandMax, { message: `deltaCredits must be at least -${Limits.creditsPerCommandMax}` })
  deltaCredits!: number;

  @ApiProperty({ description: 'What the credits paid for (analytics groups usage by it)', example: 'ai_generation' })
  @IsString({ message: 'actionType must be a string' })
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'actionType must be 1-64 letters, digits or _.:-' })
  actionType!: string;

  @ApiProperty({
    description: 'Idempotency key within the domain: the same referenceId again returns the first answer',
    example: 'gen_abc123',
    maxLength: Limits.referenceIdLengthMax,
  })
  @IsString({ message: 'referenceId must be a string' })
  @Length(1, Limits.referenceIdLengthMax, { message: `referenceId must be 1-${Limits.referenceIdLengthMax} characters` })
  referenceId!: string;
}

/** The balance after a consumption. */
export class ConsumeCreditsResponse {
  @ApiProperty({ type: 'integer', description: 'Balance after the consumption, credits', example: 2 })
  balance!: number;

  @ApiProperty({ description: 'Id of the CreditsConsumed event', format: 'uuid' })
  eventId!: string;

  @ApiProperty({ description: 'True when this repeats an earlier identical request (nothing new was spent)', example: false })
  repeated!: boolean;
}

/** `GET /api/portfolio/credits/balance` query. */
export class BalanceRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: true })
  domain?: string;
}

/** One lot of credits of the customer. */
export class LotResponse {
  @ApiProperty({ format: 'uuid' }) lotId!: string;
  @ApiProperty({ enum: ['purchased', 'granted'] }) kind!: 'purchased' | 'granted';
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ type: String, nullable: true, example: 'starter_3' }) offeringId!: string | null;
  @ApiProperty({ type: 'integer', example: 3 }) creditsInitial!: number;
  @ApiProperty({ type: 'integer', example: 2 }) creditsRemaining!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Price paid for the lot, integer minor units; null (with currency and offeringId) for a lot bought on another domain', example: 500 }) amountMinor!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'usd' }) currency!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Only spendable on this domain when set' }) scopeDomain!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) acquiredAt!: string;
}

/** The customer's spendable balance on the domain, and the lots it is made of. */
export class BalanceResponse {
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ type: 'integer', description: 'Credits spendable on the domain', example: 2 }) balance!: number;
  @ApiProperty({ type: [LotResponse] }) lots!: LotResponse[];
}

/**
 * `POST /api/portfolio/credits/consume/batch`: up to 1,000 consumes, each the body of
 * `POST /api/portfolio/credits/consume`, validated and decided on its own (never all-or-nothing).
 * The request as a whole is refused (400) when `items` is not an array of 1-1,000 objects.
 */
export class ConsumeBatchRequest {
  @ApiProperty({
    description: `The consumes, in order (1-${consumeBatchSizeMax}); each is idempotent by its own (domain, referenceId)`,
    type: [ConsumeCreditsRequest],
    minItems: 1,
    maxItems: consumeBatchSizeMax,
  })
  @IsArray({ message: 'items must be an array of consumes' })
  @ArrayMinSize(1, { message: 'items must hold at least one consume' })
  @ArrayMaxSize(consumeBatchSizeMax, { message: `items must hold at most ${consumeBatchSizeMax} consumes` })
  @IsObject({ each: true, message: 'each item must be a consume object {email, domain, deltaCredits, actionType, referenceId}' })
  items!: unknown[];
}

/** The result of one item of a consume batch, at its index: accepted, repeated, or refused with its problem. */
export class ConsumeBatchItemResult {
  @ApiProperty({ description: 'Index of the item in the request', example: 0 })
  index!: number;

  @ApiProperty({ enum: ['accepted', 'repeated', 'refused'], description: 'accepted: spent now; repeated: the first answer to an identical earlier consume; refused: see code' })
  outcome!: 'accepted' | 'repeated' | 'refused';

  @ApiPropertyOptional({ description: 'Balance after the consumption, credits (accepted or repeated)', example: 2 })
  balance?: number;

  @ApiPropertyOptional({ description: 'Id of the CreditsConsumed event (accepted or repeated)', format: 'uuid' })
  eventId?: string;

  @ApiPropertyOptional({ description: 'The problem code of a refused item, as the single consume would answer it', example: 'insufficient_credits' })
  code?: string;

  @ApiPropertyOptional({ description: 'The HTTP status the single consume would have answered for a refused item', example: 402 })
  status?: number;

  @ApiPropertyOptional({ description: 'Why the item was refused' })
  detail?: string;

  @ApiPropertyOptional({ description: 'The offending field of a refused item', example: 'deltaCredits' })
  field?: string;

  @ApiPropertyOptional({ description: 'Whether the same item may succeed later (refused items)', example: false })
  retryable?: boolean;
}

/** Answer of a consume batch: one result per item, in order, and the counts by outcome. */
export class ConsumeBatchResponse {
  @ApiProperty({ type: [ConsumeBatchItemResult] })
  results!: ConsumeBatchItemResult[];

  @ApiProperty({ example: 98 })
  accepted!: number;

  @ApiProperty({ example: 1 })
  repeated!: number;

  @ApiProperty({ example: 1 })
  refused!: number;
}
