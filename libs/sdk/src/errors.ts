/**
 * Errors of the SDK. Every failed call throws a `CreditHubError` carrying the API's stable `code`
 * (docs/api.md: `insufficient_credits`, `reference_conflict`, …), its HTTP `status`, the human
 * `detail` and the offending `field`; a subclass per family lets callers `catch` by kind.
 * Failures that never reached an answer (network, timeout) have `status` 0 and code
 * `network_error` or `timeout`. Every error carries the request's `correlationId` (the hub's
 * `X-Correlation-Id`): quote it when asking the hub's operator about a call.
 */

/** The fields of an RFC 9457 problem body the hub answers with (all optional: a proxy may answer otherwise). */
export interface ProblemBody {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  code?: unknown;
  field?: unknown;
  retryable?: unknown;
}

/** What an error is made of. */
export interface CreditHubErrorInit {
  status: number;
  code: string;
  detail: string;
  field?: string;
  /** Whether the same request may succeed later (from the API, else from the status). */
  retryable?: boolean;
  /** Seconds the server asked to wait (`Retry-After`), if it said. */
  retryAfterSeconds?: number;
  /** The request's correlation id: the hub's `X-Correlation-Id` answer header, else the one sent. */
  correlationId?: string;
  cause?: unknown;
}

/** A failed call. `code` is the API's stable code; `status` the HTTP status (0: no answer). */
export class CreditHubError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  /** The request's correlation id (`X-Correlation-Id`), to find the call in the hub's logs and traces. */
  readonly correlationId: string | undefined;

  constructor(init: CreditHubErrorInit) {
    super(`${init.code} (${init.status || 'no answer'}): ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    // Named explicitly: survives minifiers, and crosses a Workers RPC boundary as `name`.
    this.name = 'CreditHubError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.field = init.field;
    this.retryable = init.retryable ?? isRetryableStatus(init.status);
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.correlationId = init.correlationId;
  }
}

/** 400: a field is missing or malformed (`field` names it). */
export class ValidationError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'ValidationError';
  }
}

/** 401: no key, an unknown key or a revoked key. */
export class AuthenticationError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'AuthenticationError';
  }
}

/** 402: the credits cannot be spent (`insufficient_credits`, `payment_past_due`). */
export class PaymentRequiredError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'PaymentRequiredError';
  }
}

/** 402 `insufficient_credits`: not enough credits spendable on the domain; nothing was spent. */
export class InsufficientCreditsError extends PaymentRequiredError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'InsufficientCreditsError';
  }
}

/** 403: the key acts for another domain, or the account is frozen. */
export class PermissionDeniedError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'PermissionDeniedError';
  }
}

/** 404: no such offering, reservation, refund request… */
export class NotFoundError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'NotFoundError';
  }
}

/** 409: the request contradicts what was done before (a closed reservation, …). */
export class ConflictError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'ConflictError';
  }
}

/** 409 `reference_conflict`: the referenceId was already used with other credits, actionType or customer. */
export class ReferenceConflictError extends ConflictError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'ReferenceConflictError';
  }
}

/** 429, 5xx, network failure or timeout, after the retries: try again later with the same request. */
export class ServiceUnavailableError extends CreditHubError {
  constructor(init: CreditHubErrorInit) {
    super(init);
    this.name = 'ServiceUnavailableError';
  }
}

type ErrorClass = new (init: CreditHubErrorInit) => CreditHubError;

/** Codes with a class of their own; any other code falls back to the class of its status. */
const classByCode: Record<string, ErrorClass> = {
  insufficient_credits: InsufficientCreditsError,
  reference_conflict: ReferenceConflictError,
};

const classByStatus: Record<number, ErrorClass> = {
  400: ValidationError,
  401: AuthenticationError,
  402: PaymentRequiredError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: ValidationError,
  429: ServiceUnavailableError,
};

/** Whether a status is worth retrying with the same request: 429 and 5xx (0: no answer at all). */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

/** The error for an HTTP answer that was not 2xx, from its problem body when it has one. */
export function errorFromResponse(status: number, body: ProblemBody | null, retryAfterSeconds?: number, correlationId?: string): CreditHubError {
  const code = typeof body?.code === 'string' ? body.code : codeForStatus(status);
  const detail = typeof body?.detail === 'string' ? body.detail : typeof body?.title === 'string' ? body.title : `HTTP ${status}`;
  const init: CreditHubErrorInit = { status, code, detail };
  if (typeof body?.field === 'string') init.field = body.field;
  if (typeof body?.retryable === 'boolean') init.retryable = body.retryable;
  if (retryAfterSeconds !== undefined) init.retryAfterSeconds = retryAfterSeconds;
  if (correlationId !== undefined) init.correlationId = correlationId;
  return new (classByCode[code] ?? classByStatus[status] ?? (status >= 500 ? ServiceUnavailableError : CreditHubError))(init);
}

/** The error for a request that got no answer: the network failed or the attempt timed out. */
export function errorFromFailure(cause: unknown, timedOut: boolean, correlationId?: string): ServiceUnavailableError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ServiceUnavailableError({
    status: 0,
    code: timedOut ? 'timeout' : 'network_error',
    detail: timedOut ? 'The credit hub did not answer in time' : `The credit hub could not be reached: ${message}`,
    retryable: true,
    ...(correlationId === undefined ? {} : { correlationId }),
    cause,
  });
}

function codeForStatus(status: number): string {
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'internal_error';
  return 'http_error';
}
