import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Limits } from './customer';
import { NormalizedDomain, NormalizedEmail } from './normalize';
import { subject } from './subjects';

/**
 * The refunds service's contracts (issue 4, "refunds for feedback"): the customer portal, refund
 * requests with their structured feedback, the builder's read API, the money-refund saga's call
 * to billing, and the events on stream REFUNDS.
 */

/** Request/reply subjects served by the refunds service (queue group `refunds`). */
export const RefundsSubjects = {
  createPortalSession: subject('refunds.commands.create-portal-session.v1'),
  requestRefund: subject('refunds.commands.request-refund.v1'),
  reviewRefund: subject('refunds.commands.review-refund.v1'),
  getPortalView: subject('refunds.queries.get-portal-view.v1'),
  listRefundRequests: subject('refunds.queries.list-refund-requests.v1'),
  getRefundRequest: subject('refunds.queries.get-refund-request.v1'),
};

/** Request/reply subject served by billing for the money-refund saga (queue group `billing`). */
export const BillingRefundSubjects = {
  createRefund: subject('billing.commands.create-refund.v1'),
};

/** Subjects of the events the refunds service publishes to stream `REFUNDS` (through its outbox). */
export const RefundEventSubjects = {
  refundRequested: subject('refunds.events.refund-requested.v1'),
  refundHeld: subject('refunds.events.refund-held.v1'),
  refundCompleted: subject('refunds.events.refund-completed.v1'),
  refundFailed: subject('refunds.events.refund-failed.v1'),
  refundDenied: subject('refunds.events.refund-denied.v1'),
};

/** Why the customer asks for a refund (the form's category). */
export const RefundCategories = ['quality', 'speed', 'price', 'bug', 'missing_feature', 'other'] as const;
export type RefundCategory = (typeof RefundCategories)[number];

/** What is refunded: credits back to the balance, or money for a purchase's unused credits. */
export const RefundKinds = ['credits', 'money'] as const;
export type RefundKind = (typeof RefundKinds)[number];

/**
 * A refund request's status, which is also the step of its saga:
 * credits: `requested → completed | rejected`;
 * money: `requested → credits_removed → stripe_refunded → completed`, or `credits_removed →
 * compensating → compensated` when Stripe refuses, or `requested → rejected` when the ledger does;
 * either kind: `held` (flagged for review) `→ requested` (approved) `| denied`.
 */
export const RefundStatuses = [
  'requested',
  'held',
  'credits_removed',
  'stripe_refunded',
  'compensating',
  'completed',
  'compensated',
  'rejected',
  'denied',
] as const;
export type RefundStatus = (typeof RefundStatuses)[number];

/** Statuses after which nothing happens to a request any more. */
export const RefundTerminalStatuses: readonly RefundStatus[] = ['completed', 'compensated', 'rejected', 'denied'];

/** Bounds of the refund inputs (TigerBeetle: a limit on everything). */
export const RefundLimits = {
  feedbackLengthMax: 2000,
  tokenLengthMax: 4096,
  pageSizeMax: 100,
  pageSizeDefault: 20,
  ratingMin: 1,
  ratingMax: 5,
} as const;

const idPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const domainPattern = /^[a-z0-9.-]+$/i;
const feedbackLength = (name: string) => ({ message: `${name} must be 1-${RefundLimits.feedbackLengthMax} characters` });

class OnDomain {
  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** `CreatePortalSession`: a signed, expiring link for one customer of one domain (like Stripe's portal sessions). */
export class CreatePortalSessionCommand extends OnDomain {
  @NormalizedEmail() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(Limits.emailLengthMax)
  email!: string;

  /** Where the portal's "back" link leads (the builder's product). */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'returnUrl must be an http(s) URL' })
  @MaxLength(Limits.urlLengthMax)
  returnUrl!: string;
}

/** Answer to CreatePortalSession: the token the gateway puts in the portal URL, and when it expires. */
export interface PortalSession {
  token: string;
  expiresAt: string;
}

/** `GetPortalView`: everything the portal page shows, for the customer and domain the token names. */
export class GetPortalViewQuery {
  @IsString() @Length(1, RefundLimits.tokenLengthMax)
  token!: string;
}

/**
 * `RequestRefund`: the customer's refund request with its structured feedback. Idempotent on
 * `(customer, domain, requestKey)`: the portal form carries a fresh `requestKey`, so a double
 * submit is one request. `lotId` names the purchase of a money refund.
 */
export class RequestRefundCommand extends GetPortalViewQuery {
  @IsString() @Matches(idPattern, { message: 'requestKey must be 1-200 letters, digits or _.:-' })
  requestKey!: string;

  @IsIn(RefundKinds, { message: `kind must be one of ${RefundKinds.join(', ')}` })
  kind!: RefundKind;

  @IsOptional() @IsString() @Matches(idPattern, { message: 'lotId must be 1-200 letters, digits or _.:-' })
  lotId?: string;

  @IsString() @Length(1, RefundLimits.feedbackLengthMax, feedbackLength('tried'))
  tried!: string;

  @IsString() @Length(1, RefundLimits.feedbackLengthMax, feedbackLength('didNotWork'))
  didNotWork!: string;

  @IsString() @Length(1, RefundLimits.feedbackLengthMax, feedbackLength('wouldBringBack'))
  wouldBringBack!: string;

  @IsIn(RefundCategories, { message: `category must be one of ${RefundCategories.join(', ')}` })
  category!: RefundCategory;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'rating must be a whole number from 1 to 5' })
  @Min(RefundLimits.ratingMin, { message: 'rating must be a whole number from 1 to 5' })
  @Max(RefundLimits.ratingMax, { message: 'rating must be a whole number from 1 to 5' })
  rating?: number;
}

/** `ListRefundRequests`: a domain's refund requests, newest first, cursor-paginated, filtered. */
export class ListRefundRequestsQuery extends OnDomain {
  /** Only requests created at or after this time (ISO-8601). */
  @IsOptional() @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time such as 2026-11-01T00:00:00Z' })
  since?: string;

  @IsOptional() @IsIn(RefundStatuses, { message: `status must be one of ${RefundStatuses.join(', ')}` })
  status?: RefundStatus;

  @IsOptional() @IsIn(RefundCategories, { message: `category must be one of ${RefundCategories.join(', ')}` })
  category?: RefundCategory;

  /** Opaque cursor from the previous page's `nextCursor`. */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(RefundLimits.pageSizeMax)
  limit?: number;
}

/** `GetRefundRequest`: one request of the domain; another domain's request is `refund_not_found`. */
export class GetRefundRequestQuery extends OnDomain {
  @IsString() @Matches(uuidPattern, { message: 'refundRequestId must be a UUID' })
  refundRequestId!: string;
}

/** `ReviewRefund`: a builder's decision on a request held for review. Idempotent per decision. */
export class ReviewRefundCommand extends GetRefundRequestQuery {
  @IsIn(['approve', 'deny'], { message: 'decision must be approve or deny' })
  decision!: 'approve' | 'deny';
}

/** The structured feedback of a refund request. */
export interface RefundFeedback {
  tried: string;
  didNotWork: string;
  wouldBringBack: string;
  category: RefundCategory;
  rating: number | null;
}

/** A refund request as builders (API, events) and the portal see it. */
export interface RefundRequestView {
  id: string;
  email: string;
  domain: string;
  kind: RefundKind;
  status: RefundStatus;
  feedback: RefundFeedback;
  /** Credits the request asked for (credit refund) or the purchase's unused credits quoted (money refund). */
  creditsRequested: number;
  /** Credits returned to the balance (credit refund) or removed for money (money refund). */
  creditsRefunded: number;
  /** Money refunded through Stripe, integer minor units; null for credit refunds and before Stripe accepted. */
  moneyRefunded: { amountMinor: number; currency: string } | null;
  /** The purchase (lot) of a money refund. */
  lotId: string | null;
  stripeRefundId: string | null;
  /** Why the request is held for review, if it is or was. */
  reviewReason: string | null;
  /** Why the request was rejected or compensated. */
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

/** A page of refund requests. */
export interface RefundRequestPage {
  domain: string;
  items: RefundRequestView[];
  nextCursor: string | null;
}

/** The domain's brand on the portal, from the catalog. */
export interface PortalBranding {
  domain: string;
  displayName: string;
  supportEmail: string;
  returnUrl: string;
}

/** A domain's refund policy as the portal explains it. */
export interface RefundPolicyView {
  windowDays: number;
  refundsPerWindow: number;
  creditsPerRefundMax: number | null;
  moneyRefunds: { enabled: boolean; withinDays: number };
}

/** A consumption on the portal: what it cost and what of it can still be refunded. */
export interface PortalConsumption {
  referenceId: string;
  actionType: string;
  credits: number;
  creditsRefundable: number;
  consumedAt: string;
}

/** A purchase whose unused credits can be refunded as money. */
export interface PortalPurchase {
  lotId: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsUnused: number;
  amountMinor: number;
  currency: string;
  purchasedAt: string;
}

/** Everything the customer's portal page shows. */
export interface PortalView {
  email: string;
  branding: PortalBranding;
  expiresAt: string;
  /** Credits spendable on the domain now. */
  balance: number;
  policy: RefundPolicyView;
  /** Consumptions on the domain within the refund window, newest first (at most 100). */
  consumptions: PortalConsumption[];
  /** Whether a credit refund can be requested now, how many credits it would return, and why not. */
  creditRefund: { available: boolean; credits: number; reason: string | null };
  /** Purchases refundable as money now (empty when the domain does not allow money refunds). */
  moneyRefunds: PortalPurchase[];
  /** The customer's latest refund requests on the domain. */
  refunds: RefundRequestView[];
}

/** Answer to RequestRefund. */
export interface RequestRefundResult {
  request: RefundRequestView;
  /** Credits spendable on the domain after the refund. */
  balance: number;
  branding: PortalBranding;
  repeated: boolean;
}

/**
 * `CreateStripeRefund` (billing): refund `amountMinor` of the payment intent through Stripe with
 * idempotency key = `refundRequestId`. Refused with `stripe_refund_refused` when Stripe declines
 * (not retryable), `stripe_unavailable` when it cannot be reached (retry with the same id).
 */
export class CreateStripeRefundCommand {
  @IsString() @Matches(uuidPattern, { message: 'refundRequestId must be a UUID' })
  refundRequestId!: string;

  @IsString() @Matches(/^pi_[A-Za-z0-9_]{1,200}$/, { message: 'paymentIntentId must be a Stripe payment intent id (pi_…)' })
  paymentIntentId!: string;

  @Type(() => Number) @IsInt() @Min(1) @Max(99_999_999)
  amountMinor!: number;

  @IsString() @Matches(/^[a-z]{3}$/, { message: 'currency must be a lower-case ISO 4217 code' })
  currency!: string;
}

/** Answer to CreateStripeRefund. */
export interface CreateStripeRefundResult {
  stripeRefundId: string;
  /** Stripe's refund status (`succeeded`, `pending`, …). */
  status: string;
  amountMinor: number;
  currency: string;
}

/** Types of the events on stream REFUNDS. */
export type RefundEventType = 'RefundRequested' | 'RefundHeld' | 'RefundCompleted' | 'RefundFailed' | 'RefundDenied';

/**
 * An event on stream REFUNDS (`Nats-Msg-Id` = eventId = `<refundRequestId>:<type>`): a snapshot of
 * the request after the change, for analytics and outgoing webhooks.
 */
export interface RefundEventV1 {
  eventId: string;
  type: RefundEventType;
  schemaVersion: 1;
  occurredAt: string;
  request: RefundRequestView;
}
