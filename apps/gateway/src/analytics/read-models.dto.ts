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
  @ApiProperty() domain!: string;
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty({ enum: ['purchased', 'granted', 'consumed', 'refunded', 'expired'] }) kind!: string;
  @ApiProperty({ nullable: true, type: String, description: 'For consumed and refunded credits (the action type consumed); null otherwise' }) actionType!: string | null;
  @ApiProperty() credits!: number;
  @ApiProperty() events!: number;
}

export class DomainCreditTotalsResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ type: CreditTotalsResponse }) totals!: CreditTotalsResponse;
}

export class CreditsResponse {
  @ApiProperty({ description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [CreditRowResponse] }) rows!: CreditRowResponse[];
  @ApiProperty({ type: CreditTotalsResponse }) totals!: CreditTotalsResponse;
  @ApiProperty({ type: [DomainCreditTotalsResponse], description: 'Credit usage by domain' }) byDomain!: DomainCreditTotalsResponse[];
}

export class RevenueTotalResponse {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: 'Consumed paid credits × their lot unit price, floored per event, minor units' }) recognisedMinor!: number;
  @ApiProperty({ description: 'Recognised revenue reversed by credit refunds, minor units' }) reversedMinor!: number;
  @ApiProperty({ description: 'Money refunded for unused credits, minor units' }) refundedMinor!: number;
  @ApiProperty({ description: 'recognised − reversed − refunded' }) netMinor!: number;
}

export class RevenueRowResponse extends RevenueTotalResponse {
  @ApiProperty() domain!: string;
  @ApiProperty({ format: 'date' }) day!: string;
}

export class DomainRevenueTotalResponse extends RevenueTotalResponse {
  @ApiProperty() domain!: string;
}

export class RevenueResponse {
  @ApiProperty({ description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [RevenueRowResponse] }) rows!: RevenueRowResponse[];
  @ApiProperty({ type: [RevenueTotalResponse] }) totals!: RevenueTotalResponse[];
  @ApiProperty({ type: [DomainRevenueTotalResponse], description: 'Revenue by domain and currency' }) byDomain!: DomainRevenueTotalResponse[];
}


export class ConversionResponse {
  @ApiProperty({ description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ description: '{ created, completed, rate }: checkout sessions created → paid' }) checkout!: object;
  @ApiProperty({ description: '{ started, converted, rate }: trials → first paid period' }) trials!: object;
  @ApiProperty({ description: '{ customers, cameBack, rate }: refunded customers who consumed or bought again on the same domain within 30 days' }) refunds!: object;
  @ApiProperty({ type: [Object], description: 'The same funnel per domain: { domain, checkout, trials, refunds }' }) byDomain!: object[];
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

export class ActionTypeRefundsResponse {
  @ApiProperty({ description: "The action type of the consumption refunded ('' when unknown)" }) actionType!: string;
  @ApiProperty() creditsRefunded!: number;
  @ApiProperty() refunds!: number;
}

export class RefundsAnalyticsResponse {
  @ApiProperty({ description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty() creditsRefunded!: number;
  @ApiProperty() creditsConsumed!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'creditsRefunded / creditsConsumed' }) rate!: number | null;
  @ApiProperty({ type: [CategoryCountResponse] }) byCategory!: CategoryCountResponse[];
  @ApiProperty({ type: [RefundDayResponse] }) byDay!: RefundDayResponse[];
  @ApiProperty({ type: [TextCountResponse], description: 'Most common normalised "what would bring you back" answers' }) wouldBringBack!: TextCountResponse[];
  @ApiProperty({ description: '{ opened, won, lost }' }) disputes!: object;
  @ApiProperty() paymentFailures!: number;
  @ApiProperty({ type: [ActionTypeRefundsResponse], description: 'Credits refunded by action type' }) byActionType!: ActionTypeRefundsResponse[];
  @ApiProperty({ type: [Object], description: 'Per domain: { domain, creditsRefunded, creditsConsumed, rate, refunds, disputes, paymentFailures }' }) byDomain!: object[];
}

export class FeedbackItemResponse {
  @ApiProperty() domain!: string;
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
  @ApiProperty({ description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [FeedbackItemResponse] }) items!: FeedbackItemResponse[];
}

export class SummaryResponse {
  @ApiProperty({ description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: CreditTotalsResponse }) credits!: CreditTotalsResponse;
  @ApiProperty({ type: [RevenueTotalResponse] }) revenue!: RevenueTotalResponse[];
  @ApiProperty({ description: 'As GET /api/analytics/conversion' }) conversion!: object;
  @ApiProperty({ description: '{ count, rate, disputes, paymentFailures }' }) refunds!: object;
}
