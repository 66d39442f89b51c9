import { subject } from '../subjects';

/**
 * The refunds service's contracts: the customer portal, refund
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

