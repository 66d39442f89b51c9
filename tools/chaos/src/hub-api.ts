import { Answer, call, RequestOptions } from './http';

/**
 * The system's public API as the chaos runs and the specs drive it: the gateway with one domain
 * key, the Stripe stand-in's test endpoints (complete a checkout, deliver an event again), and the
 * refund portal. Every method returns the Answer (never throws on an HTTP failure).
 */
export class HubApi {
  /** Called with every answer of the gateway (a load counts them); `what` is the route, ids replaced. */
  onAnswer?: (what: string, answer: Answer) => void;

  /**
   * When true, a `429 rate_limited` answer is waited out (its `Retry-After`, at most 5 times) and
   * the request sent again, as a well-behaved client does; the answer returned is the one after.
   * Off by default (the rate-limit specs count the 429s); not carried over by `as()`.
   */
  followRateLimits = false;

  constructor(
    readonly gatewayUrl: string,
    readonly standinUrl: string,
    readonly key: string,
    readonly domain: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Another client of the same gateway, with another key and domain. */
  as(key: string, domain: string): HubApi {
    return new HubApi(this.gatewayUrl, this.standinUrl, key, domain, this.timeoutMs);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const answer = await call(this.gatewayUrl, method, path, { key: this.key, timeoutMs: this.timeoutMs, ...options });
      this.onAnswer?.(`${method} ${routeOf(path)}`, answer);
      if (!this.followRateLimits || answer.status !== 429 || attempt >= 5) return answer;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Number(answer.retryAfter) || 1) * 1000));
    }
  }

  consume(email: string, credits: number, referenceId: string, actionType = 'ai_generation'): Promise<Answer> {
    return this.request('POST', '/api/portfolio/credits/consume', {
      json: { email, domain: this.domain, deltaCredits: -credits, actionType, referenceId },
    });
  }

  balance(email: string): Promise<Answer> {
    return this.request('GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(email)}&domain=${encodeURIComponent(this.domain)}`);
  }

  reserve(email: string, credits: number, referenceId: string, ttlSeconds = 600): Promise<Answer> {
    return this.request('POST', '/api/portfolio/credits/reservations', { json: { email, domain: this.domain, credits, referenceId, ttlSeconds } });
  }

  capture(email: string, reservationId: string, credits: number): Promise<Answer> {
    return this.request('POST', `/api/portfolio/credits/reservations/${encodeURIComponent(reservationId)}/capture`, {
      json: { email, domain: this.domain, credits, actionType: 'video_render' },
    });
  }

  release(email: string, reservationId: string): Promise<Answer> {
    return this.request('POST', `/api/portfolio/credits/reservations/${encodeURIComponent(reservationId)}/release`, { json: { email, domain: this.domain } });
  }

  checkout(email: string, offeringId: string): Promise<Answer> {
    return this.request('POST', '/api/billing/checkout', {
      json: { domain: this.domain, offeringId, email, successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/cancel' },
    });
  }

  /** The stand-in pays a checkout session and delivers the signed webhook to the gateway. */
  completeCheckout(sessionId: string): Promise<Answer> {
    return call(this.standinUrl, 'POST', `/test/checkout/sessions/${encodeURIComponent(sessionId)}/complete`, { json: {}, timeoutMs: 30_000 });
  }

  /** The stand-in delivers an event it sent before again (Stripe's retry). */
  redeliver(eventId: string): Promise<Answer> {
    return call(this.standinUrl, 'POST', `/test/events/${encodeURIComponent(eventId)}/deliver`, { json: {}, timeoutMs: 30_000 });
  }

  /**
   * Buys an offering: checkout, pay in the stand-in, and deliver the webhook until the gateway
   * acknowledged it (Stripe retries failed deliveries; so do we, up to `attemptsMax`).
   * Returns the session id, or undefined if the checkout could not be made.
   */
  async buy(
    email: string,
    offeringId: string,
    attemptsMax = 20,
  ): Promise<{ sessionId: string; eventId: string; delivered: boolean; deliveries: { status: number; body: string }[] } | undefined> {
    let checkout: Answer | undefined;
    for (let attempt = 0; attempt < attemptsMax; attempt++) {
      checkout = await this.checkout(email, offeringId);
      if (checkout.status === 200) break;
      await pause(250);
    }
    if (checkout?.status !== 200) return undefined;
    const sessionId = checkout.body.sessionId as string;
    const completed = await this.completeCheckout(sessionId);
    if (completed.status !== 200) return undefined;
    const eventId = completed.body?.event?.id as string;
    // What the gateway answered to each delivery of the signed event (status 0: no answer).
    const deliveries: { status: number; body: string }[] = [];
    const record = (answer: Answer) => deliveries.push({ status: Number(answer.body?.delivery?.status ?? 0), body: String(answer.body?.delivery?.body ?? answer.body?.delivery?.error ?? '') });
    record(completed);
    let delivered = completed.body?.delivery?.status === 200;
    for (let attempt = 0; !delivered && attempt < attemptsMax; attempt++) {
      await pause(500);
      const again = await this.redeliver(eventId);
      record(again);
      delivered = again.body?.delivery?.status === 200;
    }
    return { sessionId, eventId, delivered, deliveries };
  }

  /** A portal link for the customer; returns the token (the link's last segment), or the failed answer. */
  async portalToken(email: string): Promise<{ token: string } | { failed: Answer }> {
    const answer = await this.request('POST', '/api/portal/sessions', { json: { email, domain: this.domain, returnUrl: 'https://example.com/account' } });
    if (answer.status !== 200 || typeof answer.body?.url !== 'string') return { failed: answer };
    return { token: decodeURIComponent(new URL(answer.body.url as string).pathname.split('/').pop() ?? '') };
  }

  /** Submits the portal's refund form (credits, or money for one purchase lot). */
  async requestRefund(token: string, form: { requestKey: string; kind: 'credits' | 'money'; lotId?: string }): Promise<Answer> {
    const fields = new URLSearchParams({
      requestKey: form.requestKey,
      kind: form.kind,
      lotId: form.lotId ?? '',
      tried: 'the chaos suite',
      didNotWork: 'nothing, this is a test',
      wouldBringBack: 'nothing needed',
      category: 'other',
      rating: '3',
    });
    const answer = await call(this.gatewayUrl, 'POST', `/portal/${encodeURIComponent(token)}/refunds`, {
      raw: fields.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      timeoutMs: this.timeoutMs,
    });
    this.onAnswer?.('portal: POST /portal/:token/refunds', answer);
    return answer;
  }
}

/** A path without its query, ids replaced by `:id`: the route an answer is counted under. */
export function routeOf(path: string): string {
  return (path.split('?')[0] ?? path)
    .split('/')
    .map((segment) => (/\d/.test(segment) && segment.length >= 8 ? ':id' : segment))
    .join('/');
}

/** Waits `ms` milliseconds. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
