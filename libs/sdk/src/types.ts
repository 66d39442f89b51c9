/**
 * The shapes of the credit hub's REST API as the SDK sends and receives them, taken from the types
 * generated from the gateway's OpenAPI document (`generated/openapi.ts`, `npm run openapi`), so
 * they cannot drift from the API. The names below are the SDK's stable names for them. Credits
 * are integers; money is integer minor units plus a lower-case ISO 4217 currency.
 */
import type { components, operations } from './generated/openapi';

export type { components, operations, paths } from './generated/openapi';

type Schemas = components['schemas'];

/** An operationId of the API (`consumeCredits`, `createCheckout`, …). */
export type OperationName = keyof operations;

/** `{}` for a part of a request the operation does not have (`never` in the generated types). */
type Defined<T> = [NonNullable<T>] extends [never] ? object : NonNullable<T>;

type JsonBody<T> = [NonNullable<T>] extends [never] ? object : NonNullable<T> extends { content: { 'application/json': infer B } } ? B : object;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/**
 * What a call of the operation takes: its path parameters, query parameters and JSON body, as one
 * object (the SDK puts each key where the operation wants it).
 */
export type OperationInput<K extends OperationName> = Flatten<
  Defined<operations[K]['parameters']['path']> & Defined<operations[K]['parameters']['query']> & JsonBody<operations[K]['requestBody']>
>;

type SuccessStatus = 200 | 201 | 202;

/** What a call of the operation answers: the JSON body of its success response(s). */
export type OperationResult<K extends OperationName> = {
  [S in keyof operations[K]['responses']]: S extends SuccessStatus
    ? operations[K]['responses'][S] extends { content: { 'application/json': infer R } }
      ? R
      : never
    : never;
}[keyof operations[K]['responses']];

/** `POST /api/billing/checkout`: the seed's `createCheckout`. */
export type CreateCheckoutInput = OperationInput<'createCheckout'>;
/** A hosted checkout page to send the customer to. */
export type CheckoutSession = OperationResult<'createCheckout'>;

/** `POST /api/portfolio/credits/consume`: the seed's `consumeCredits`. Idempotent on `(domain, referenceId)`; `deltaCredits` is negative. */
export type ConsumeCreditsInput = OperationInput<'consumeCredits'>;
/** The balance after a consumption; `repeated` when the referenceId was already spent (nothing new spent). */
export type ConsumeCreditsResult = OperationResult<'consumeCredits'>;

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

/** `GET /api/portfolio/credits/balance`; `domain` defaults to the API key's domain. */
export type GetBalanceInput = OperationInput<'getBalance'>;
/** One lot of credits (a purchase or a grant). */
export type CreditLot = Schemas['LotResponse'];
/** Credits spendable on the domain now (holds excluded), and the lots they come from. */
export type Balance = OperationResult<'getBalance'>;

/** `GET /api/portfolio/credits/history`: pass the previous page's `nextCursor` as `cursor`; `limit` 1-200, default 50. */
export type GetHistoryInput = OperationInput<'getHistory'>;
/** One event of the customer's account, with the balance right after it. */
export type HistoryItem = Schemas['HistoryItemResponse'];
/** A page of history, newest first. */
export type HistoryPage = OperationResult<'getHistory'>;

/** `POST /api/portfolio/credits/reservations`: a hold for a long job. Idempotent on `(domain, referenceId)`. */
export type ReserveCreditsInput = OperationInput<'reserveCredits'>;
/** `POST /api/portfolio/credits/reservations/{reservationId}/capture`. */
export type CaptureReservationInput = OperationInput<'captureReservation'>;
/** `POST /api/portfolio/credits/reservations/{reservationId}/release`. */
export type ReleaseReservationInput = OperationInput<'releaseReservation'>;
/** A hold on a customer's credits. */
export type Reservation = Schemas['ReservationResponse'];

/** `POST /api/portfolio/credits/grants`: promotion, goodwill, correction. Idempotent on `grantId`. */
export type GrantCreditsInput = OperationInput<'grantCredits'>;
/** The lot a grant created. */
export type GrantCreditsResult = OperationResult<'grantCredits'>;

/** A refund request with the customer's structured feedback. */
export type RefundRequest = Schemas['RefundRequestResponse'];
/** Refund request statuses (docs/api.md). */
export type RefundStatus = RefundRequest['status'];
/** Feedback categories customers choose from. */
export type RefundCategory = RefundRequest['feedback']['category'];
/** `GET /api/refund/requests`: the domain's refund requests with their feedback. */
export type GetRefundRequestsInput = OperationInput<'getRefundRequests'>;
/** A page of refund requests, newest first. */
export type RefundRequestPage = OperationResult<'getRefundRequests'>;

/** `POST /api/portal/sessions`: a link to the customer's refund portal. */
export type CreatePortalSessionInput = OperationInput<'createPortalSession'>;
/** A signed, expiring portal link for one customer on one domain. */
export type PortalSession = OperationResult<'createPortalSession'>;

/** `GET /api/portfolio/entitlements`; `domain` defaults to the API key's domain. */
export type GetEntitlementsInput = OperationInput<'getEntitlements'>;
/** The customer's entitlements on the domain, with the next known change and the spendable credits (docs/entitlements.md). */
export type Entitlements = OperationResult<'getEntitlements'>;
/** Feature flags (true/false) and numeric limits (whole numbers) by cap name. */
export type Caps = Entitlements['caps'];
/** Whose caps apply, the status as of now on Stripe's clock, the plan and the past-due flag. */
export type EntitlementState = Pick<Entitlements, 'tier' | 'status' | 'offeringId' | 'paymentPastDue'>;
/** `POST /api/portfolio/entitlements/check`: may the customer use `feature` (have `requested` more when they have `inUse`)? */
export type CheckEntitlementInput = OperationInput<'checkEntitlement'>;
/** The check's answer: a refusal is an answer (`LIMIT_REACHED`, `feature_not_in_plan`, `payment_past_due`), not an error. */
export type EntitlementCheck = OperationResult<'checkEntitlement'>;

/**
 * The seed's calls of the hub, as the SDK client and the `riskfreetrial` Worker binding both offer
 * them: the same names, inputs and answers whichever way a builder reaches the hub. The client
 * offers every other public operation of the API too (`CreditHubClient`).
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
