import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AnalyticsDomainField } from '../analytics/read-models.dto';
import { connectDomainsMax, connectOAuthTokenLengthMax, Limits } from '@credit-hub/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min } from 'class-validator';

const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const domainPattern = /^[a-z0-9.-]+$/i;
const statuses = ['onboarding', 'ready', 'restricted', 'disconnected'];


/** The validation of an optional `domains` list on the Connect routes, with its field-level problem messages. */
function ConnectDomainsField(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsArray({ message: 'domains must be an array of domains' }),
    ArrayMinSize(1, { message: 'domains must name at least one domain' }),
    ArrayMaxSize(connectDomainsMax, { message: `domains must name at most ${connectDomainsMax} domains` }),
    IsString({ each: true, message: 'each domain must be a string' }),
    Length(1, Limits.domainLengthMax, { each: true, message: `each domain must be 1-${Limits.domainLengthMax} characters` }),
    Matches(domainPattern, { each: true, message: 'each domain must be a host name such as yourproduct.com' }),
  );
}

/** `POST /api/billing/connect/onboarding`: start (or resume) Stripe Connect onboarding. */
export class ConnectOnboardingRequest {
  @ApiPropertyOptional({
    description: "The domains to connect to one Stripe account. A domain key: its own domain only (the default). A builder key: any of its domains (default: all of them).",
    type: [String], example: ['notes.localhost', 'slides.localhost'], maxItems: connectDomainsMax,
  })
  @ConnectDomainsField()
  domains?: string[];

  @ApiPropertyOptional({ description: 'Where Stripe sends the builder when onboarding ends (default: the dashboard\'s Connect page)', example: 'https://hub.example.com/dashboard/connect' })
  @IsOptional()
  @IsString({ message: 'returnUrl must be a string' })
  @MaxLength(Limits.urlLengthMax, { message: `returnUrl must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(urlOptions, { message: 'returnUrl must be an http(s) URL' })
  returnUrl?: string;

  @ApiPropertyOptional({ description: 'Where Stripe sends the builder when the link expired (default: the dashboard\'s Connect page)', example: 'https://hub.example.com/dashboard/connect' })
  @IsOptional()
  @IsString({ message: 'refreshUrl must be a string' })
  @MaxLength(Limits.urlLengthMax, { message: `refreshUrl must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(urlOptions, { message: 'refreshUrl must be an http(s) URL' })
  refreshUrl?: string;
}

/** The connected account and where to send the builder. */
export class ConnectOnboardingResponse {
  @ApiProperty({ example: 'acct_1PqRsTuVwXyZ' }) accountId!: string;
  @ApiProperty({ description: 'The Stripe-hosted onboarding page (single use, expires after a few minutes)', example: 'https://connect.stripe.com/setup/s/acct_1PqRsTuVwXyZ/abc' }) onboardingUrl!: string;
  @ApiProperty({ description: 'Every domain now connected to the account', type: [String], example: ['notes.localhost', 'slides.localhost'] }) domains!: string[];
  @ApiProperty({ enum: statuses, example: 'onboarding' }) status!: string;
}

/** One domain's Connect state. */
export class ConnectDomainStateResponse {
  @ApiProperty({ example: 'notes.localhost' }) domain!: string;
  @ApiProperty({ nullable: true, type: String, example: 'acct_1PqRsTuVwXyZ', description: 'null: the domain sells on the platform\'s Stripe account' }) accountId!: string | null;
  @ApiProperty({ enum: [...statuses, 'none'], example: 'ready' }) status!: string;
  @ApiProperty() chargesEnabled!: boolean;
  @ApiProperty() detailsSubmitted!: boolean;
  @ApiProperty({ type: [String], description: "Stripe's requirements.currently_due", example: [] }) requirementsDue!: string[];
  @ApiProperty({ type: 'integer', description: "The platform's fee on the domain's sales, integer basis points (500 = 5 %); packs pay floor(amount × bps / 10000)", example: 500 }) applicationFeeBps!: number;
  @ApiProperty({ description: "Whether money refunds give the platform's fee back (Stripe's refund_application_fee)" }) refundApplicationFee!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt!: string | null;
}

/** The Connect state of the key's domains. */
export class ConnectStateResponse {
  @ApiProperty({ type: [ConnectDomainStateResponse] }) domains!: ConnectDomainStateResponse[];
}

/** `PUT /api/operator/connect/{domain}`: the platform's terms for one domain. */
export class OperatorConnectSettingsRequest {
  @ApiPropertyOptional({ type: 'integer', description: 'Application fee, integer basis points 0-10000', example: 500, minimum: 0, maximum: 10_000 })
  @IsOptional()
  @IsInt({ message: 'applicationFeeBps must be an integer' })
  @Min(0, { message: 'applicationFeeBps must be 0-10000' })
  @Max(10_000, { message: 'applicationFeeBps must be 0-10000' })
  applicationFeeBps?: number;

  @ApiPropertyOptional({ description: "Whether money refunds give the platform's fee back" })
  @IsOptional()
  @IsBoolean({ message: 'refundApplicationFee must be true or false' })
  refundApplicationFee?: boolean;
}

/** `POST /api/operator/connect/onboarding`: onboarding for any domains (operator key). */
export class OperatorConnectOnboardingRequest extends ConnectOnboardingRequest {
  @ApiProperty({ description: 'The domains to connect to one Stripe account', type: [String], example: ['notes.localhost'] })
  declare domains: string[];
}

/** `GET /api/billing/connect` query. */
export class ConnectStateRequest {
  @AnalyticsDomainField()
  domain?: string | string[];
}

/** A domain in a path. */
export class ConnectDomainPath {
  @ApiProperty({ example: 'notes.localhost' })
  @IsString()
  @Length(1, Limits.domainLengthMax)
  @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** `POST /api/billing/connect/oauth`: connect an existing Stripe account (Connect OAuth). */
export class ConnectOAuthRequest {
  @ApiPropertyOptional({
    description: 'The domains to connect to the Stripe account. A domain key: its own domain only (the default). A builder key: any of its domains (default: all of them).',
    type: [String], example: ['notes.localhost'], maxItems: connectDomainsMax,
  })
  @ConnectDomainsField()
  domains?: string[];

  @ApiProperty({ description: "Where the builder lands once the account is connected (e.g. the dashboard's Connect page)", example: 'https://hub.example.com/dashboard/connect' })
  @IsString({ message: 'returnUrl must be a string' })
  @MaxLength(Limits.urlLengthMax, { message: `returnUrl must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(urlOptions, { message: 'returnUrl must be an http(s) URL' })
  returnUrl!: string;
}

/** Where to send the builder to connect its Stripe account. */
export class ConnectOAuthResponse {
  @ApiProperty({ description: "Stripe's Connect OAuth page (carries a signed state: single use, expires at expiresAt)", example: 'https://connect.stripe.com/oauth/authorize?response_type=code&client_id=ca_123&scope=read_write&redirect_uri=…&state=…' }) authorizeUrl!: string;
  @ApiProperty({ description: 'The domains the account will be connected to', type: [String], example: ['notes.localhost'] }) domains!: string[];
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

/** `GET /connect/oauth/callback`: what Stripe appends to the redirect URI. */
export class ConnectOAuthCallbackQuery {
  @ApiProperty({ description: 'The state issued with the authorize URL' })
  @IsString({ message: 'state must be a string' })
  @Length(1, connectOAuthTokenLengthMax, { message: 'state is missing or too long' })
  state!: string;

  @ApiPropertyOptional({ description: "Stripe's authorization code (ac_…)" })
  @IsOptional()
  @IsString({ message: 'code must be a string' })
  @Length(1, connectOAuthTokenLengthMax, { message: 'code is too long' })
  code?: string;

  @ApiPropertyOptional({ description: 'Set by Stripe when the builder declined (access_denied)' })
  @IsOptional()
  @IsString({ message: 'error must be a string' })
  @Length(1, 100, { message: 'error is too long' })
  error?: string;

  @ApiPropertyOptional({ description: "Stripe's description of the error" })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  error_description?: string;

  @ApiPropertyOptional({ description: 'The scope granted (read_write)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  scope?: string;
}
