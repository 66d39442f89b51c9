import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { DayField } from '../http/fields';

/**
 * `domain` of an analytics query: one host name, several (repeated `domain=` or comma-separated),
 * or none (all the key's domains). AnalyticsKeyGuard checks them against the key before this runs.
 */
export function AnalyticsDomainField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description: "Domain(s) to read: a domain key reads its own; a builder key reads any of its domains (default: all of them). Repeat or comma-separate for several.",
      example: 'yourproduct.com',
      type: String,
    }),
    IsOptional(),
    IsString({ each: true, message: 'domain must be a string' }),
    Length(1, 2000, { each: true, message: 'domain must be 1-2000 characters' }),
    Matches(/^[a-z0-9.,-]+$/i, { each: true, message: 'domain must be host names such as yourproduct.com, separated by commas' }),
  );
}

/** `GET /api/analytics/{summary,credits,revenue,conversion,refunds}` query. */
export class AnalyticsRangeRequest {
  @AnalyticsDomainField()
  domain?: string | string[];

  @DayField('from')
  from?: string;

  @DayField('to')
  to?: string;
}

/** `GET /api/analytics/feedback` query. */
export class FeedbackRequest extends AnalyticsRangeRequest {
  @ApiPropertyOptional({ description: 'Words to search in the feedback (full text, or a substring)', example: 'faster', maxLength: 200 })
  @IsOptional()
  @IsString({ message: 'q must be a string' })
  @Length(0, 200, { message: 'q must be at most 200 characters' })
  q?: string;
}

export class CreditTotalsResponse {
  @ApiProperty() purchased!: number;
  @ApiProperty() granted!: number;
  @ApiProperty() consumed!: number;
  @ApiProperty() refunded!: number;
  @ApiProperty() expired!: number;
}

export class CreditRowResponse {
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty({ enum: ['purchased', 'granted', 'consumed', 'refunded', 'expired'] }) kind!: string;
  @ApiProperty({ nullable: true, type: String, description: 'For consumed credits; null otherwise' }) actionType!: string | null;
  @ApiProperty() credits!: number;
  @ApiProperty() events!: number;
}

export class CreditsResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ type: [CreditRowResponse] }) rows!: CreditRowResponse[];
  @ApiProperty({ type: CreditTotalsResponse }) totals!: CreditTotalsResponse;
}

export class RevenueTotalResponse {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: 'Consumed paid credits × their lot unit price, floored per event, minor units' }) recognisedMinor!: number;
  @ApiProperty({ description: 'Recognised revenue reversed by credit refunds, minor units' }) reversedMinor!: number;
  @ApiProperty({ description: 'Money refunded for unused credits, minor units' }) refundedMinor!: number;
  @ApiProperty({ description: 'recognised − reversed − refunded' }) netMinor!: number;
}

export class RevenueRowResponse extends RevenueTotalResponse {
  @ApiProperty({ format: 'date' }) day!: string;
}

export class RevenueResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ type: [RevenueRowResponse] }) rows!: RevenueRowResponse[];
  @ApiProperty({ type: [RevenueTotalResponse] }) totals!: RevenueTotalResponse[];
}


export class ConversionResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ description: '{ created, completed, rate }: checkout sessions created → paid' }) checkout!: object;
  @ApiProperty({ description: '{ started, converted, rate }: trials → first paid period' }) trials!: object;
  @ApiProperty({ description: '{ customers, cameBack, rate }: refunded customers who consumed or bought again within 30 days' }) refunds!: object;
}

export class CategoryCountResponse {
  @ApiProperty() category!: string;
  @ApiProperty() count!: number;
}

export class RefundDayResponse {
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty() count!: number;
  @ApiProperty() creditsRefunded!: number;
}

export class TextCountResponse {
  @ApiProperty() text!: string;
  @ApiProperty() count!: number;
}

export class RefundsAnalyticsResponse {
  @ApiProperty() domain!: string;
  @ApiProperty() creditsRefunded!: number;
  @ApiProperty() creditsConsumed!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'creditsRefunded / creditsConsumed' }) rate!: number | null;
  @ApiProperty({ type: [CategoryCountResponse] }) byCategory!: CategoryCountResponse[];
  @ApiProperty({ type: [RefundDayResponse] }) byDay!: RefundDayResponse[];
  @ApiProperty({ type: [TextCountResponse], description: 'Most common normalised "what would bring you back" answers' }) wouldBringBack!: TextCountResponse[];
  @ApiProperty({ description: '{ opened, won, lost }' }) disputes!: object;
  @ApiProperty() paymentFailures!: number;
}

export class FeedbackItemResponse {
  @ApiProperty({ format: 'uuid' }) refundRequestId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() status!: string;
  @ApiProperty() category!: string;
  @ApiProperty({ nullable: true, type: Number }) rating!: number | null;
  @ApiProperty() tried!: string;
  @ApiProperty() didNotWork!: string;
  @ApiProperty() wouldBringBack!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class FeedbackResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ type: [FeedbackItemResponse] }) items!: FeedbackItemResponse[];
}

export class SummaryResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ type: CreditTotalsResponse }) credits!: CreditTotalsResponse;
  @ApiProperty({ type: [RevenueTotalResponse] }) revenue!: RevenueTotalResponse[];
  @ApiProperty({ description: 'As GET /api/analytics/conversion' }) conversion!: object;
  @ApiProperty({ description: '{ count, rate, disputes, paymentFailures }' }) refunds!: object;
}
