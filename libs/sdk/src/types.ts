/**
 * The shapes of the credit hub's REST API as the SDK sends and receives them (docs/api.md and the
 * gateway's OpenAPI at `/docs-json`). Written out here rather than imported: the SDK is published
 * on its own and depends on nothing in the workspace. Credits are integers; money is integer minor
 * units plus a lower-case ISO 4217 currency.
 */

/** `POST /api/billing/checkout`: the seed's `createCheckout`. */
export interface CreateCheckoutInput {
  domain: string;
  offeringId: string;
  email: string;
  successUrl: string;
  cancelUrl: string;
}

/** A hosted checkout page to send the customer to. */
export interface CheckoutSession {
  checkoutUrl: string;
  sessionId: string;
}

/** `POST /api/portfolio/credits/consume`: the seed's `consumeCredits`. Idempotent on `(domain, referenceId)`. */
export interface ConsumeCreditsInput {
  email: string;
  domain: string;
  /** Negative: -1 spends one credit. */
  deltaCredits: number;
  actionType: string;
  referenceId: string;
}

/** The balance after a consumption; `repeated` when the referenceId was already spent (nothing new spent). */
export interface ConsumeCreditsResult {
  balance: number;
  eventId: string;
  repeated: boolean;
}

/** Most consumes in one `POST /api/portfolio/credits/consume/batch` (`consumeMany` splits longer lists). */
export const consumeBatchSizeMax = 1000;

/**
 * The result of one consume of `consumeMany`, at its index in the input: `accepted` (spent now),
 * `repeated` (the first answer to an identical earlier consume), or `refused` with the problem code
 * the single consume would have answered (`insufficient_credits`, `validation_failed`, …).
 */
export interface ConsumeManyItemResult {
  index: number;
  outcome: 'accepted' | 'repeated' | 'refused';
  balance?: number;
  eventId?: string;
  code?: string;
  status?: number;
  detail?: string;
  field?: string;
  retryable?: boolean;
}

/** `POST /api/portfolio/credits/consume/batch`: one result per consume, in order, and the counts by outcome. */
export interface ConsumeManyResult {
  results: ConsumeManyItemResult[];
  accepted: number;
  repeated: number;
  refused: number;
}

/** `GET /api/portfolio/credits/balance`. */
export interface GetBalanceInput {
  email: string;
  /** Default: the API key's domain (the only one it may name). */
  domain?: string;
}

/** One lot of credits (a purchase or a grant). */
export interface CreditLot {
  lotId: string;
  kind: 'purchased' | 'granted';
  domain: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsRemaining: number;
  amountMinor: number;
  currency: string | null;
  /** Only spendable on this domain when set. */
  scopeDomain: string | null;
  expiresAt: string | null;
  acquiredAt: string;
}

/** Credits spendable on the domain now (holds excluded), and the lots they come from. */
export interface Balance {
  email: string;
  balance: number;
  lots: CreditLot[];
}

/** `GET /api/portfolio/credits/history`. */
export interface GetHistoryInput {
  email: string;
  domain?: string;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** 1-200, default 50. */
  limit?: number;
}

/** One event of the customer's account, with the balance right after it. */
export interface HistoryItem {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  domain: string | null;
  creditsDelta: number;
  balanceAfter: number;
  referenceId: string | null;
  actionType: string | null;
  details: Record<string, unknown>;
}

/** A page of history, newest first. */
export interface HistoryPage {
  email: string;
  items: HistoryItem[];
  nextCursor: string | null;
}

/** `POST /api/portfolio/credits/reservations`: a hold for a long job. Idempotent on `(domain, referenceId)`. */
export interface ReserveCreditsInput {
  email: string;
  domain: string;
  credits: number;
  referenceId: string;
  /** The ledger releases the hold by itself after this many seconds (1 s to 7 days). */
  ttlSeconds: number;
}

/** `POST /api/portfolio/credits/reservations/{reservationId}/capture`. */
export interface CaptureReservationInput {
  reservationId: string;
  /** The customer the hold belongs to (the ledger locks the account by email). */
  email: string;
  domain: string;
  /** At most the credits reserved; the rest is released. */
  credits: number;
  actionType?: string;
}

/** `POST /api/portfolio/credits/reservations/{reservationId}/release`. */
export interface ReleaseReservationInput {
  reservationId: string;
  email: string;
  domain: string;
}

/** A hold on a customer's credits. */
export interface Reservation {
  reservationId: string;
  email: string;
  domain: string;
  referenceId: string;
  status: 'active' | 'captured' | 'released' | 'expired';
  creditsReserved: number;
  creditsCaptured: number;
  expiresAt: string;
  /** The whole balance after the call (held credits included). */
  balance: number;
  /** Credits spendable on the domain now (holds excluded). */
  spendable: number;
  eventId: string | null;
  repeated: boolean;
}

/** `POST /api/portfolio/credits/grants`: promotion, goodwill, correction. Idempotent on `grantId`. */
export interface GrantCreditsInput {
  email: string;
  domain: string;
  credits: number;
  grantId: string;
  reason: string;
  priority?: number;
  /** ISO 8601; what is left of the grant is removed then. */
  expiresAt?: string;
  /** `domain`: spendable only on the granting domain; default `portfolio`. */
  scope?: 'portfolio' | 'domain';
}

/** The lot a grant created. */
export interface GrantCreditsResult {
  lotId: string;
  eventId: string | null;
  balance: number;
  repeated: boolean;
}

/** Refund request statuses (docs/api.md). */
export type RefundStatus =
  | 'requested' | 'held' | 'credits_removed' | 'stripe_refunded' | 'compensating' | 'completed' | 'compensated' | 'rejected' | 'denied';

/** Feedback categories customers choose from. */
export type RefundCategory = 'quality' | 'speed' | 'price' | 'bug' | 'missing_feature' | 'other';

/** `GET /api/refund/requests`: the domain's refund requests with their feedback. */
export interface GetRefundRequestsInput {
  domain: string;
  /** Only requests created at or after this ISO 8601 time. */
  since?: string;
  status?: RefundStatus;
  category?: RefundCategory;
  cursor?: string;
  limit?: number;
}

/** A refund request with the customer's structured feedback. */
export interface RefundRequest {
  id: string;
  email: string;
  domain: string;
  kind: 'credits' | 'money';
  status: RefundStatus;
  feedback: { tried: string; didNotWork: string; wouldBringBack: string; category: RefundCategory; rating: number | null };
  creditsRequested: number;
  creditsRefunded: number;
  moneyRefunded: { amountMinor: number; currency: string } | null;
  lotId: string | null;
  stripeRefundId: string | null;
  reviewReason: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

/** A page of refund requests, newest first. */
export interface RefundRequestPage {
  domain: string;
  items: RefundRequest[];
  nextCursor: string | null;
}

/** `POST /api/portal/sessions`: a link to the customer's refund portal. */
export interface CreatePortalSessionInput {
  email: string;
  domain: string;
  returnUrl: string;
}

/** A signed, expiring portal link for one customer on one domain. */
export interface PortalSession {
  url: string;
  expiresAt: string;
}

/** `GET /api/portfolio/entitlements`: what the customer may do on the domain now (docs/entitlements.md). */
export interface GetEntitlementsInput {
  email: string;
  /** Default: the API key's domain (the only one it may name). */
  domain?: string;
}

/** Feature flags (true/false) and numeric limits (whole numbers) by cap name. */
export type Caps = Record<string, boolean | number>;

/** Whose caps apply, the status as of now on Stripe's clock, the plan and the past-due flag. */
export interface EntitlementState {
  tier: 'plan' | 'free';
  status: 'none' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'paused';
  offeringId: string | null;
  paymentPastDue: boolean;
}

/** The customer's entitlements on the domain, with the next known change and the spendable credits. */
export interface Entitlements extends EntitlementState {
  email: string;
  domain: string;
  caps: Caps;
  subscriptionId: string | null;
  trialEnd: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  graceEndsAt: string | null;
  changesAt: string | null;
  changesTo: (EntitlementState & { at: string; caps: Caps; expected: boolean }) | null;
  asOf: string;
  credits: { spendable: number };
}

/** `POST /api/portfolio/entitlements/check`: may the customer use `feature` (have `requested` more when they have `inUse`)? */
export interface CheckEntitlementInput {
  email: string;
  domain: string;
  feature: string;
  /** Default 1. */
  requested?: number;
  /** Default 0. */
  inUse?: number;
}

/** The check's answer: a refusal is an answer (`LIMIT_REACHED`, `feature_not_in_plan`, `payment_past_due`), not an error. */
export interface EntitlementCheck {
  allowed: boolean;
  code: 'ok' | 'LIMIT_REACHED' | 'feature_not_in_plan' | 'payment_past_due';
  limit: number | null;
  remaining: number | null;
  overLimitBy: number;
  tier: EntitlementState['tier'];
  status: EntitlementState['status'];
  offeringId: string | null;
}

/**
 * Every call of the hub, as the SDK client and the `riskfreetrial` Worker binding both offer it:
 * the same names, inputs and answers whichever way a builder reaches the hub.
 */
export interface CreditHubApi {
  createCheckout(input: CreateCheckoutInput): Promise<CheckoutSession>;
  consumeCredits(input: ConsumeCreditsInput): Promise<ConsumeCreditsResult>;
  consumeMany(inputs: ConsumeCreditsInput[]): Promise<ConsumeManyResult>;
  getBalance(input: GetBalanceInput): Promise<Balance>;
  getHistory(input: GetHistoryInput): Promise<HistoryPage>;
  reserveCredits(input: ReserveCreditsInput): Promise<Reservation>;
  captureReservation(input: CaptureReservationInput): Promise<Reservation>;
  releaseReservation(input: ReleaseReservationInput): Promise<Reservation>;
  grantCredits(input: GrantCreditsInput): Promise<GrantCreditsResult>;
  getRefundRequests(input: GetRefundRequestsInput): Promise<RefundRequestPage>;
  createPortalSession(input: CreatePortalSessionInput): Promise<PortalSession>;
  getEntitlements(input: GetEntitlementsInput): Promise<Entitlements>;
  checkEntitlement(input: CheckEntitlementInput): Promise<EntitlementCheck>;
}
