import { NormalizedDomain } from '../normalize';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { UsageView } from './usage-model';

/** `Usage` query: credit usage of one domain (`domain`) or several (`domains`, 1-100) per day and action type, optional date range (YYYY-MM-DD, UTC, inclusive). */
export class UsageQuery {
  @ValidateIf((query: UsageQuery) => query.domains === undefined || query.domain !== undefined)
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain?: string;

  @IsOptional()
  @IsArray({ message: 'domains must be an array of domains' })
  @ArrayMinSize(1, { message: 'domains must name at least one domain' })
  @ArrayMaxSize(100, { message: 'domains must name at most 100 domains' })
  @IsString({ each: true })
  @Length(1, Limits.domainLengthMax, { each: true })
  domains?: string[];

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

/** `analytics.queries.usage.v1`: request/reply. */
export const UsageMessage = defineMessage<UsageQuery, UsageView>()({ name: 'analytics.queries.usage.v1', kind: 'query', validate: strictly(UsageQuery) });
