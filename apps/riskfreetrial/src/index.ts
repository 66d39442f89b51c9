import { WorkerEntrypoint } from 'cloudflare:workers';
import { CreditHubClient, CreditHubError } from '@credit-hub/sdk';
import type {
  Balance, CaptureReservationInput, CheckEntitlementInput, CheckoutSession, ConsumeCreditsInput, ConsumeCreditsResult, ConsumeManyResult, CreateCheckoutInput, CreatePortalSessionInput,
  CreditHubApi, EntitlementCheck, Entitlements, GetBalanceInput, GetEntitlementsInput, GetHistoryInput, GetRefundRequestsInput, GrantCreditsInput, GrantCreditsResult, HistoryPage, PortalSession,
  RefundRequestPage, ReleaseReservationInput, Reservation, ReserveCreditsInput,
} from '@credit-hub/sdk';

/**
 * `riskfreetrial`: the credit hub as a Cloudflare Workers service binding. A builder's Worker adds
 * `"services": [{ "binding": "PORTFOLIO_BILLING_SERVICE", "service": "riskfreetrial" }]` and calls
 * `env.PORTFOLIO_BILLING_SERVICE.createCheckout({…})` / `.consumeCredits({…})` (the seed's
 * integration): each RPC method is the SDK's call of the same name (`CreditHubApi`), made by a
 * `CreditHubClient` holding the builder's key. The SDK does the requests, the retries (the same
 * body on every attempt: a retry is never a double spend; never another 4xx) and the errors
 * (`InsufficientCreditsError`, …, with `code`, `status`, `detail`, `field`, `retryable`,
 * `correlationId`), so the Worker has none of its own. `bundle.cjs` ships it with the SDK's ES build.
 */

/** The Worker's bindings: `GATEWAY_URL` a var, `PORTFOLIO_BILLING_API_KEY` a secret (`wrangler secret put`). */
export interface Env {
  GATEWAY_URL: string;
  PORTFOLIO_BILLING_API_KEY: string;
}

/**
 * The SDK's retry policy, tightened for a call made inside another Worker's request: 3 retries,
 * short backoff, and a `Retry-After` over 10 s goes to the caller instead of being waited for.
 */
const clientOptions = { retries: 3, timeoutMs: 10_000, backoffBaseMs: 200, backoffMaxMs: 2_000, retryAfterMaxMs: 10_000 };

export default class RiskFreeTrial extends WorkerEntrypoint<Env> implements CreditHubApi {
  createCheckout(input: CreateCheckoutInput): Promise<CheckoutSession> {
    return hubOf(this.env).createCheckout(input);
  }

  consumeCredits(input: ConsumeCreditsInput): Promise<ConsumeCreditsResult> {
    return hubOf(this.env).consumeCredits(input);
  }

  /** Up to 1,000 consumes per call, one result per item in order (`POST /api/portfolio/credits/consume/batch`). */
  consumeMany(inputs: ConsumeCreditsInput[]): Promise<ConsumeManyResult> {
    // An item that is not an object goes as it is (the SDK passes it on): the gateway refuses it alone, at its index.
    return hubOf(this.env).consumeMany(Array.isArray(inputs) ? inputs : []);
  }

  getBalance(input: GetBalanceInput): Promise<Balance> {
    return hubOf(this.env).getBalance(input);
  }

  /** One page (pass `nextCursor` back as `cursor`): an async iterator does not cross RPC. */
  async getHistory(input: GetHistoryInput): Promise<HistoryPage> {
    return await hubOf(this.env).getHistory(input);
  }

  reserveCredits(input: ReserveCreditsInput): Promise<Reservation> {
    return hubOf(this.env).reserveCredits(input);
  }

  captureReservation(input: CaptureReservationInput): Promise<Reservation> {
    return hubOf(this.env).captureReservation(input);
  }

  releaseReservation(input: ReleaseReservationInput): Promise<Reservation> {
    return hubOf(this.env).releaseReservation(input);
  }

  grantCredits(input: GrantCreditsInput): Promise<GrantCreditsResult> {
    return hubOf(this.env).grantCredits(input);
  }

  /** One page (pass `nextCursor` back as `cursor`): an async iterator does not cross RPC. */
  async getRefundRequests(input: GetRefundRequestsInput): Promise<RefundRequestPage> {
    return await hubOf(this.env).getRefundRequests(input);
  }

  createPortalSession(input: CreatePortalSessionInput): Promise<PortalSession> {
    return hubOf(this.env).createPortalSession(input);
  }

  getEntitlements(input: GetEntitlementsInput): Promise<Entitlements> {
    return hubOf(this.env).getEntitlements(input);
  }

  checkEntitlement(input: CheckEntitlementInput): Promise<EntitlementCheck> {
    return hubOf(this.env).checkEntitlement(input);
  }

  /** Not an HTTP service: only RPC over a service binding. */
  fetch(): Response {
    return Response.json({ error: 'riskfreetrial is called over a service binding: env.PORTFOLIO_BILLING_SERVICE.consumeCredits({…})' }, { status: 404 });
  }
}

// Module functions, not methods: every method of the entrypoint class is callable over RPC.

/** One client per Env (the bindings do not change while an isolate lives). */
const clients = new WeakMap<Env, CreditHubClient>();

/** The SDK client of this Worker's bindings; a missing var or secret is an error the caller sees, not a crash. */
function hubOf(env: Env): CreditHubClient {
  let client = clients.get(env);
  if (client) return client;
  if (!env.GATEWAY_URL || !env.PORTFOLIO_BILLING_API_KEY) {
    throw new CreditHubError({
      status: 0,
      code: 'worker_misconfigured',
      detail: 'riskfreetrial needs the GATEWAY_URL var and the PORTFOLIO_BILLING_API_KEY secret',
      retryable: false,
    });
  }
  client = new CreditHubClient({ baseUrl: env.GATEWAY_URL, apiKey: env.PORTFOLIO_BILLING_API_KEY, ...clientOptions });
  clients.set(env, client);
  return client;
}
