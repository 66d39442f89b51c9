import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Limits } from '@credit-hub/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { DomainField, EmailField } from '../http/fields';

/**
 * HTTP shapes of the ledger's deeper commands (holds, grants, history). The bounds are the ones of
 * the contracts the gateway forwards to (libs/contracts ledger/, one file per command), so what the edge
 * accepts the ledger accepts too. Numbers in bodies are not converted (`"5"` is refused); numbers
 * in query strings are (`limit=20`).
 */

const idPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
const actionTypePattern = /^[A-Za-z0-9_.:-]{1,64}$/;
const creditsMax = Limits.creditsPerCommandMax;
const ttlSecondsMax = 7 * 24 * 3600;

/** `POST /api/portfolio/credits/reservations`: hold credits for a long job. */
export class ReserveCreditsRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: 'Credits to hold (positive)', example: 5, type: 'integer', minimum: 1, maximum: creditsMax })
  @IsInt({ message: 'credits must be a positive whole number' })
  @Min(1, { message: 'credits must be a positive whole number' })
  @Max(creditsMax, { message: `credits must be at most ${creditsMax}` })
  credits!: number;

  @ApiProperty({
    description: 'Idempotency key within the domain, shared with consumptions: the same referenceId again returns the same reservation',
    example: 'job_7f3a',
    maxLength: Limits.referenceIdLengthMax,
  })
  @IsString({ message: 'referenceId must be a string' })
  @Length(1, Limits.referenceIdLengthMax, { message: `referenceId must be 1-${Limits.referenceIdLengthMax} characters` })
  referenceId!: string;

  @ApiProperty({ description: 'Seconds until the ledger releases the hold by itself if it is not captured (1 s to 7 days)', example: 600, type: 'integer', minimum: 1, maximum: ttlSecondsMax })
  @IsInt({ message: 'ttlSeconds must be a whole number of seconds' })
  @Min(1, { message: 'ttlSeconds must be at least 1' })
  @Max(ttlSecondsMax, { message: `ttlSeconds must be at most ${ttlSecondsMax} (7 days)` })
  ttlSeconds!: number;
}

/** Path of the capture and release endpoints. */
export class ReservationPath {
  @ApiProperty({ description: 'The reservationId returned by the reserve call', example: 'rsv_0b6f4c1e-9d1a-4a57-b0c4-5d2f2b8e7a10' })
  @IsString()
  @Matches(idPattern, { message: 'reservationId must be 1-200 letters, digits or _.:-' })
  reservationId!: string;
}

/**
 * `POST /api/portfolio/credits/reservations/{reservationId}/capture`. `email` is required: the
 * ledger keeps each customer's account as its own stream and locks it by email, so the
 * reservation id alone does not say which account to lock.
 */
export class CaptureReservationRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: 'Credits to spend, at most the credits reserved; the rest is released (0 releases everything)', example: 3, type: 'integer', minimum: 0, maximum: creditsMax })
  @IsInt({ message: 'credits must be a whole number' })
  @Min(0, { message: 'credits must be 0 or more' })
  @Max(creditsMax, { message: `credits must be at most ${creditsMax}` })
  credits!: number;

  @ApiPropertyOptional({ description: 'What the credits paid for (analytics groups usage by it); default `reservation`', example: 'video_render' })
  @IsOptional()
  @IsString({ message: 'actionType must be a string' })
  @Matches(actionTypePattern, { message: 'actionType must be 1-64 letters, digits or _.:-' })
  actionType?: string;
}

/** `POST /api/portfolio/credits/reservations/{reservationId}/release` (email: see capture). */
export class ReleaseReservationRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;
}

/** A hold on a customer's credits. */
export class ReservationResponse {
  @ApiProperty({ example: 'rsv_0b6f4c1e-9d1a-4a57-b0c4-5d2f2b8e7a10' }) reservationId!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ example: 'job_7f3a' }) referenceId!: string;
  @ApiProperty({ enum: ['active', 'captured', 'released', 'expired'], example: 'active' }) status!: 'active' | 'captured' | 'released' | 'expired';
  @ApiProperty({ type: 'integer', example: 5 }) creditsReserved!: number;
  @ApiProperty({ type: 'integer', example: 0 }) creditsCaptured!: number;
  @ApiProperty({ format: 'date-time', description: 'When the ledger releases the hold if it is still active' }) expiresAt!: string;
  @ApiProperty({ type: 'integer', description: "The customer's whole balance after this call, credits (held credits included)", example: 10 }) balance!: number;
  @ApiProperty({ type: 'integer', description: 'Credits spendable on the domain now: unexpired lots usable there, less every hold', example: 5 }) spendable!: number;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The event this call appended; null when it appended nothing' }) eventId!: string | null;
  @ApiProperty({ description: 'True when this repeats an earlier identical request (nothing new was written)', example: false }) repeated!: boolean;
}

/** `POST /api/portfolio/credits/grants`: credits given by the domain (promotion, goodwill, correction). */
export class GrantCreditsRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: 'Credits to give (positive)', example: 10, type: 'integer', minimum: 1, maximum: creditsMax })
  @IsInt({ message: 'credits must be a positive whole number' })
  @Min(1, { message: 'credits must be a positive whole number' })
  @Max(creditsMax, { message: `credits must be at most ${creditsMax}` })
  credits!: number;

  @ApiProperty({ description: "Idempotency key per customer: the same grantId again returns the first grant's answer", example: 'promo_2026_launch_ada' })
  @IsString({ message: 'grantId must be a string' })
  @Matches(idPattern, { message: 'grantId must be 1-200 letters, digits or _.:-' })
  grantId!: string;

  @ApiProperty({ description: 'Why the credits were given; kept in the ledger and shown in the history', example: 'launch promotion' })
  @IsString({ message: 'reason must be a string' })
  @Length(1, 500, { message: 'reason must be 1-500 characters' })
  reason!: string;

  @ApiPropertyOptional({ description: 'Among lots expiring at the same time, higher priority is spent first; default 0', example: 0, type: 'integer', minimum: -1000, maximum: 1000 })
  @IsOptional()
  @IsInt({ message: 'priority must be a whole number' })
  @Min(-1000, { message: 'priority must be at least -1000' })
  @Max(1000, { message: 'priority must be at most 1000' })
  priority?: number;

  @ApiPropertyOptional({ description: 'When the ledger removes what is left of the grant (ISO 8601); default: never. Expiring credits are spent first.', format: 'date-time', example: '2026-12-31T23:59:59Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time such as 2026-12-31T23:59:59Z' })
  expiresAt?: string;

  @ApiPropertyOptional({ enum: ['portfolio', 'domain'], description: '`domain`: spendable only on the granting domain; `portfolio` (default): on every domain' })
  @IsOptional()
  @IsIn(['portfolio', 'domain'], { message: 'scope must be portfolio or domain' })
  scope?: 'portfolio' | 'domain';
}

/** The lot a grant created. */
export class GrantCreditsResponse {
  @ApiProperty({ example: 'lot_g_5a0c…' }) lotId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The CreditsGranted event; null on a repeat' }) eventId!: string | null;
  @ApiProperty({ type: 'integer', description: "The customer's whole balance after the grant, credits", example: 13 }) balance!: number;
  @ApiProperty({ description: 'True when this grantId was already granted (nothing new was written)', example: false }) repeated!: boolean;
}

/** `GET /api/portfolio/credits/history` query. */
export class HistoryRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: true })
  domain?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page', example: 'v42' })
  @IsOptional()
  @IsString({ message: 'cursor must be a cursor returned by a previous page' })
  @Matches(/^v\d{1,10}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Items per page, 1-200; default 50', example: 50, type: 'integer', minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 200' })
  @Min(1, { message: 'limit must be a whole number from 1 to 200' })
  @Max(200, { message: 'limit must be a whole number from 1 to 200' })
  limit?: number;
}

/** One event of the customer's account. */
export class HistoryItemResponse {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'CreditsConsumed', description: 'The ledger event type (CreditsPurchased, CreditsConsumed, CreditsGranted, CreditsReserved, ReservationCaptured, ReservationReleased, CreditsExpired, …)' }) type!: string;
  @ApiProperty({ type: 'integer', example: 7, description: "The event's version in the account's stream" }) version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'yourproduct.com', description: 'null for account-wide events (releases, expiries, freezes)' }) domain!: string | null;
  @ApiProperty({ type: 'integer', example: -1, description: 'Signed change of the balance, credits (0 for holds: they do not change the balance)' }) creditsDelta!: number;
  @ApiProperty({ type: 'integer', example: 2, description: 'The whole balance right after this event' }) balanceAfter!: number;
  @ApiProperty({ type: String, nullable: true, example: 'gen_abc123' }) referenceId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ai_generation' }) actionType!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The event's data as the ledger stored it" }) details!: Record<string, unknown>;
}

/** A page of history, newest first. */
export class HistoryPageResponse {
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ type: [HistoryItemResponse] }) items!: HistoryItemResponse[];
  @ApiProperty({ type: String, nullable: true, example: 'v42', description: 'Pass as cursor for the next (older) page; null on the last page' }) nextCursor!: string | null;
}
