import { SubscriptionStatus } from './subscription-changed';
import { subject } from '../subjects';

/**
 * Billing's request/reply commands beyond checkout and webhooks: subscriptions (the
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

/** Answer: where to send the customer (Stripe-hosted; the stand-in's page in tests). */
export interface BillingPortalSessionResult {
  url: string;
  portalSessionId: string;
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
  /** Plans: what the plan entitles to (`{}` when none); null for packs. */
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
  /** Caps of the domain's free tier (`{}` when none). */
  freeCaps: Record<string, boolean | number>;
  offerings: OfferingView[];
}
