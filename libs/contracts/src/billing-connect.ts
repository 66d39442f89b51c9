import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUrl, Length, Max, MaxLength, Min } from 'class-validator';
import { Limits } from './customer';
import { ConnectedAccountStatus } from './billing/connected-account-updated';
import { subject } from './subjects';

/**
 * Stripe Connect, billing's side: builders keep their own Stripe (Standard) account; checkouts on
 * their domains are direct charges on that account with an application fee for the platform.
 * Stripe's model: https://docs.stripe.com/connect/direct-charges and
 * https://docs.stripe.com/connect/webhooks.
 */

/** Request/reply subjects of billing's Connect API (queue group `billing`). */
export const BillingConnectSubjects = {
  startOnboarding: subject('billing.commands.start-connect-onboarding.v1'),
  getConnectState: subject('billing.queries.get-connect-state.v1'),
  updateConnectSettings: subject('billing.commands.update-connect-settings.v1'),
  /** Connect OAuth (a builder's existing Stripe account): the authorize URL, then the callback's code exchange. */
  startConnectOAuth: subject('billing.commands.start-connect-oauth.v1'),
  completeConnectOAuth: subject('billing.commands.complete-connect-oauth.v1'),
  /** Webhooks of the Connect endpoint (events of connected accounts), verified with the Connect secret. */
  handleConnectWebhook: subject('billing.commands.handle-stripe-connect-webhook.v1'),
};

/** Most domains one onboarding or state request names. */
export const connectDomainsMax = 100;

/** The validation of a Connect command's `domains`: 1 to `connectDomainsMax` domain names of 1-253 characters (normalised by the caller). */
function ConnectDomains(): PropertyDecorator {
  const rules = [IsArray(), ArrayMinSize(1), ArrayMaxSize(connectDomainsMax), IsString({ each: true }), Length(1, Limits.domainLengthMax, { each: true })];
  return (target, key) => rules.forEach((rule) => rule(target, key));
}

const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * `StartConnectOnboarding`: connect `domains` (normalised, 1-100, all checked by the caller
 * against the key) to one Stripe account. If one of them is already connected (not disconnected),
 * its account is reused; otherwise a Standard account is created (`POST /v1/accounts`). Answers a
 * fresh Stripe-hosted onboarding link (`POST /v1/account_links`, `type=account_onboarding`).
 */
export class StartConnectOnboardingCommand {
  @ConnectDomains()
  domains!: string[];

  /** Where Stripe sends the builder when onboarding ends (Stripe's `return_url`). */
  @IsUrl(urlOptions)
  @MaxLength(Limits.urlLengthMax)
  returnUrl!: string;

  /** Where Stripe sends the builder when the link expired or was used (Stripe's `refresh_url`). */
  @IsUrl(urlOptions)
  @MaxLength(Limits.urlLengthMax)
  refreshUrl!: string;
}

/** Answer to StartConnectOnboarding. */
export interface ConnectOnboardingResult {
  /** The connected Stripe account, `acct_…`. */
  accountId: string;
  /** The Stripe-hosted onboarding page (single use, expires after a few minutes). */
  onboardingUrl: string;
  /** Every domain now connected to the account, normalised, sorted. */
  domains: string[];
  status: ConnectedAccountStatus;
}

/** `GetConnectState`: the Connect state of `domains` (normalised, 1-100). */
export class GetConnectStateQuery {
  @ConnectDomains()
  domains!: string[];
}

/** The Connect state of one domain. `accountId` null: the domain sells on the platform's account. */
export interface ConnectDomainState {
  domain: string;
  accountId: string | null;
  /** `none` when the domain never connected. */
  status: ConnectedAccountStatus | 'none';
  chargesEnabled: boolean;
  detailsSubmitted: boolean;
  /** Stripe's `requirements.currently_due` of the account (what onboarding still needs). */
  requirementsDue: string[];
  /** The platform's fee on the domain's sales, integer basis points (0-10000). */
  applicationFeeBps: number;
  /** Whether money refunds give the platform's fee back (`refund_application_fee`). */
  refundApplicationFee: boolean;
  /** ISO-8601, null when never connected. */
  updatedAt: string | null;
}

/** Answer to GetConnectState, one entry per domain asked, sorted by domain. */
export interface ConnectStateResult {
  domains: ConnectDomainState[];
}

/** `UpdateConnectSettings` (operator): the platform's fee and refund policy of one domain. */
export class UpdateConnectSettingsCommand {
  @IsString()
  @Length(1, Limits.domainLengthMax)
  domain!: string;

  /** Integer basis points, 0-10000: pack fee = floor(amountMinor × bps / 10000). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  applicationFeeBps?: number;

  @IsOptional()
  @IsBoolean()
  refundApplicationFee?: boolean;
}

/** Stripe account ids (`acct_…`) as the hub accepts them. */
export const connectedAccountIdPattern = /^acct_[A-Za-z0-9]{1,100}$/;

/** Most characters of an OAuth `state` or `code` the callback forwards (ours are about 100). */
export const connectOAuthTokenLengthMax = 512;

/**
 * `StartConnectOAuth`: a builder with an existing Stripe account connects it to `domains`
 * (normalised, 1-100, checked by the caller against the key) through Connect OAuth
 * (https://docs.stripe.com/connect/oauth-reference). Answers Stripe's authorize URL carrying a
 * signed, single-use `state` that names the domains and expires; Stripe sends the builder to
 * `redirectUri` (the gateway's callback) with `code` and that `state`; the callback sends the
 * builder on to `returnUrl`.
 */
export class StartConnectOAuthCommand {
  @ConnectDomains()
  domains!: string[];

  /** The OAuth `redirect_uri`: the gateway's `GET /connect/oauth/callback`. */
  @IsUrl(urlOptions)
  @MaxLength(Limits.urlLengthMax)
  redirectUri!: string;

  /** Where the callback sends the builder once the account is connected. */
  @IsUrl(urlOptions)
  @MaxLength(Limits.urlLengthMax)
  returnUrl!: string;
}

/** Answer to StartConnectOAuth. */
export interface ConnectOAuthStartResult {
  /** Stripe's authorize page (`/oauth/authorize?response_type=code&client_id=ca_…&scope=read_write&redirect_uri=…&state=…`). */
  authorizeUrl: string;
  /** The domains the state names, normalised, sorted. */
  domains: string[];
  /** ISO-8601: the state is refused after this. */
  expiresAt: string;
}

/**
 * `CompleteConnectOAuth` (the callback, no API key: the state is the authority): `state` as
 * issued by StartConnectOAuth, and Stripe's `code`, or its `error` when the builder declined.
 */
export class CompleteConnectOAuthCommand {
  @IsString()
  @Length(1, connectOAuthTokenLengthMax)
  state!: string;

  @IsOptional()
  @IsString()
  @Length(1, connectOAuthTokenLengthMax)
  code?: string;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  error?: string;
}

/** Answer to CompleteConnectOAuth: the account now connected to the state's domains. */
export interface ConnectOAuthResult {
  accountId: string;
  /** Every domain now connected to the account, normalised, sorted. */
  domains: string[];
  status: ConnectedAccountStatus;
  /** Where to send the builder (StartConnectOAuth's `returnUrl`). */
  returnUrl: string;
}
