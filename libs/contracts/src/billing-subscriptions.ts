import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsInt, IsObject, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min,
} from 'class-validator';
import { Limits } from './customer';
import { NormalizedDomain, NormalizedEmail } from './normalize';
import { SubscriptionStatus } from './billing-events';
import { subject } from './subjects';

/**
 * Billing's request/reply commands beyond checkout and webhooks (issue 3): subscriptions (the
 * customer's own: list, Stripe billing portal, cancel, change plan), the operator's catalog API,
 * and reconciliation with Stripe. Served by billing in queue group `billing`.
 */
export const BillingSubscriptionSubjects = {
  createPortalSession: subject('billing.commands.create-portal-session.v1'),
  listSubscriptions: subject('billing.queries.list-subscriptions.v1'),
  cancelSubscription: subject('billing.commands.cancel-subscription.v1'),
  changePlan: subject('billing.commands.change-plan.v1'),
  reconcile: subject('billing.commands.reconcile.v1'),
  getDomainCatalog: subject('billing.queries.get-domain-catalog.v1'),
  putDomainCatalog: subject('billing.commands.put-domain-catalog.v1'),
  putOffering: subject('billing.commands.put-offering.v1'),
};

const domainPattern = /^[a-z0-9.-]+$/i;
const subscriptionIdPattern = /^sub_[A-Za-z0-9_]{1,200}$/;
const offeringIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;
const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** The customer (email) acting on one domain (the API key's). */
class CustomerOnDomain {
  @NormalizedEmail() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax) @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** `CreateBillingPortalSession`: a Stripe billing portal session for the customer's own subscriptions. */
export class CreateBillingPortalSessionCommand extends CustomerOnDomain {
  @IsUrl(urlOptions, { message: 'returnUrl must be an http(s) URL' }) @MaxLength(Limits.urlLengthMax)
  returnUrl!: string;
}

/** Answer: where to send the customer (Stripe-hosted; the stand-in's page in tests). */
export interface BillingPortalSessionResult {
  url: string;
  portalSessionId: string;
}

/** `ListSubscriptions`: the customer's subscriptions on the domain, newest first. */
export class ListSubscriptionsQuery extends CustomerOnDomain {}

/**
 * `CancelSubscription`: by the customer who owns it (another email or domain: `not_found`).
 * `atPeriodEnd` (default true): the plan runs to the end of the period (the trial end while
 * trialing) and is not renewed; false ends it now. Idempotent: cancelling twice answers the same.
 */
export class CancelSubscriptionCommand extends CustomerOnDomain {
  @IsString() @Matches(subscriptionIdPattern, { message: 'subscriptionId must be a Stripe subscription id (sub_…)' })
  subscriptionId!: string;

  @IsOptional() @IsBoolean()
  atPeriodEnd?: boolean;
}

/**
 * `ChangePlan`: switch the subscription to another plan of the same domain (monthly ↔ annual, an
 * upgrade), by the customer who owns it. The new price and credits apply from the next invoice;
 * credits already granted stay as they are.
 */
export class ChangePlanCommand extends CustomerOnDomain {
  @IsString() @Matches(subscriptionIdPattern, { message: 'subscriptionId must be a Stripe subscription id (sub_…)' })
  subscriptionId!: string;

  @IsString() @Matches(offeringIdPattern, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;
}

/** A subscription as billing knows it (synced from Stripe's webhooks and re-fetches). */
export interface SubscriptionView {
  subscriptionId: string;
  email: string;
  domain: string;
  offeringId: string;
  status: SubscriptionStatus;
  /** Credits granted per paid (or trial) period, as sold. */
  creditsPerPeriod: number;
  /** Unused plan credits carry over (no expiry) when true; else they expire at the period end. */
  rollover: boolean;
  trialEnd: string | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  /** While past due: until when the plan's credits stay usable. */
  graceEndsAt: string | null;
  /** True once the grace ended unpaid: the plan's credits are refused with `payment_past_due`. */
  planCreditsBlocked: boolean;
  /** When Stripe's `customer.subscription.trial_will_end` reminder was recorded. */
  trialWillEndAt: string | null;
  endedAt: string | null;
}

/** Answer to ListSubscriptions. */
export interface SubscriptionList {
  email: string;
  domain: string;
  subscriptions: SubscriptionView[];
}

/** `Reconcile`: compare Stripe with billing's inbox and the ledger for a window ending now. */
export class ReconcileCommand {
  /** How far back: `3d`, `12h`, `90m` (up to 90 days), or an ISO-8601 time. */
  @IsString() @Length(1, 40) @Matches(/^(\d{1,4}[dhm]|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, {
    message: 'since must be a duration such as 3d, 12h, 90m, or an ISO-8601 time',
  })
  since!: string;

  /** When false, missing events are only listed, not processed. Default true. */
  @IsOptional() @IsBoolean()
  process?: boolean;
}

/** One disagreement found by reconciliation. */
export interface ReconcileFinding {
  /** `connected_account_disconnected`: Stripe refused the platform a connected account (deauthorized, webhook lost); billing marked it disconnected and skipped it. */
  kind: 'paid_session_without_purchase' | 'paid_invoice_without_grant' | 'purchase_without_paid_session' | 'plan_grant_unknown_to_billing' | 'connected_account_disconnected';
  /** The Stripe object (`cs_…`, `in_…`), the ledger grant id, or the connected account (`acct_…`). */
  id: string;
  email: string | null;
  detail: string;
}

/** Answer to Reconcile. */
export interface ReconcileReport {
  /** Window start and end, ISO-8601 (Stripe's clock). */
  from: string;
  to: string;
  eventsListed: number;
  /** Stripe events in the window the inbox had not recorded. */
  eventsMissing: string[];
  /** Of those, the ones processed now (their outcome). */
  eventsProcessed: { id: string; type: string; outcome: string }[];
  paidSessions: number;
  paidInvoices: number;
  ledgerPurchases: number;
  ledgerPlanGrants: number;
  findings: ReconcileFinding[];
  ok: boolean;
}

/** `GetDomainCatalog` (operator): a domain's brand and every offering, sold or retired. */
export class GetDomainCatalogQuery {
  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax) @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/**
 * `PutDomainCatalog` (operator): creates or replaces a domain's brand; with `offerings`, they
 * become its whole catalog (offerings left out stop being sold; nothing sold changes).
 */
export class PutDomainCatalogCommand extends GetDomainCatalogQuery {
  @IsString() @Length(1, 100)
  displayName!: string;

  @IsString() @Length(3, Limits.emailLengthMax)
  supportEmail!: string;

  @IsString() @Length(1, 1200)
  checkoutMessage!: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(30)
  graceDays?: number;

  /** Caps of the domain's free tier (issue 10): billing validates names and values. */
  @IsOptional() @IsObject()
  freeCaps?: Record<string, unknown>;

  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true })
  offerings?: Record<string, unknown>[];
}

/** `PutOffering` (operator): creates or replaces one offering of an existing domain. */
export class PutOfferingCommand extends GetDomainCatalogQuery {
  @IsString() @Matches(offeringIdPattern, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;

  @IsObject()
  offering!: Record<string, unknown>;
}

/** An offering as the operator API shows it. */
export interface OfferingView {
  offeringId: string;
  kind: 'pack' | 'plan';
  credits: number;
  amountMinor: number;
  currency: string;
  scopeDomain: string | null;
  /** Plans only (null for packs). */
  interval: 'month' | 'year' | null;
  trialDays: number | null;
  rollover: boolean | null;
  /** The offering's own checkout text; null: the domain's. */
  checkoutMessage: string | null;
  /** Plans: what the plan entitles to (issue 10; `{}` when none); null for packs. */
  caps: Record<string, boolean | number> | null;
  active: boolean;
  updatedAt: string;
}

/** A domain's catalog as the operator API shows it. */
export interface DomainCatalogView {
  domain: string;
  displayName: string;
  supportEmail: string;
  checkoutMessage: string;
  /** Days a past-due plan's credits stay usable after a failed payment. */
  graceDays: number;
  /** Caps of the domain's free tier (issue 10; `{}` when none). */
  freeCaps: Record<string, boolean | number>;
  offerings: OfferingView[];
}
