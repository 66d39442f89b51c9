import { Answer, call, isProblem } from './http';
import { HubApi, pause } from './hub-api';

/**
 * A steady load through the gateway while faults happen: consume workers (1 credit each, a fresh
 * referenceId per consume), purchases through checkout and the signed webhook, and refunds through
 * the portal (credits and money). Every answer is classified; an answer that leaves the outcome
 * open (503, a timeout, a dropped connection) is retried later with the SAME referenceId, as a
 * client following our API docs would, until it is settled. At the end every consume is either
 * acknowledged (exactly one event) or refused (no event): that is what the checks compare.
 */

export interface LoadOptions {
  api: HubApi;
  /** Prefix of every referenceId and refund customer of this run. */
  runId: string;
  /** Customers the consume workers spend from (funded before the load starts). */
  customers: string[];
  consumeWorkers: number;
  /** Pause of each consume worker between two consumes (the load's pace). */
  consumePauseMs: number;
  /** A purchase (pro_100 for a load customer) this often; 0: none. */
  purchaseEveryMs: number;
  /** A refund through the portal (a new customer each time, credits and money alternately) this often; 0: none. */
  refundEveryMs: number;
  /** The gateway's NATS_REQUEST_TIMEOUT_MS: an answer slower than this plus `hangMarginMs` is a hang. */
  gatewayTimeoutMs: number;
  hangMarginMs?: number;
}

/** One consume as the client knows it. */
export interface ConsumeRecord {
  referenceId: string;
  email: string;
  credits: number;
  attempts: number;
  state: 'acknowledged' | 'refused' | 'open';
  /** A worker is sending it now (no second worker picks it up meanwhile). */
  inFlight: boolean;
  eventId?: string;
  refusal?: string;
  retryAtMs: number;
}

/** Something a client must never see. */
export interface Anomaly {
  kind: 'server_error' | 'hang' | 'not_problem_json' | 'unavailable_without_retry_after' | 'inconsistent_answer' | 'webhook_refused';
  what: string;
  status: number;
  detail: string;
  atMs: number;
}

export interface PurchaseRecord {
  email: string;
  sessionId?: string;
  delivered: boolean;
}

export interface RefundAttempt {
  email: string;
  kind: 'credits' | 'money';
  requestKey: string;
  /** The portal's answer to the form, or where the flow stopped before it. */
  outcome: string;
}

/** What the load saw, per second of the run: for the timeline of a fault. */
export interface Second {
  ok: number;
  unavailable: number;
  refused: number;
  failed: number;
}

export class Load {
  readonly consumes = new Map<string, ConsumeRecord>();
  readonly outcomes: Record<string, number> = {};
  readonly anomalies: Anomaly[] = [];
  readonly purchases: PurchaseRecord[] = [];
  readonly refunds: RefundAttempt[] = [];
  readonly timeline: Second[] = [];
  /** Latencies of acknowledged consumes, ms. */
  readonly latenciesMs: number[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private counter = 0;
  private startedAtMs = 0;

  constructor(private readonly options: LoadOptions) {
    // Every answer of the gateway to this load is counted and checked (consumes, checkouts, balances, portal).
    options.api.onAnswer = (what, answer) => this.observe(what, answer);
  }

  start(): void {
    this.running = true;
    this.startedAtMs = Date.now();
    for (let worker = 0; worker < this.options.consumeWorkers; worker++) this.loops.push(this.consumeLoop(worker));
    if (this.options.purchaseEveryMs > 0) this.loops.push(this.every(this.options.purchaseEveryMs, () => this.purchase()));
    if (this.options.refundEveryMs > 0) this.loops.push(this.every(this.options.refundEveryMs, (i) => this.refund(i)));
  }

  /** Stops starting new work and waits for the loops to finish what they hold. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Retries every open consume (same referenceId) until it is settled, or `timeoutMs` passes. */
  async settle(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let open = this.open();
    while (open.length > 0 && Date.now() < deadline) {
      await Promise.all(open.slice(0, 20).map((record) => this.attempt(record)));
      open = this.open();
      if (open.length > 0) await pause(200);
    }
    return open.length;
  }

  open(): ConsumeRecord[] {
    return [...this.consumes.values()].filter((r) => r.state === 'open');
  }

  acknowledged(): ConsumeRecord[] {
    return [...this.consumes.values()].filter((r) => r.state === 'acknowledged');
  }

  private async consumeLoop(worker: number): Promise<void> {
    while (this.running) {
      const due = this.open().find((r) => !r.inFlight && r.retryAtMs <= Date.now());
      const record = due ?? this.newConsume(worker);
      await this.attempt(record);
      if (this.options.consumePauseMs > 0) await pause(this.options.consumePauseMs);
    }
  }

  private newConsume(worker: number): ConsumeRecord {
    const n = this.counter++;
    const email = this.options.customers[n % this.options.customers.length] as string;
    const record: ConsumeRecord = { referenceId: `${this.options.runId}-w${worker}-${n}`, email, credits: 1, attempts: 0, state: 'open', inFlight: false, retryAtMs: 0 };
    this.consumes.set(record.referenceId, record);
    return record;
  }

  private async attempt(record: ConsumeRecord): Promise<void> {
    record.attempts++;
    record.inFlight = true;
    const answer = await this.options.api.consume(record.email, record.credits, record.referenceId);
    record.inFlight = false;
    if (answer.status === 200) {
      if (record.eventId !== undefined && record.eventId !== answer.body?.eventId) {
        this.anomaly('inconsistent_answer', 'consume', answer, `${record.referenceId} answered event ${String(answer.body?.eventId)} after ${record.eventId}`);
      }
      record.state = 'acknowledged';
      record.eventId = answer.body?.eventId;
      this.latenciesMs.push(answer.elapsedMs);
      return;
    }
    if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
      record.state = 'refused';
      record.refusal = answer.body?.code ?? String(answer.status);
      return;
    }
    // 503, 429, a timeout or a dropped connection: the outcome is open; retry the same referenceId.
    const retryAfterSeconds = Number(answer.retryAfter ?? '0');
    record.retryAtMs = Date.now() + Math.max(200, Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0);
  }

  /** Counts an answer and records what a client must never see. */
  observe(what: string, answer: Answer): void {
    const code = answer.status === 0 ? `no answer (${answer.failure ?? '?'})` : `${answer.status} ${answer.body?.code ?? ''}`.trim();
    const key = `${what}: ${code}`;
    this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
    const second = (this.timeline[Math.floor((Date.now() - this.startedAtMs) / 1000)] ??= { ok: 0, unavailable: 0, refused: 0, failed: 0 });
    if (answer.status >= 200 && answer.status < 300) second.ok++;
    else if (answer.status === 503 || answer.status === 0) second.unavailable++;
    else if (answer.status >= 400 && answer.status < 500) second.refused++;
    else second.failed++;
    const hangMs = this.options.gatewayTimeoutMs + (this.options.hangMarginMs ?? 2000);
    if (answer.elapsedMs > hangMs) this.anomaly('hang', what, answer, `answered after ${Math.round(answer.elapsedMs)} ms`);
    if (answer.status >= 500 && answer.status !== 503) this.anomaly('server_error', what, answer, answer.text.slice(0, 200));
    // The portal's pages are HTML by design; everything else answers problem+json.
    if (answer.status >= 400 && !what.startsWith('portal') && !isProblem(answer)) this.anomaly('not_problem_json', what, answer, `${answer.contentType}: ${answer.text.slice(0, 120)}`);
    if (answer.status === 503 && !answer.retryAfter) this.anomaly('unavailable_without_retry_after', what, answer, answer.text.slice(0, 120));
  }

  private anomaly(kind: Anomaly['kind'], what: string, answer: Answer, detail: string): void {
    if (this.anomalies.length < 1000) this.anomalies.push({ kind, what, status: answer.status, detail, atMs: Date.now() - this.startedAtMs });
  }

  private async every(intervalMs: number, work: (i: number) => Promise<void>): Promise<void> {
    const inFlight: Promise<void>[] = [];
    for (let i = 0; this.running; i++) {
      inFlight.push(work(i).catch(() => undefined));
      await pause(intervalMs);
    }
    await Promise.all(inFlight);
  }

  private async purchase(): Promise<void> {
    const email = this.options.customers[Math.floor(Math.random() * this.options.customers.length)] as string;
    const bought = await this.options.api.buy(email, 'pro_100');
    this.purchases.push({ email, sessionId: bought?.sessionId, delivered: bought?.delivered ?? false });
    this.observeDeliveries(bought?.deliveries ?? []);
  }

  /**
   * The gateway's answers to the stand-in's signed webhook deliveries: 200, or 503 with the
   * service behind unavailable (Stripe retries); a 4xx refuses a genuine event, a 500 is a bug.
   */
  observeDeliveries(deliveries: { status: number; body: string }[]): void {
    for (const delivery of deliveries) {
      let code = '';
      try {
        code = String((JSON.parse(delivery.body) as { code?: unknown }).code ?? '');
      } catch {
        code = '';
      }
      const key = `webhook delivery: ${delivery.status === 0 ? 'no answer' : `${delivery.status} ${code}`.trim()}`;
      this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
      const answer = { status: delivery.status, text: delivery.body } as Answer;
      if (delivery.status >= 500 && delivery.status !== 503) this.anomaly('server_error', 'webhook delivery', answer, delivery.body.slice(0, 200));
      if (delivery.status >= 400 && delivery.status < 500) this.anomaly('webhook_refused', 'webhook delivery', answer, delivery.body.slice(0, 200));
    }
  }

  /** A new customer buys, spends a few credits, and asks for a refund through the portal. */
  private async refund(i: number): Promise<void> {
    const api = this.options.api;
    const email = `refund-${i}-${this.options.runId}@example.com`;
    const kind = i % 2 === 0 ? 'credits' : 'money';
    const requestKey = `${this.options.runId}-refund-${i}`;
    const attempt: RefundAttempt = { email, kind, requestKey, outcome: 'started' };
    this.refunds.push(attempt);
    const bought = await api.buy(email, 'pro_100');
    this.observeDeliveries(bought?.deliveries ?? []);
    if (!bought?.delivered) return void (attempt.outcome = 'purchase not delivered');
    // Up to a minute: a payment delivered to a ledger killed mid-message waits out ack_wait (30 s).
    const lots = await retry(async () => {
      const balance = await api.balance(email);
      return balance.status === 200 && balance.body.balance >= 100 ? (balance.body.lots as { lotId: string; kind: string }[]) : undefined;
    }, 120);
    if (!lots) return void (attempt.outcome = 'credits never arrived');
    for (let n = 0; n < 3; n++) {
      const consumed = await retry(async () => ((await api.consume(email, 2, `${requestKey}-c${n}`)).status === 200 ? true : undefined));
      if (!consumed) return void (attempt.outcome = 'consume failed');
    }
    const portal = await retry(async () => {
      const token = await api.portalToken(email);
      return 'token' in token ? token.token : undefined;
    });
    if (!portal) return void (attempt.outcome = 'no portal link');
    const lotId = lots.find((lot) => lot.kind === 'purchased')?.lotId;
    // The refunds service learns the consumptions from the LEDGER stream: wait until its portal offers the refund.
    const offered = await retry(async () => {
      const form = await call(api.gatewayUrl, 'GET', `/portal/${encodeURIComponent(portal)}/refunds/new?kind=${kind}${kind === 'money' && lotId ? `&lotId=${encodeURIComponent(lotId)}` : ''}`);
      this.observe('portal: GET /portal/:token/refunds/new', form);
      return form.status === 200 ? true : undefined;
    }, 120);
    if (!offered) return void (attempt.outcome = 'the portal never offered the refund');
    const answer = await retry(async () => {
      const submitted = await api.requestRefund(portal, { requestKey, kind, ...(kind === 'money' && lotId ? { lotId } : {}) });
      return submitted.status === 503 || submitted.status === 0 ? undefined : submitted;
    });
    attempt.outcome = answer ? `portal ${answer.status}` : 'portal unavailable';
  }
}

/** Runs `probe` until it gives a value, at most `attempts` times, `delayMs` apart. */
export async function retry<T>(probe: () => Promise<T | undefined>, attempts = 40, delayMs = 500): Promise<T | undefined> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await pause(delayMs);
  }
  return undefined;
}

/** p50/p99/max of a list of numbers. */
export function percentiles(values: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(sorted[sorted.length - 1] ?? 0), n: sorted.length };
}
