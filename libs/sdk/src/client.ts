import { CreditHubError, errorFromFailure, errorFromResponse, isRetryableStatus, ProblemBody } from './errors';
import { defaultRetryPolicy, parseRetryAfterMs, RetryPolicy, retryDelayMs } from './retry';
import { consumeBatchSizeMax } from './types';
import type {
  Balance, CaptureReservationInput, CheckEntitlementInput, CheckoutSession, ConsumeCreditsInput, ConsumeCreditsResult, ConsumeManyResult, CreateCheckoutInput, CreatePortalSessionInput,
  CreditHubApi, EntitlementCheck, Entitlements, GetBalanceInput, GetEntitlementsInput, GetHistoryInput, GetRefundRequestsInput, GrantCreditsInput, GrantCreditsResult, HistoryPage, PortalSession,
  RefundRequestPage, ReleaseReservationInput, Reservation, ReserveCreditsInput,
} from './types';

/** The `fetch` the client calls (the global one by default; any WHATWG-compatible one works). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options of `new CreditHubClient(…)`. */
export interface CreditHubClientOptions {
  /** The gateway, e.g. `https://billing.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** The domain's API key (`chk_dom_…`); a key acts only for its own domain. */
  apiKey: string;
  /** Retries after the first attempt on network errors, timeouts, 5xx and 429; default 3, 0 disables. */
  retries?: number;
  /** Time limit of one attempt, ms; default 10 000. */
  timeoutMs?: number;
  /** First backoff, ms (doubling, with jitter); default 250. */
  backoffBaseMs?: number;
  /** Longest backoff, ms; default 5 000. */
  backoffMaxMs?: number;
  /** A `Retry-After` longer than this is not waited for (the error is thrown); default 30 000 ms. */
  retryAfterMaxMs?: number;
  fetch?: FetchFunction;
}

type Query = Record<string, string | number | undefined>;

const defaultTimeoutMs = 10_000;
/** Bounds of the options: a mistake (`retries: 1e9`) must not turn into an endless call. */
const retriesMax = 10;
const timeoutMsMax = 300_000;

/**
 * A typed client of the credit hub's REST API, on `fetch` alone. Every call retries network
 * errors, timeouts, 5xx and 429 (honouring `Retry-After`) with exponential backoff and jitter,
 * sending the same body each time, so the same `referenceId` / `grantId`: the hub is idempotent
 * on them, and a retried consume is never a double spend. Other 4xx are thrown at once.
 * Failures are thrown as `CreditHubError` subclasses carrying the API's `code`.
 */
export class CreditHubClient implements CreditHubApi {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly fetchFunction: FetchFunction;

  constructor(options: CreditHubClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
    if (!options.apiKey) throw new TypeError('apiKey is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = bounded(options.timeoutMs ?? defaultTimeoutMs, 1, timeoutMsMax, 'timeoutMs');
    this.policy = {
      retries: bounded(options.retries ?? defaultRetryPolicy.retries, 0, retriesMax, 'retries'),
      baseDelayMs: bounded(options.backoffBaseMs ?? defaultRetryPolicy.baseDelayMs, 0, timeoutMsMax, 'backoffBaseMs'),
      maxDelayMs: bounded(options.backoffMaxMs ?? defaultRetryPolicy.maxDelayMs, 0, timeoutMsMax, 'backoffMaxMs'),
      retryAfterMaxMs: bounded(options.retryAfterMaxMs ?? defaultRetryPolicy.retryAfterMaxMs, 0, timeoutMsMax, 'retryAfterMaxMs'),
    };
    this.fetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** A hosted checkout page for an offering of the domain (the seed's `createCheckout`). */
  createCheckout(input: CreateCheckoutInput): Promise<CheckoutSession> {
    return this.send('POST', '/api/billing/checkout', pick(input, ['domain', 'offeringId', 'email', 'successUrl', 'cancelUrl']));
  }

  /** Spends credits, idempotent on `(domain, referenceId)` (the seed's `consumeCredits`). */
  consumeCredits(input: ConsumeCreditsInput): Promise<ConsumeCreditsResult> {
    return this.send('POST', '/api/portfolio/credits/consume', pick(input, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']));
  }

  /**
   * Many consumes in one call (`POST /api/portfolio/credits/consume/batch`, 1,000 per request;
   * a longer list goes in several requests, one after another): one result per input, in order,
   * each accepted, repeated or refused with its problem code; never all-or-nothing. Each consume is
   * idempotent on its own `(domain, referenceId)`, so a retried batch never spends twice.
   */
  async consumeMany(inputs: ConsumeCreditsInput[]): Promise<ConsumeManyResult> {
    const merged: ConsumeManyResult = { results: [], accepted: 0, repeated: 0, refused: 0 };
    for (let at = 0; at < inputs.length; at += consumeBatchSizeMax) {
      const items = inputs.slice(at, at + consumeBatchSizeMax).map((input) => pick(input, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']));
      const part = await this.send<ConsumeManyResult>('POST', '/api/portfolio/credits/consume/batch', { items });
      merged.results.push(...part.results.map((r) => ({ ...r, index: r.index + at })));
      merged.accepted += part.accepted;
      merged.repeated += part.repeated;
      merged.refused += part.refused;
    }
    return merged;
  }

  /** Credits spendable on the domain now, and the lots. */
  getBalance(input: GetBalanceInput): Promise<Balance> {
    return this.send('GET', '/api/portfolio/credits/balance', undefined, { email: input.email, domain: input.domain });
  }

  /** The customer's history on the domain, newest first; pass `nextCursor` back as `cursor` for older items. */
  getHistory(input: GetHistoryInput): Promise<HistoryPage> {
    return this.send('GET', '/api/portfolio/credits/history', undefined, pick(input, ['email', 'domain', 'cursor', 'limit']));
  }

  /** Holds credits for a long job, idempotent on `(domain, referenceId)`. */
  reserveCredits(input: ReserveCreditsInput): Promise<Reservation> {
    return this.send('POST', '/api/portfolio/credits/reservations', pick(input, ['email', 'domain', 'credits', 'referenceId', 'ttlSeconds']));
  }

  /** Spends up to the reserved credits; the rest is released. Idempotent. */
  captureReservation(input: CaptureReservationInput): Promise<Reservation> {
    return this.send('POST', `${reservationPath(input.reservationId)}/capture`, pick(input, ['email', 'domain', 'credits', 'actionType']));
  }

  /** Gives a hold back. Idempotent. */
  releaseReservation(input: ReleaseReservationInput): Promise<Reservation> {
    return this.send('POST', `${reservationPath(input.reservationId)}/release`, pick(input, ['email', 'domain']));
  }

  /** Gives credits (promotion, goodwill, correction), idempotent on `grantId`. */
  grantCredits(input: GrantCreditsInput): Promise<GrantCreditsResult> {
    return this.send('POST', '/api/portfolio/credits/grants', pick(input, ['email', 'domain', 'credits', 'grantId', 'reason', 'priority', 'expiresAt', 'scope']));
  }

  /** The domain's refund requests with their structured feedback, newest first. */
  getRefundRequests(input: GetRefundRequestsInput): Promise<RefundRequestPage> {
    return this.send('GET', '/api/refund/requests', undefined, pick(input, ['domain', 'since', 'status', 'category', 'cursor', 'limit']));
  }

  /** A signed, expiring link to the customer's refund portal. */
  createPortalSession(input: CreatePortalSessionInput): Promise<PortalSession> {
    return this.send('POST', '/api/portal/sessions', pick(input, ['email', 'domain', 'returnUrl']));
  }

  /** What the customer may do on the domain now: plan, status, next change, caps, spendable credits. */
  getEntitlements(input: GetEntitlementsInput): Promise<Entitlements> {
    return this.send('GET', '/api/portfolio/entitlements', undefined, { email: input.email, domain: input.domain });
  }

  /** May the customer use `feature` (have `requested` more when they have `inUse`)? A refusal is an answer. */
  checkEntitlement(input: CheckEntitlementInput): Promise<EntitlementCheck> {
    return this.send('POST', '/api/portfolio/entitlements/check', pick(input, ['email', 'domain', 'feature', 'requested', 'inUse']));
  }

  /** One call: attempts until an answer that is not retryable, or the retries are spent. */
  private async send<T>(method: 'GET' | 'POST', path: string, body?: object, query?: Query): Promise<T> {
    const url = this.baseUrl + path + queryString(query);
    // Serialised once: every attempt sends these very bytes (the same idempotency key).
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let retry = 1; ; retry++) {
      const outcome = await this.attempt<T>(method, url, payload);
      if (!(outcome instanceof CreditHubError)) return outcome.value;
      const retryAfterMs = outcome.retryAfterSeconds === undefined ? undefined : outcome.retryAfterSeconds * 1000;
      // Never another 4xx: the same request would get the same refusal.
      const delayMs = isRetryableStatus(outcome.status) ? retryDelayMs(this.policy, retry, retryAfterMs, Math.random) : null;
      if (delayMs === null) throw outcome;
      await sleep(delayMs);
    }
  }

  /** One attempt, bounded by `timeoutMs` (the body is read within it too). */
  private async attempt<T>(method: string, url: string, payload: string | undefined): Promise<{ value: T } | CreditHubError> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json, application/problem+json' };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const response = await this.fetchFunction(url, { method, headers, body: payload, signal: controller.signal });
      const text = await response.text();
      if (response.ok) return { value: (text ? JSON.parse(text) : null) as T };
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
      return errorFromResponse(response.status, parseProblem(text), retryAfterMs === undefined ? undefined : retryAfterMs / 1000);
    } catch (error) {
      return errorFromFailure(error, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }
}

function reservationPath(reservationId: string): string {
  return `/api/portfolio/credits/reservations/${encodeURIComponent(reservationId)}`;
}

/** Only the named keys that are set: a caller's extra properties are never sent (the API refuses unknown ones). */
function pick<T extends object, K extends keyof T>(input: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseProblem(text: string): ProblemBody | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as ProblemBody) : null;
  } catch {
    return null; // not JSON: a proxy's HTML page, an empty body
  }
}

function bounded(value: number, min: number, max: number, name: string): number {
  if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
