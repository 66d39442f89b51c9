import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain } from '../normalize';
import { analyticsQueryDomainsMax } from './read-model-views';
import { dayPattern } from './read-model-fields';

/** One domain (`domain`) or several (`domains`, 1-100; both may be given: the union is read) and an optional date range. */
export class AnalyticsRangeQuery {
  @ValidateIf((query: AnalyticsRangeQuery) => query.domains === undefined || query.domain !== undefined)
  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain?: string;

  @IsOptional()
  @IsArray({ message: 'domains must be an array of domains' })
  @ArrayMinSize(1, { message: 'domains must name at least one domain' })
  @ArrayMaxSize(analyticsQueryDomainsMax, { message: `domains must name at most ${analyticsQueryDomainsMax} domains` })
  @IsString({ each: true })
  @Length(1, Limits.domainLengthMax, { each: true })
  domains?: string[];

  @IsOptional()
  @Matches(dayPattern, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @IsOptional()
  @Matches(dayPattern, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

