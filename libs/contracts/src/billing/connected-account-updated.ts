import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsString, Length, Matches } from 'class-validator';
import { defineMessage, IsoTime, leniently } from '../message';
import { normalizeDomain } from '../customer';
import { Transform } from 'class-transformer';

/** Domains one account update may list (a builder's portfolio; far above any real one). */
export const connectedDomainsPerAccountMax = 1000;

/** States of a connected Stripe account (a builder's) as billing sees them. */
export const ConnectedAccountStatuses = ['onboarding', 'ready', 'restricted', 'disconnected'] as const;
export type ConnectedAccountStatus = (typeof ConnectedAccountStatuses)[number];

/**
 * `billing.events.connected-account-updated.v1` (stream BILLING, through billing's outbox,
 * `Nats-Msg-Id` = the Stripe event id or `onboarding:<accountId>:<n>`): a connected account
 * (Stripe Connect: https://docs.stripe.com/connect/webhooks) changed, with every domain now
 * connected to it (normalised). The ledger keeps domain → account to scope connected purchases.
 */
export class ConnectedAccountUpdatedV1 {
  /** Stripe's account id, `acct_…`. */
  @IsString() @Length(1, 200) @Matches(/^acct_[A-Za-z0-9]{1,100}$/, { message: 'accountId must be a Stripe account id (acct_…)' })
  accountId!: string;

  /** Every domain now connected to the account, normalised (trimmed, lower-cased). */
  @Transform(({ value }) => (Array.isArray(value) ? value.map((d) => (typeof d === 'string' ? normalizeDomain(d) : d)) : value))
  @IsArray() @ArrayMaxSize(connectedDomainsPerAccountMax) @IsString({ each: true }) @Length(1, 253, { each: true })
  @Matches(/^[a-z0-9.-]+$/, { each: true, message: 'domains must be host names' })
  domains!: string[];

  @IsIn(ConnectedAccountStatuses)
  status!: ConnectedAccountStatus;

  @IsBoolean()
  chargesEnabled!: boolean;

  @IsBoolean()
  detailsSubmitted!: boolean;

  @IsoTime()
  at!: string;
}

/** `billing.events.connected-account-updated.v1`. */
export const ConnectedAccountUpdatedMessage = defineMessage<ConnectedAccountUpdatedV1>()({
  name: 'billing.events.connected-account-updated.v1',
  kind: 'event',
  validate: leniently(ConnectedAccountUpdatedV1),
});
