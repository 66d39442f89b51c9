import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RefundCategories, RefundKinds, RefundLimits, RefundStatuses } from '@credit-hub/contracts';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DomainField } from '../http/fields';

/** `GET /api/refund/requests` query (the seed's call: `?domain=yourproduct.com`). */
export class ListRefundRequestsRequest {
  @DomainField({ optional: true })
  domain?: string;

  @ApiPropertyOptional({ description: 'Only requests created at or after this time', format: 'date-time', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time such as 2026-11-01T00:00:00Z' })
  since?: string;

  @ApiPropertyOptional({ enum: RefundStatuses })
  @IsOptional()
  @IsIn(RefundStatuses, { message: `status must be one of ${RefundStatuses.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ enum: RefundCategories })
  @IsOptional()
  @IsIn(RefundCategories, { message: `category must be one of ${RefundCategories.join(', ')}` })
  category?: string;

  @ApiPropertyOptional({ description: "The previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: RefundLimits.pageSizeMax, default: RefundLimits.pageSizeDefault })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value))
  @IsInt({ message: `limit must be a whole number from 1 to ${RefundLimits.pageSizeMax}` })
  @Min(1, { message: `limit must be a whole number from 1 to ${RefundLimits.pageSizeMax}` })
  @Max(RefundLimits.pageSizeMax, { message: `limit must be a whole number from 1 to ${RefundLimits.pageSizeMax}` })
  limit?: number;
}

/** `POST /api/refund/requests/{id}/review`. */
export class ReviewRefundRequest {
  @ApiProperty({ enum: ['approve', 'deny'], description: 'Grant the held refund, or decline it' })
  @IsIn(['approve', 'deny'], { message: 'decision must be approve or deny' })
  decision!: 'approve' | 'deny';
}

export class RefundFeedbackResponse {
  @ApiProperty({ example: 'Generated product photos for my shop' }) tried!: string;
  @ApiProperty({ example: 'Backgrounds came out blurry' }) didNotWork!: string;
  @ApiProperty({ example: 'Sharper backgrounds, or a cheaper pack' }) wouldBringBack!: string;
  @ApiProperty({ enum: RefundCategories }) category!: string;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 5 }) rating!: number | null;
}

export class MoneyResponse {
  @ApiProperty({ type: 'integer', description: 'Integer minor units', example: 4410 }) amountMinor!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
}

/** A refund request with its feedback. */
export class RefundRequestResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ enum: RefundKinds }) kind!: string;
  @ApiProperty({ enum: RefundStatuses }) status!: string;
  @ApiProperty({ type: RefundFeedbackResponse }) feedback!: RefundFeedbackResponse;
  @ApiProperty({ type: 'integer', description: 'Credits asked for (credit refund) or quoted unused (money refund)' }) creditsRequested!: number;
  @ApiProperty({ type: 'integer', description: 'Credits returned to the balance (credit refund) or removed for money (money refund)' }) creditsRefunded!: number;
  @ApiProperty({ type: MoneyResponse, nullable: true }) moneyRefunded!: MoneyResponse | null;
  @ApiProperty({ type: String, nullable: true }) lotId!: string | null;
  @ApiProperty({ type: String, nullable: true }) stripeRefundId!: string | null;
  @ApiProperty({ type: String, nullable: true }) reviewReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) failureReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) completedAt!: string | null;
}

/** A page of refund requests, newest first. */
export class RefundRequestPageResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ type: [RefundRequestResponse] }) items!: RefundRequestResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' }) nextCursor!: string | null;
}
