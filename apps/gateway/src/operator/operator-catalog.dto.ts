import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Limits } from '@credit-hub/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

/**
 * HTTP shapes of the operator's catalog API. The gateway checks types and bounds; billing applies
 * the catalog's rules (known currency, plan terms) and names the field it refuses.
 */

const domainPattern = /^[a-z0-9.-]+$/i;
const offeringIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/** Path `/api/operator/domains/{domain}`. */
export class OperatorDomainPath {
  @ApiProperty({ example: 'yourproduct.com' })
  @IsString()
  @Length(1, Limits.domainLengthMax)
  @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** Path `/api/operator/domains/{domain}/offerings/{offeringId}`. */
export class OperatorOfferingPath extends OperatorDomainPath {
  @ApiProperty({ example: 'builder_monthly' })
  @IsString()
  @Matches(offeringIdPattern, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;
}

/** One offering: a pack (once) or a plan (every interval, with trial days and rollover). */
export class OperatorOfferingRequest {
  @ApiPropertyOptional({ description: 'Required in a domain\'s list; in the path for a single offering', example: 'builder_monthly' })
  @IsOptional()
  @IsString()
  @Matches(offeringIdPattern, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId?: string;

  @ApiProperty({ enum: ['pack', 'plan'] })
  @IsIn(['pack', 'plan'], { message: 'kind must be pack or plan' })
  kind!: 'pack' | 'plan';

  @ApiProperty({ type: 'integer', description: 'Credits of the pack, or granted every period of the plan', example: 200, minimum: 1 })
  @IsInt({ message: 'credits must be a whole number' })
  @Min(1, { message: 'credits must be at least 1' })
  @Max(Limits.creditsPerCommandMax, { message: `credits must be at most ${Limits.creditsPerCommandMax}` })
  credits!: number;

  @ApiProperty({ type: 'integer', description: 'Price (of the pack, or of one period), integer minor units', example: 900, minimum: 0 })
  @IsInt({ message: 'amountMinor must be a whole number of minor units' })
  @Min(0, { message: 'amountMinor must not be negative' })
  @Max(99_999_999, { message: 'amountMinor must be at most 99999999' })
  amountMinor!: number;

  @ApiProperty({ description: 'Lower-case ISO 4217', example: 'usd' })
  @IsString()
  @Matches(/^[a-z]{3}$/, { message: 'currency must be a lower-case ISO 4217 code such as usd' })
  currency!: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Credits usable on this domain only; null: across the portfolio' })
  @IsOptional()
  @IsString()
  @Matches(domainPattern, { message: 'scopeDomain must be a host name' })
  scopeDomain?: string | null;

  @ApiPropertyOptional({ enum: ['month', 'year'], description: 'Plans only' })
  @IsOptional()
  @IsIn(['month', 'year'], { message: 'interval must be month or year' })
  interval?: 'month' | 'year';

  @ApiPropertyOptional({ type: 'integer', description: 'Plans only: free days before the first charge (a card is required anyway)', example: 14 })
  @IsOptional()
  @IsInt({ message: 'trialDays must be a whole number' })
  @Min(0, { message: 'trialDays must not be negative' })
  @Max(730, { message: 'trialDays must be at most 730' })
  trialDays?: number;

  @ApiPropertyOptional({ description: 'Plans only: unused plan credits carry over (true) or expire at the period end (false)' })
  @IsOptional()
  @IsBoolean({ message: 'rollover must be true or false' })
  rollover?: boolean;

  @ApiPropertyOptional({ description: "This offering's own checkout text; default: the domain's", example: '14-day free trial included. All sales final after the trial.' })
  @IsOptional()
  @IsString()
  @Length(1, 1200, { message: 'checkoutMessage must be 1-1200 characters' })
  checkoutMessage?: string;

  @ApiPropertyOptional({
    description: 'Plans only: feature flags (true/false) and numeric limits (whole numbers 0-1000000000) by lower-case name; billing validates them',
    example: { scheduled_runs: true, workspaces: 3 },
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject({ message: 'caps must be an object of feature flags and limits' })
  caps?: Record<string, boolean | number>;

  @ApiPropertyOptional({ description: 'Single-offering PUT only: false stops selling it (what was sold stays as sold)', default: true })
  @IsOptional()
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;
}

/** `PUT /api/operator/domains/{domain}`: the brand customers see, and optionally the whole catalog. */
export class OperatorDomainRequest {
  @ApiProperty({ example: 'Builder AI' })
  @IsString()
  @Length(1, 100, { message: 'displayName must be 1-100 characters' })
  displayName!: string;

  @ApiProperty({ example: 'support@yourproduct.com' })
  @IsString()
  @MaxLength(Limits.emailLengthMax)
  supportEmail!: string;

  @ApiProperty({ description: 'Shown above the pay button of the hosted checkout', example: 'Credits never expire.' })
  @IsString()
  @Length(1, 1200, { message: 'checkoutMessage must be 1-1200 characters' })
  checkoutMessage!: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Days a past-due plan keeps its credits usable', default: 3, minimum: 0, maximum: 30 })
  @IsOptional()
  @IsInt({ message: 'graceDays must be a whole number' })
  @Min(0, { message: 'graceDays must not be negative' })
  @Max(30, { message: 'graceDays must be at most 30' })
  graceDays?: number;

  @ApiPropertyOptional({
    description: "Caps of the domain's free tier: customers without a plan. Omitted: none",
    example: { scheduled_runs: false, workspaces: 1 },
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject({ message: 'freeCaps must be an object of feature flags and limits' })
  freeCaps?: Record<string, boolean | number>;

  @ApiPropertyOptional({ type: [OperatorOfferingRequest], description: 'The whole catalog: offerings left out stop being sold' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OperatorOfferingRequest)
  offerings?: OperatorOfferingRequest[];
}

/** An offering as stored. */
export class OperatorOfferingResponse {
  @ApiProperty({ example: 'starter_3' }) offeringId!: string;
  @ApiProperty({ enum: ['pack', 'plan'] }) kind!: 'pack' | 'plan';
  @ApiProperty({ type: 'integer' }) credits!: number;
  @ApiProperty({ type: 'integer' }) amountMinor!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: String, nullable: true }) scopeDomain!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['month', 'year'] }) interval!: 'month' | 'year' | null;
  @ApiProperty({ type: 'integer', nullable: true }) trialDays!: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) rollover!: boolean | null;
  @ApiProperty({ type: String, nullable: true }) checkoutMessage!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Plans: caps (`{}` when none); packs: null' }) caps!: Record<string, boolean | number> | null;
  @ApiProperty() active!: boolean;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** A domain's catalog as stored. */
export class OperatorDomainResponse {
  @ApiProperty({ example: 'yourproduct.com' }) domain!: string;
  @ApiProperty({ example: 'Your Product' }) displayName!: string;
  @ApiProperty({ example: 'support@yourproduct.com' }) supportEmail!: string;
  @ApiProperty({ example: 'Refunds in exchange for feedback.' }) checkoutMessage!: string;
  @ApiProperty({ type: 'integer' }) graceDays!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) freeCaps!: Record<string, boolean | number>;
  @ApiProperty({ type: [OperatorOfferingResponse] }) offerings!: OperatorOfferingResponse[];
}

/** A plain copy without the properties left undefined (billing refuses unknown or undefined keys alike). */
export function definedOnly<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
