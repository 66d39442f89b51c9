import { ApiProperty } from '@nestjs/swagger';
import { Limits } from '@credit-hub/contracts';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
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
