// Stripe-shaped API errors. Every failure the stand-in reports goes through `StripeApiError`, so the
// SDK on the other side raises the same error class it would raise against api.stripe.com
// (400/404 -> StripeInvalidRequestError, 401 -> StripeAuthenticationError, ...).

/** Stripe error `type` values the stand-in produces. */
export type StripeErrorType = 'invalid_request_error' | 'idempotency_error' | 'api_error' | 'card_error';

/** JSON body of a Stripe error response. `param` uses the bracket notation of the request (`line_items[0][quantity]`). */
export interface StripeErrorBody {
  error: { type: StripeErrorType; message: string; code?: string; param?: string; decline_code?: string };
}

/** Optional detail fields of a Stripe error. */
export interface StripeErrorDetail {
  code?: string;
  param?: string;
  decline_code?: string;
}

/** An error that becomes exactly one Stripe-shaped HTTP error response (`status` + `{ error: {...} }`). */
export class StripeApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly detail: StripeErrorDetail;
  /**
   * True when Stripe would have started executing the request before failing (a card decline), so the
   * error is stored under the request's `Idempotency-Key` and replayed; validation errors are not.
   */
  readonly replayable: boolean;

  constructor(status: number, type: StripeErrorType, message: string, detail: StripeErrorDetail = {}, replayable = false) {
    super(message);
    this.name = 'StripeApiError';
    this.status = status;
    this.type = type;
    this.detail = detail;
    this.replayable = replayable;
  }

  /** The JSON response body, with `code` and `param` only when set. */
  toBody(): StripeErrorBody {
    return { error: { type: this.type, message: this.message, ...this.detail } };
  }
}

/** 400 `invalid_request_error`, the most common Stripe error. */
export function invalidRequest(message: string, detail: StripeErrorDetail = {}): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, detail);
}

/** 400 `parameter_missing`, worded as Stripe words it. */
export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

/** 400 `parameter_unknown`, worded as Stripe words it. */
export function unknownParam(param: string): StripeApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
}

/** 400 `parameter_invalid_integer`, worded as Stripe words it. */
export function invalidInteger(param: string, value: string): StripeApiError {
  return invalidRequest(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param });
}

/** 400 `parameter_invalid_empty`: the param was sent as an empty string where a value is required. */
export function emptyParam(param: string): StripeApiError {
  return invalidRequest(`You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`, {
    code: 'parameter_invalid_empty',
    param,
  });
}

/**
 * `resource_missing` for an unknown object id (`No such checkout.session: 'cs_test_x'`).
 * 404 when the id is in the path, 400 when it is a parameter (as Stripe does).
 */
export function noSuchObject(objectName: string, id: string, param: string, status: 404 | 400 = 404): StripeApiError {
  return new StripeApiError(status, 'invalid_request_error', `No such ${objectName}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}

const CARD_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  card_declined: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  insufficient_funds: 'Your card has insufficient funds.',
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
};

/**
 * 402 `card_error` (the SDK raises `StripeCardError`). `code` is Stripe's error code (`card_declined`,
 * `expired_card`, ...). Replayable: it is stored under the request's `Idempotency-Key`, as Stripe does.
 */
export function cardError(code: string): StripeApiError {
  const message = CARD_ERROR_MESSAGES[code] ?? `The payment failed (${code}).`;
  const detail: StripeErrorDetail = code === 'card_declined' ? { code, decline_code: 'generic_decline' } : { code };
  return new StripeApiError(402, 'card_error', message, detail, true);
}

/** 404 for a method + path the stand-in does not serve. */
export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
}

/** 500 `api_error` for a bug in the stand-in itself; the original error is logged, not leaked. */
export function internalError(): StripeApiError {
  return new StripeApiError(500, 'api_error', 'An unexpected error occurred in the Stripe stand-in.');
}
