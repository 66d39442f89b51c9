import { WorkerEntrypoint } from 'cloudflare:workers';
import type {
  Balance, CaptureReservationInput, CheckEntitlementInput, CheckoutSession, ConsumeCreditsInput, ConsumeCreditsResult, ConsumeManyResult, CreateCheckoutInput, CreatePortalSessionInput,
  CreditHubApi, EntitlementCheck, Entitlements, GetBalanceInput, GetEntitlementsInput, GetHistoryInput, GetRefundRequestsInput, GrantCreditsInput, GrantCreditsResult, HistoryPage, PortalSession,
  RefundRequestPage, ReleaseReservationInput, Reservation, ReserveCreditsInput,
} from '@credit-hub/sdk';

/**
 * `riskfreetrial`: the credit hub as a Cloudflare Workers service binding. A builder's Worker adds
 * `"services": [{ "binding": "PORTFOLIO_BILLING_SERVICE", "service": "riskfreetrial" }]` and calls
 * `env.PORTFOLIO_BILLING_SERVICE.createCheckout({…})` / `.consumeCredits({…})` (the seed's
 * integration): each RPC method forwards to the gateway's REST API with the builder's key.
 *
 * The methods, inputs and answers are the SDK's (`CreditHubApi`, checked at compile time). This
 * file imports nothing at run time but `cloudflare:workers` (the SDK only lends its types), so it
 * is one ES module for workerd as it is (apps/riskfreetrial/bundle.cjs). The forwarding below is
 * the SDK's policy in small: the same body on every attempt (same referenceId: a retry is never a
 * double spend), retries on no answer, 5xx and 429 honouring Retry-After, never on other 4xx.
 */

/** The Worker's bindings: `GATEWAY_URL` a var, `PORTFOLIO_BILLING_API_KEY` a secret (`wrangler secret put`). */
export interface Env {
  GATEWAY_URL: string;
  PORTFOLIO_BILLING_API_KEY: string;
}

const attemptsMax = 4; // the first attempt and 3 retries
const attemptTimeoutMs = 10_000;
const backoffBaseMs = 200;
const backoffMaxMs = 2_000;
/** A longer `Retry-After` is not waited for inside an RPC call: the error goes to the caller. */
const retryAfterMaxMs = 10_000;

export default class RiskFreeTrial extends WorkerEntrypoint<Env> implements CreditHubApi {
  createCheckout(input: CreateCheckoutInput): Promise<CheckoutSession> {
    return post(this.env, '/api/billing/checkout', input, ['domain', 'offeringId', 'email', 'successUrl', 'cancelUrl']);
  }

  consumeCredits(input: ConsumeCreditsInput): Promise<ConsumeCreditsResult> {
    return post(this.env, '/api/portfolio/credits/consume', input, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']);
  }

  /** Up to 1,000 consumes per call, one result per item in order (`POST /api/portfolio/credits/consume/batch`). */
  consumeMany(inputs: ConsumeCreditsInput[]): Promise<ConsumeManyResult> {
    // An item that is not an object goes as it is: the gateway refuses it alone, at its index.
    const items = (Array.isArray(inputs) ? inputs : []).map((input) =>
      input !== null && typeof input === 'object' && !Array.isArray(input) ? pick(input, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']) : input);
    return forward<ConsumeManyResult>(this.env, 'POST', '/api/portfolio/credits/consume/batch', JSON.stringify({ items }));
  }

  getBalance(input: GetBalanceInput): Promise<Balance> {
    return get(this.env, '/api/portfolio/credits/balance', input, ['email', 'domain']);
  }

  getHistory(input: GetHistoryInput): Promise<HistoryPage> {
    return get(this.env, '/api/portfolio/credits/history', input, ['email', 'domain', 'cursor', 'limit']);
  }

  reserveCredits(input: ReserveCreditsInput): Promise<Reservation> {
    return post(this.env, '/api/portfolio/credits/reservations', input, ['email', 'domain', 'credits', 'referenceId', 'ttlSeconds']);
  }

  captureReservation(input: CaptureReservationInput): Promise<Reservation> {
    return post(this.env, `${reservationPath(input)}/capture`, input, ['email', 'domain', 'credits', 'actionType']);
  }

  releaseReservation(input: ReleaseReservationInput): Promise<Reservation> {
    return post(this.env, `${reservationPath(input)}/release`, input, ['email', 'domain']);
  }

  grantCredits(input: GrantCreditsInput): Promise<GrantCreditsResult> {
    return post(this.env, '/api/portfolio/credits/grants', input, ['email', 'domain', 'credits', 'grantId', 'reason', 'priority', 'expiresAt', 'scope']);
  }

  getRefundRequests(input: GetRefundRequestsInput): Promise<RefundRequestPage> {
    return get(this.env, '/api/refund/requests', input, ['domain', 'since', 'status', 'category', 'cursor', 'limit']);
  }

  createPortalSession(input: CreatePortalSessionInput): Promise<PortalSession> {
    return post(this.env, '/api/portal/sessions', input, ['email', 'domain', 'returnUrl']);
  }

  getEntitlements(input: GetEntitlementsInput): Promise<Entitlements> {
    return get(this.env, '/api/portfolio/entitlements', input, ['email', 'domain']);
  }

  checkEntitlement(input: CheckEntitlementInput): Promise<EntitlementCheck> {
    return post(this.env, '/api/portfolio/entitlements/check', input, ['email', 'domain', 'feature', 'requested', 'inUse']);
  }

  /** Not an HTTP service: only RPC over a service binding. */
  fetch(): Response {
    return Response.json({ error: 'riskfreetrial is called over a service binding: env.PORTFOLIO_BILLING_SERVICE.consumeCredits({…})' }, { status: 404 });
  }

}

// Module functions, not methods: every method of the entrypoint class is callable over RPC.

async function post<T>(env: Env, path: string, input: unknown, keys: string[]): Promise<T> {
  return forward<T>(env, 'POST', path, JSON.stringify(pick(input, keys)));
}

async function get<T>(env: Env, path: string, input: unknown, keys: string[]): Promise<T> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(pick(input, keys))) query.set(key, String(value));
  const text = query.toString();
  return forward<T>(env, 'GET', text ? `${path}?${text}` : path, undefined);
}

/**
 * An API refusal as the caller of the binding receives it. `name` is the SDK's class name
 * (`InsufficientCreditsError`, …) and `code`, `status`, `detail`, `field`, `retryable` are own
 * properties: both cross the RPC boundary when caller and Worker run with compatibility date
 * 2026-04-21 or later (`enhanced_error_serialization`); before that only the message does, so it
 * starts with the code: `insufficient_credits (402): …`.
 */
class CreditHubRpcError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field: string | undefined;
  readonly retryable: boolean;

  constructor(status: number, code: string, detail: string, field?: string) {
    super(`${code} (${status || 'no answer'}): ${detail}`);
    this.name = errorName(status, code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
    this.retryable = isRetryable(status);
  }
}

/** Sends one request to the gateway, retrying what may succeed later; answers the JSON or throws CreditHubRpcError. */
async function forward<T>(env: Env, method: string, path: string, body: string | undefined): Promise<T> {
  if (!env.GATEWAY_URL || !env.PORTFOLIO_BILLING_API_KEY) {
    throw new CreditHubRpcError(0, 'worker_misconfigured', 'riskfreetrial needs the GATEWAY_URL var and the PORTFOLIO_BILLING_API_KEY secret');
  }
  const url = env.GATEWAY_URL.replace(/\/+$/, '') + path;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(env.PORTFOLIO_BILLING_API_KEY, method, url, body);
    if (!(outcome instanceof Failure)) return outcome.value as T;
    const delayMs = attempt < attemptsMax && outcome.error.retryable ? waitBefore(attempt, outcome.retryAfterMs) : null;
    if (delayMs === null) throw outcome.error;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

class Failure {
  constructor(readonly error: CreditHubRpcError, readonly retryAfterMs?: number) {}
}

async function attemptOnce(apiKey: string, method: string, url: string, body: string | undefined): Promise<{ value: unknown } | Failure> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), attemptTimeoutMs);
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, { method, headers, body, signal: controller.signal });
    const text = await response.text();
    if (response.ok) return { value: text ? JSON.parse(text) : null };
    const problem = parseObject(text);
    const code = typeof problem['code'] === 'string' ? problem['code'] : response.status >= 500 || response.status === 429 ? 'service_unavailable' : 'http_error';
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : `HTTP ${response.status}`;
    const field = typeof problem['field'] === 'string' ? problem['field'] : undefined;
    return new Failure(new CreditHubRpcError(response.status, code, detail, field), retryAfterMs(response.headers.get('retry-after')));
  } catch (error) {
    const timedOut = controller.signal.aborted;
    const detail = timedOut ? 'The credit hub did not answer in time' : `The credit hub could not be reached: ${(error as Error).message}`;
    return new Failure(new CreditHubRpcError(0, timedOut ? 'timeout' : 'network_error', detail));
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds before attempt `attempt + 1`: Retry-After when given (null if too long), else exponential with equal jitter. */
function waitBefore(attempt: number, retryAfter: number | undefined): number | null {
  if (retryAfter !== undefined) return retryAfter <= retryAfterMaxMs ? retryAfter : null;
  const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d{1,9}\s*$/.test(header)) return Number(header) * 1000;
  const date = /[A-Za-z]/.test(header) ? Date.parse(header) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isRetryable(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

/** The SDK's error class name for an answer (libs/sdk/src/errors.ts). */
function errorName(status: number, code: string): string {
  if (code === 'insufficient_credits') return 'InsufficientCreditsError';
  if (code === 'reference_conflict') return 'ReferenceConflictError';
  const byStatus: Record<number, string> = {
    400: 'ValidationError', 401: 'AuthenticationError', 402: 'PaymentRequiredError', 403: 'PermissionDeniedError', 404: 'NotFoundError',
    409: 'ConflictError', 413: 'ValidationError',
  };
  return byStatus[status] ?? (isRetryable(status) ? 'ServiceUnavailableError' : 'CreditHubError');
}

/** The named keys that are set; RPC callers may pass anything, so a non-object is refused like the API would. */
function pick(input: unknown, keys: string[]): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new CreditHubRpcError(400, 'validation_failed', 'The argument must be an object such as { email, domain, … }');
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) if ((input as Record<string, unknown>)[key] !== undefined) out[key] = (input as Record<string, unknown>)[key];
  return out;
}

function reservationPath(input: { reservationId?: unknown }): string {
  if (typeof input?.reservationId !== 'string' || input.reservationId === '') {
    throw new CreditHubRpcError(400, 'validation_failed', 'reservationId must be the id the reserve call answered', 'reservationId');
  }
  return `/api/portfolio/credits/reservations/${encodeURIComponent(input.reservationId)}`;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
