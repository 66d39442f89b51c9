/**
 * The closed list of refusal codes a command can return (TigerBeetle style: named, ordered, with
 * a flag saying whether a retry of the same request can succeed). Expected refusals are returned,
 * never thrown (STYLE.md rule 3). The gateway maps each code to one HTTP status.
 */
export const ErrorCodes = {
  validation_failed: { status: 400, retryable: false, title: 'The request is not valid' },
  unauthorized: { status: 401, retryable: false, title: 'Missing or invalid API key' },
  forbidden_domain: { status: 403, retryable: false, title: 'This key cannot act for that domain' },
  builder_key_not_allowed: { status: 403, retryable: false, title: 'A builder key only reads analytics; use a domain key here' },
  not_found: { status: 404, retryable: false, title: 'Not found' },
  offering_not_found: { status: 404, retryable: false, title: 'No such offering in this domain' },
  insufficient_credits: { status: 402, retryable: false, title: 'Not enough credits' },
  reference_conflict: {
    status: 409,
    retryable: false,
    title: 'This referenceId was already used with other credits, actionType or customer',
  },
  account_frozen: { status: 403, retryable: false, title: 'The account is frozen while a payment dispute is open' },
  payment_past_due: {
    status: 402,
    retryable: false,
    title: "The plan's payment is past due; its credits are blocked until a payment succeeds",
  },
  reservation_not_found: { status: 404, retryable: false, title: 'No such reservation' },
  reservation_closed: { status: 409, retryable: false, title: 'The reservation was already captured, released or expired' },
  capture_exceeds_reservation: { status: 409, retryable: false, title: 'Cannot capture more credits than were reserved' },
  consumption_not_found: { status: 404, retryable: false, title: 'No such consumption on this domain' },
  lot_not_found: { status: 404, retryable: false, title: 'No such purchase for this customer' },
  nothing_to_refund: { status: 409, retryable: false, title: 'Nothing left to refund' },
  refund_not_found: { status: 404, retryable: false, title: 'No such refund' },
  refund_not_allowed: { status: 409, retryable: false, title: "The domain's refund policy does not allow this refund" },
  portal_link_invalid: { status: 403, retryable: false, title: 'The portal link is invalid or has expired' },
  stripe_refund_refused: { status: 402, retryable: false, title: 'Stripe refused the refund' },
  stripe_refund_needs_operator: {
    status: 409,
    retryable: false,
    title: "Stripe refused the refund's idempotency key (used with other parameters); an operator must check the payment",
  },
  checkout_blocked: { status: 403, retryable: false, title: 'New checkouts are blocked for this customer (more than 3 disputes in 6 months)' },
  connected_account_not_ready: {
    status: 409,
    retryable: true,
    title: "The domain's connected Stripe account has not finished onboarding (charges not enabled yet)",
  },
  connected_account_disconnected: {
    status: 409,
    retryable: false,
    title: "The domain's connected Stripe account was disconnected; the builder must connect it again",
  },
  connect_oauth_not_configured: {
    status: 409,
    retryable: false,
    title: 'Connecting an existing Stripe account (Connect OAuth) is not configured on this hub; use the onboarding',
  },
  subscription_not_owned: { status: 403, retryable: false, title: 'Only the customer who owns the subscription can change it' },
  rate_limited: { status: 429, retryable: true, title: 'Too many requests for this API key; retry after the given delay' },
  webhook_signature_invalid: { status: 400, retryable: false, title: 'Stripe signature verification failed' },
  webhook_timestamp_out_of_tolerance: {
    status: 400,
    retryable: false,
    title: 'Stripe signature timestamp is outside the 300 s tolerance',
  },
  webhook_payload_invalid: { status: 400, retryable: false, title: 'The webhook payload is not a Stripe event' },
  stripe_unavailable: { status: 502, retryable: true, title: 'Stripe could not be reached' },
  service_unavailable: { status: 503, retryable: true, title: 'A service needed for this request is unavailable' },
  payload_too_large: { status: 413, retryable: false, title: 'The request body is too large' },
  idempotency_key_in_flight: { status: 409, retryable: true, title: 'A request with this Idempotency-Key is still being processed; retry shortly' },
  idempotency_key_reused: { status: 422, retryable: false, title: 'This Idempotency-Key was already used with a different request body' },
  internal_error: { status: 500, retryable: true, title: 'Internal error' },
} as const;

/** One of the refusal codes above. */
export type ErrorCode = keyof typeof ErrorCodes;

/** A refusal carried in a reply: a stable code, a human sentence, and the offending field if any. */
export interface Refusal {
  code: ErrorCode;
  detail: string;
  field?: string;
}

/**
 * The shape of every request/reply answer over NATS: either a value or a refusal.
 * Transport failures (timeouts, no responders) are not replies; the caller maps them to 503.
 */
export type Reply<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/** Builds a successful reply. */
export function replyOk<T>(value: T): Reply<T> {
  return { ok: true, value };
}

/** Builds a refusal reply. */
export function replyRefused<T = never>(code: ErrorCode, detail: string, field?: string): Reply<T> {
  return { ok: false, refusal: field === undefined ? { code, detail } : { code, detail, field } };
}
