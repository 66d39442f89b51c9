import { ApiProperty } from '@nestjs/swagger';
import { DayField } from '../http/fields';
import { AnalyticsDomainField } from './read-models.dto';

/** `GET /api/analytics/usage` query. */
export class UsageRequest {
  @AnalyticsDomainField()
  domain?: string | string[];

  @DayField('from')
  from?: string;

  @DayField('to')
  to?: string;
}

/** Credits a domain consumed on one UTC day for one action type. */
export class UsageRowResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ format: 'date', example: '2026-11-20' }) day!: string;
  @ApiProperty({ example: 'ai_generation' }) actionType!: string;
  @ApiProperty({ type: 'integer', example: 12 }) creditsConsumed!: number;
  @ApiProperty({ type: 'integer', example: 12 }) consumptions!: number;
}

/** Totals over the rows. */
export class UsageTotalsResponse {
  @ApiProperty({ type: 'integer' }) creditsConsumed!: number;
  @ApiProperty({ type: 'integer' }) consumptions!: number;
  @ApiProperty({ type: 'integer' }) creditsPurchased!: number;
  @ApiProperty({ type: 'integer' }) purchases!: number;
}

/** Credit usage of a domain per day and action type. */
export class UsageResponse {
  @ApiProperty({ example: 'yourproduct.com', description: 'The one domain read, or the domains read joined with commas' }) domain!: string;
  @ApiProperty({ example: ['yourproduct.com'], type: [String], description: 'The domains read, sorted' }) domains!: string[];
  @ApiProperty({ type: [UsageRowResponse] }) rows!: UsageRowResponse[];
  @ApiProperty({ type: UsageTotalsResponse }) totals!: UsageTotalsResponse;
}
