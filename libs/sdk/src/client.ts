import { CreditHubError, errorFromFailure, errorFromResponse, isRetryableStatus, ProblemBody, ValidationError } from './errors';
import { operationTable } from './generated/operations';
import { CursorPage, PagedResult, pagedResult } from './pagination';
import { defaultRetryPolicy, parseRetryAfterMs, RetryPolicy, retryDelayMs } from './retry';
import { consumeBatchSizeMax } from './types';
import type {
  Balance, CaptureReservationInput, CheckEntitlementInput, CheckoutSession, ConsumeCreditsInput, ConsumeCreditsResult, ConsumeManyResult, CreateCheckoutInput, CreatePortalSessionInput,
  CreditHubApi, EntitlementCheck, Entitlements, GetBalanceInput, GetEntitlementsInput, GetHistoryInput, GetRefundRequestsInput, GrantCreditsInput, GrantCreditsResult, HistoryPage,
  OperationInput, OperationName, OperationResult, PortalSession, RefundRequestPage, ReleaseReservationInput, Reservation, ReserveCreditsInput,
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
  /**
   * Makes the correlation id sent as `X-Correlation-Id` with each call (every attempt of a call
   * sends the same one); default `crypto.randomUUID()` where the runtime has it. The hub logs and
   * traces the call under it, and a failed call's error carries it (`error.correlationId`).
   */
  correlationId?: () => string;
}

/**
 * Operations a builder calls through the SDK: every operation of the API but Stripe's webhook
 * (Stripe calls it), the health checks (probes call them) and the metrics (a scraper reads them).
 */
export type PublicOperationName = Exclude<OperationName, 'handleStripeWebhook' | 'handleStripeConnectWebhook' | 'getHealth' | 'getReadiness' | 'getMetrics'>;

/**
 * Operations the hub does not deduplicate: no idempotency key in the request, and a repeat has a
 * second effect (another endpoint with another secret, another delivery). After a failure that
 * may follow the effect (network error, timeout, 5xx: the answer may be what was lost) they are
 * not sent again; only a 429 `rate_limited` (refused before anything happened) is retried. The
 * caller decides (e.g. lists the endpoints before creating one again).
 */
export const operationsNotRepeatable: ReadonlySet<PublicOperationName> = new Set<PublicOperationName>(['createWebhookEndpoint', 'replayWebhookDelivery']);

const defaultTimeoutMs = 10_000;
/** Bounds of the options: a mistake (`retries: 1e9`) must not turn into an endless call. */
const retriesMax = 10;
const timeoutMsMax = 300_000;

/**
 * A typed client of the credit hub's REST API, on `fetch` alone. Every call retries network
 * errors, timeouts, 5xx and 429 (honouring `Retry-After`) with exponential backoff and jitter,
 * sending the same body each time, so the same `referenceId` / `grantId`: the hub is idempotent
 * on them, and a retried consume is never a double spend. Other 4xx are thrown at once.
 * Failures are thrown as `CreditHubError` subclasses carrying the API's `code` and the request's
 * `correlationId`. One method per public operation of the API, named by its operationId; the
 * paths, parameters and types come from the gateway's OpenAPI document (`generated/`). Lists with
 * a cursor answer a `PagedResult`: await it for the first page, `for await` it for every item.
 */
export class CreditHubClient implements CreditHubApi {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly fetchFunction: FetchFunction;
  private readonly newCorrelationId: () => string | undefined;

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
    this.newCorrelationId = options.correlationId ?? defaultCorrelationId;
  }

  /** A hosted checkout page for an offering of the domain (the seed's `createCheckout`). */
  createCheckout(input: CreateCheckoutInput): Promise<CheckoutSession> {
    return this.call('createCheckout', input);
  }

  /** Spends credits, idempotent on `(domain, referenceId)` (the seed's `consumeCredits`). */
  consumeCredits(input: ConsumeCreditsInput): Promise<ConsumeCreditsResult> {
    return this.call('consumeCredits', input);
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
      // An item that is not an object goes as it is: the gateway refuses the request (400).
      const items = inputs.slice(at, at + consumeBatchSizeMax).map((input) =>
        input !== null && typeof input === 'object' && !Array.isArray(input) ? pick(input as Record<string, unknown>, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']) : input);
      const part = (await this.send('POST', '/api/portfolio/credits/consume/batch', { items }, {}, true)) as ConsumeManyResult; // every item idempotent: repeatable
      merged.results.push(...part.results.map((r) => ({ ...r, index: r.index + at })));
      merged.accepted += part.accepted;
      merged.repeated += part.repeated;
      merged.refused += part.refused;
    }
    return merged;
  }

  /** Credits spendable on the domain now, and the lots. */
  getBalance(input: GetBalanceInput): Promise<Balance> {
    return this.call('getBalance', input);
  }

  /** The customer's history on the domain, newest first: await it for a page (`nextCursor` → `cursor`), `for await` it for every item. */
  getHistory(input: GetHistoryInput): PagedResult<HistoryPage> {
    return this.paged<HistoryPage>('getHistory', input);
  }

  /** Holds credits for a long job, idempotent on `(domain, referenceId)`. */
  reserveCredits(input: ReserveCreditsInput): Promise<Reservation> {
    return this.call('reserveCredits', input);
  }

  /** Spends up to the reserved credits; the rest is released. Idempotent. */
  captureReservation(input: CaptureReservationInput): Promise<Reservation> {
    return this.call('captureReservation', input);
  }

  /** Gives a hold back. Idempotent. */
  releaseReservation(input: ReleaseReservationInput): Promise<Reservation> {
    return this.call('releaseReservation', input);
  }

  /** Gives credits (promotion, goodwill, correction), idempotent on `grantId`. */
  grantCredits(input: GrantCreditsInput): Promise<GrantCreditsResult> {
    return this.call('grantCredits', input);
  }

  /** The domain's refund requests with their structured feedback, newest first: await it for a page, `for await` it for every request. */
  getRefundRequests(input: GetRefundRequestsInput): PagedResult<RefundRequestPage> {
    return this.paged<RefundRequestPage>('getRefundRequests', input);
  }

  /** One refund request of the domain. */
  getRefundRequest(input: OperationInput<'getRefundRequest'>): Promise<OperationResult<'getRefundRequest'>> {
    return this.call('getRefundRequest', input);
  }

  /** Approves or denies a refund held for review. */
  reviewRefundRequest(input: OperationInput<'reviewRefundRequest'>): Promise<OperationResult<'reviewRefundRequest'>> {
    return this.call('reviewRefundRequest', input);
  }

  /** A signed, expiring link to the customer's refund portal. */
  createPortalSession(input: CreatePortalSessionInput): Promise<PortalSession> {
    return this.call('createPortalSession', input);
  }

  /** What the customer may do on the domain now: plan, status, next change, caps, spendable credits. */
  getEntitlements(input: GetEntitlementsInput): Promise<Entitlements> {
    return this.call('getEntitlements', input);
  }

  /** May the customer use `feature` (have `requested` more when they have `inUse`)? A refusal is an answer. */
  checkEntitlement(input: CheckEntitlementInput): Promise<EntitlementCheck> {
    return this.call('checkEntitlement', input);
  }

  /** A Stripe customer portal session for the customer's own subscriptions on the domain. */
  createBillingPortalSession(input: OperationInput<'createBillingPortalSession'>): Promise<OperationResult<'createBillingPortalSession'>> {
    return this.call('createBillingPortalSession', input);
  }

  /** The customer's subscriptions on the domain. */
  listSubscriptions(input: OperationInput<'listSubscriptions'>): Promise<OperationResult<'listSubscriptions'>> {
    return this.call('listSubscriptions', input);
  }

  /** Cancels a subscription of the customer (at the period end by default). */
  cancelSubscription(input: OperationInput<'cancelSubscription'>): Promise<OperationResult<'cancelSubscription'>> {
    return this.call('cancelSubscription', input);
  }

  /** Switches a subscription of the customer to another plan of the domain. */
  changeSubscriptionPlan(input: OperationInput<'changeSubscriptionPlan'>): Promise<OperationResult<'changeSubscriptionPlan'>> {
    return this.call('changeSubscriptionPlan', input);
  }

  /** Registers an outgoing webhook endpoint; the answer carries its signing secret, once. */
  createWebhookEndpoint(input: OperationInput<'createWebhookEndpoint'>): Promise<OperationResult<'createWebhookEndpoint'>> {
    return this.call('createWebhookEndpoint', input);
  }

  /** The domain's webhook endpoints (never their secrets). */
  listWebhookEndpoints(input: OperationInput<'listWebhookEndpoints'> = {}): Promise<OperationResult<'listWebhookEndpoints'>> {
    return this.call('listWebhookEndpoints', input);
  }

  /** Deletes a webhook endpoint; its pending deliveries are cancelled. */
  deleteWebhookEndpoint(input: OperationInput<'deleteWebhookEndpoint'>): Promise<OperationResult<'deleteWebhookEndpoint'>> {
    return this.call('deleteWebhookEndpoint', input);
  }

  /** An endpoint's deliveries, newest first: await it for a page, `for await` it for every delivery. */
  listWebhookDeliveries(input: OperationInput<'listWebhookDeliveries'>): PagedResult<OperationResult<'listWebhookDeliveries'>> {
    return this.paged<OperationResult<'listWebhookDeliveries'>>('listWebhookDeliveries', input);
  }

  /** Sends a webhook delivery again now. */
  replayWebhookDelivery(input: OperationInput<'replayWebhookDelivery'>): Promise<OperationResult<'replayWebhookDelivery'>> {
    return this.call('replayWebhookDelivery', input);
  }

  /** Credit usage per UTC day and action type (a builder key: all its domains, or the ones named). */
  getAnalyticsUsage(input: OperationInput<'getAnalyticsUsage'> = {}): Promise<OperationResult<'getAnalyticsUsage'>> {
    return this.call('getAnalyticsUsage', input);
  }

  /** Totals of credits, revenue, conversion and refunds over the range. */
  getAnalyticsSummary(input: OperationInput<'getAnalyticsSummary'> = {}): Promise<OperationResult<'getAnalyticsSummary'>> {
    return this.call('getAnalyticsSummary', input);
  }

  /** Credits purchased, granted, consumed, refunded and expired per UTC day. */
  getAnalyticsCredits(input: OperationInput<'getAnalyticsCredits'> = {}): Promise<OperationResult<'getAnalyticsCredits'>> {
    return this.call('getAnalyticsCredits', input);
  }

  /** Revenue recognised from consumed paid credits per UTC day and currency (integer minor units). */
  getAnalyticsRevenue(input: OperationInput<'getAnalyticsRevenue'> = {}): Promise<OperationResult<'getAnalyticsRevenue'>> {
    return this.call('getAnalyticsRevenue', input);
  }

  /** The conversion funnel: checkouts, trials, refunded customers who came back. */
  getAnalyticsConversion(input: OperationInput<'getAnalyticsConversion'> = {}): Promise<OperationResult<'getAnalyticsConversion'>> {
    return this.call('getAnalyticsConversion', input);
  }

  /** Refund rate, counts by category and day, "would bring you back" answers, disputes, payment failures. */
  getAnalyticsRefunds(input: OperationInput<'getAnalyticsRefunds'> = {}): Promise<OperationResult<'getAnalyticsRefunds'>> {
    return this.call('getAnalyticsRefunds', input);
  }

  /** Refund feedback texts, newest first (at most 100), optionally matching `q`. */
  getAnalyticsFeedback(input: OperationInput<'getAnalyticsFeedback'> = {}): Promise<OperationResult<'getAnalyticsFeedback'>> {
    return this.call('getAnalyticsFeedback', input);
  }

  /**
   * Connects your domains to your own Stripe account (Stripe Connect): the key's domain (a domain
   * key) or `domains` of a builder key (default: all). Answers Stripe's hosted onboarding link;
   * checkouts are refused (409 `connected_account_not_ready`) until Stripe reports the account ready.
   */
  startConnectOnboarding(input: OperationInput<'startConnectOnboarding'>): Promise<OperationResult<'startConnectOnboarding'>> {
    return this.call('startConnectOnboarding', input);
  }

  /**
   * Connects your domains to a Stripe account you already have (Connect OAuth): answers Stripe's
   * authorize URL (send the builder there; its state is single use and expires at `expiresAt`).
   * Stripe brings the builder back to the hub, which connects the account and redirects to
   * `returnUrl`. 409 `connect_oauth_not_configured` when the hub has no Connect client id.
   */
  startConnectOAuth(input: OperationInput<'startConnectOAuth'>): Promise<OperationResult<'startConnectOAuth'>> {
    return this.call('startConnectOAuth', input);
  }

  /** The Connect state of the key's domains (`domain` narrows): account, status, what Stripe still needs, fee terms. */
  getConnectState(input: OperationInput<'getConnectState'> = {}): Promise<OperationResult<'getConnectState'>> {
    return this.call('getConnectState', input);
  }

  /** Connects any domains to one Stripe account (operator key). */
  startOperatorConnectOnboarding(input: OperationInput<'startOperatorConnectOnboarding'>): Promise<OperationResult<'startOperatorConnectOnboarding'>> {
    return this.call('startOperatorConnectOnboarding', input);
  }

  /** A domain's Connect state (operator key). */
  getOperatorConnectState(input: OperationInput<'getOperatorConnectState'>): Promise<OperationResult<'getOperatorConnectState'>> {
    return this.call('getOperatorConnectState', input);
  }

  /** Sets a domain's application fee (basis points) and refund policy (operator key). */
  putOperatorConnectSettings(input: OperationInput<'putOperatorConnectSettings'>): Promise<OperationResult<'putOperatorConnectSettings'>> {
    return this.call('putOperatorConnectSettings', input);
  }

  /** A domain's brand and every offering (with an operator key as `apiKey`). */
  getOperatorDomain(input: OperationInput<'getOperatorDomain'>): Promise<OperationResult<'getOperatorDomain'>> {
    return this.call('getOperatorDomain', input);
  }

  /** Creates or replaces a domain's brand, and with `offerings` its whole catalog (operator key). */
  putOperatorDomain(input: OperationInput<'putOperatorDomain'>): Promise<OperationResult<'putOperatorDomain'>> {
    return this.call('putOperatorDomain', input);
  }

  /** Creates or replaces one offering of a domain (operator key). */
  putOperatorOffering(input: OperationInput<'putOperatorOffering'>): Promise<OperationResult<'putOperatorOffering'>> {
    return this.call('putOperatorOffering', input);
  }

  /**
   * One call of a public operation by its operationId: the input's path parameters go in the
   * path, its query keys in the query string and its body keys in the JSON body; any other key is
   * left out (the API refuses unknown ones). A missing path parameter is a `ValidationError`
   * before anything is sent.
   */
  call<K extends PublicOperationName>(operation: K, input: OperationInput<K>): Promise<OperationResult<K>> {
    const spec = operationTable[operation];
    const values = input as Record<string, unknown>;
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      return Promise.reject(new ValidationError({ status: 400, code: 'validation_failed', detail: 'The argument must be an object such as { email, domain, … }' }));
    }
    let path: string = spec.path;
    for (const name of spec.pathParameters as readonly string[]) {
      const value = values[name];
      if (typeof value !== 'string' || value === '') {
        return Promise.reject(new ValidationError({ status: 400, code: 'validation_failed', detail: `${name} must be a non-empty string`, field: name }));
      }
      path = path.replace(`{${name}}`, encodeURIComponent(value));
    }
    const query = pick(values, spec.query);
    const body = spec.method === 'GET' || spec.method === 'DELETE' || spec.body.length === 0 ? undefined : pick(values, spec.body);
    return this.send(spec.method, path, body, query, !operationsNotRepeatable.has(operation)) as Promise<OperationResult<K>>;
  }

  /** A list call with a cursor, as a `PagedResult` (the same input, `cursor` set, for each next page). */
  private paged<Page extends CursorPage<unknown>>(operation: 'getHistory' | 'getRefundRequests' | 'listWebhookDeliveries', input: object): PagedResult<Page> {
    const page = (values: object) => this.call(operation, values as never) as Promise<unknown> as Promise<Page>;
    return pagedResult(page(input), (cursor) => page({ ...input, cursor }));
  }

  /**
   * One call: attempts until an answer that is not retryable, or the retries are spent. A call
   * that is not `repeatable` (operationsNotRepeatable) is retried after a 429 only.
   */
  private async send<T>(method: string, path: string, body: object | undefined, query: Record<string, unknown>, repeatable: boolean): Promise<T> {
    const url = this.baseUrl + path + queryString(query);
    // Serialised once: every attempt sends these very bytes (the same idempotency key).
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // One id for the call, whatever the number of attempts: the hub's logs show the retries together.
    const correlationId = this.newCorrelationId();
    for (let retry = 1; ; retry++) {
      const outcome = await this.attempt<T>(method, url, payload, correlationId);
      if (!(outcome instanceof CreditHubError)) return outcome.value;
      const retryAfterMs = outcome.retryAfterSeconds === undefined ? undefined : outcome.retryAfterSeconds * 1000;
      // Never another 4xx: the same request would get the same refusal.
      const retryable = repeatable ? isRetryableStatus(outcome.status) : outcome.status === 429;
      const delayMs = retryable ? retryDelayMs(this.policy, retry, retryAfterMs, Math.random) : null;
      if (delayMs === null) throw outcome;
      await sleep(delayMs);
    }
  }

  /** One attempt, bounded by `timeoutMs` (the body is read within it too). */
  private async attempt<T>(method: string, url: string, payload: string | undefined, correlationId: string | undefined): Promise<{ value: T } | CreditHubError> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json, application/problem+json' };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (correlationId !== undefined) headers['x-correlation-id'] = correlationId;
      const response = await this.fetchFunction(url, { method, headers, body: payload, signal: controller.signal });
      const text = await response.text();
      if (response.ok) return { value: (text ? JSON.parse(text) : null) as T };
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
      const answeredId = response.headers.get('x-correlation-id') ?? correlationId;
      return errorFromResponse(response.status, parseProblem(text), retryAfterMs === undefined ? undefined : retryAfterMs / 1000, answeredId ?? undefined);
    } catch (error) {
      return errorFromFailure(error, controller.signal.aborted, correlationId);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A random correlation id where the runtime has `crypto.randomUUID` (Node 19+, Workers, Deno, Bun, browsers); else none is sent and the hub makes one. */
function defaultCorrelationId(): string | undefined {
  const webCrypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return typeof webCrypto?.randomUUID === 'function' ? webCrypto.randomUUID() : undefined;
}

/** Only the named keys that are set: a caller's extra properties are never sent (the API refuses unknown ones). */
function pick(input: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

/** The query string of the keys set; an array is the key repeated (`domain=a.com&domain=b.com`). */
function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined && item !== null) params.append(key, String(item));
  }
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
