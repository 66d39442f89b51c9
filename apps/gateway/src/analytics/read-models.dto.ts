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
  @ApiProperty({ type: 'integer' }) purchased!: number;
  @ApiProperty({ type: 'integer' }) granted!: number;
  @ApiProperty({ type: 'integer' }) consumed!: number;
  @ApiProperty({ type: 'integer' }) refunded!: number;
  @ApiProperty({ type: 'integer' }) expired!: number;
}

export class CreditRowResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty({ enum: ['purchased', 'granted', 'consumed', 'refunded', 'expired'] }) kind!: string;
  @ApiProperty({ nullable: true, type: String, description: 'For consumed and refunded credits (the action type consumed); null otherwise' }) actionType!: string | null;
  @ApiProperty({ type: 'integer' }) credits!: number;
  @ApiProperty({ type: 'integer' }) events!: number;
}

export class DomainCreditTotalsResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ type: CreditTotalsResponse }) totals!: CreditTotalsResponse;
}

export class CreditsResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [CreditRowResponse] }) rows!: CreditRowResponse[];
  @ApiProperty({ type: CreditTotalsResponse }) totals!: CreditTotalsResponse;
  @ApiProperty({ type: [DomainCreditTotalsResponse], description: 'Credit usage by domain' }) byDomain!: DomainCreditTotalsResponse[];
}

export class RevenueTotalResponse {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'Consumed paid credits × their lot unit price, floored per event, minor units' }) recognisedMinor!: number;
  @ApiProperty({ type: 'integer', description: 'Recognised revenue reversed by credit refunds, minor units' }) reversedMinor!: number;
  @ApiProperty({ type: 'integer', description: 'Money refunded for unused credits, minor units' }) refundedMinor!: number;
  @ApiProperty({ type: 'integer', description: 'recognised − reversed − refunded' }) netMinor!: number;
  @ApiProperty({ type: 'integer', description: 'Credit packs sold: what customers paid, on the day of payment, minor units' }) grossSalesMinor!: number;
  @ApiProperty({ type: 'integer', description: "The platform's Stripe Connect application fee on the sales of a connected domain (0 on the platform), minor units" })
  platformFeeMinor!: number;
  @ApiProperty({ type: 'integer', description: "grossSales − platformFee: what the builder's Stripe account received (on the platform, the gross), minor units" })
  netSalesMinor!: number;
}

export class RevenueRowResponse extends RevenueTotalResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ format: 'date' }) day!: string;
}

export class DomainRevenueTotalResponse extends RevenueTotalResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
}

export class RevenueResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [RevenueRowResponse] }) rows!: RevenueRowResponse[];
  @ApiProperty({ type: [RevenueTotalResponse] }) totals!: RevenueTotalResponse[];
  @ApiProperty({ type: [DomainRevenueTotalResponse], description: 'Revenue by domain and currency' }) byDomain!: DomainRevenueTotalResponse[];
}


export class ConversionResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ additionalProperties: true, description: '{ created, completed, rate }: checkout sessions created → paid' }) checkout!: object;
  @ApiProperty({ additionalProperties: true, description: '{ started, converted, rate }: trials → first paid period' }) trials!: object;
  @ApiProperty({ additionalProperties: true, description: '{ customers, cameBack, rate }: refunded customers who consumed or bought again on the same domain within 30 days' }) refunds!: object;
  @ApiProperty({ type: [Object], description: 'The same funnel per domain: { domain, checkout, trials, refunds }' }) byDomain!: object[];
}

export class CategoryCountResponse {
  @ApiProperty({ example: 'quality' }) category!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
}

export class RefundDayResponse {
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty({ type: 'integer' }) creditsRefunded!: number;
}

export class TextCountResponse {
  @ApiProperty({ example: 'faster renders' }) text!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
}

export class ActionTypeRefundsResponse {
  @ApiProperty({ example: 'ai_generation', description: "The action type of the consumption refunded ('' when unknown)" }) actionType!: string;
  @ApiProperty({ type: 'integer' }) creditsRefunded!: number;
  @ApiProperty({ type: 'integer' }) refunds!: number;
}

export class RefundsAnalyticsResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: 'integer' }) creditsRefunded!: number;
  @ApiProperty({ type: 'integer' }) creditsConsumed!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'creditsRefunded / creditsConsumed' }) rate!: number | null;
  @ApiProperty({ type: [CategoryCountResponse] }) byCategory!: CategoryCountResponse[];
  @ApiProperty({ type: [RefundDayResponse] }) byDay!: RefundDayResponse[];
  @ApiProperty({ type: [TextCountResponse], description: 'Most common normalised "what would bring you back" answers' }) wouldBringBack!: TextCountResponse[];
  @ApiProperty({ additionalProperties: true, description: '{ opened, won, lost }' }) disputes!: object;
  @ApiProperty({ type: 'integer' }) paymentFailures!: number;
  @ApiProperty({ type: [ActionTypeRefundsResponse], description: 'Credits refunded by action type' }) byActionType!: ActionTypeRefundsResponse[];
  @ApiProperty({ type: [Object], description: 'Per domain: { domain, creditsRefunded, creditsConsumed, rate, refunds, disputes, paymentFailures }' }) byDomain!: object[];
}

export class FeedbackItemResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ format: 'uuid' }) refundRequestId!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'credits' }) kind!: string;
  @ApiProperty({ example: 'completed' }) status!: string;
  @ApiProperty({ example: 'quality' }) category!: string;
  @ApiProperty({ nullable: true, type: 'integer' }) rating!: number | null;
  @ApiProperty({ example: 'Rendering product videos' }) tried!: string;
  @ApiProperty({ example: 'Renders took minutes' }) didNotWork!: string;
  @ApiProperty({ example: 'Faster renders' }) wouldBringBack!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class FeedbackResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [FeedbackItemResponse] }) items!: FeedbackItemResponse[];
}

export class SummaryResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: CreditTotalsResponse }) credits!: CreditTotalsResponse;
  @ApiProperty({ type: [RevenueTotalResponse] }) revenue!: RevenueTotalResponse[];
  @ApiProperty({ additionalProperties: true, description: 'As GET /api/analytics/conversion' }) conversion!: object;
  @ApiProperty({ additionalProperties: true, description: '{ count, rate, disputes, paymentFailures }' }) refunds!: object;
}
