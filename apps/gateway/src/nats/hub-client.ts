import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  ConsumeCreditsBatchResult, ConsumeCreditsCommand, ConsumeCreditsResult, ErrorCodes, LedgerSubjects, Reply,
} from '@credit-hub/contracts';
import { correlationIdHeader, currentCorrelationId, currentTraceHeaders, currentTraceparent, inSpan, startSpan, tracingEnabled } from '@credit-hub/messaging';
import { InjectNats, ProblemException } from '@credit-hub/service-kit';
import { headers as natsHeaders, MsgHdrs, NatsConnection, NatsError } from 'nats';
import { GatewayConfig } from '../gateway.config';

/** What Nest's NATS server answers when no handler is registered for a subject. */
const noMessageHandler = 'There is no matching message handler defined in the remote service.';

/** Coalescing of concurrent consumes: the longest a consume waits for others, and the most in one message. */
export const consumeCoalesceWaitMs = 1;
export const consumeCoalesceMax = 256;

/** A request in flight for more than this is checked: does its subject still have a responder? */
const probeAfterMs = 250;

/** One request in flight: failed at once when its responder or the NATS connection goes away. */
interface Pending {
  subject: string;
  startedAt: number;
  fail: (problem: ProblemException) => void;
}

/** One consume waiting to be coalesced. */
interface WaitingConsume {
  command: ConsumeCreditsCommand;
  resolve: (reply: Reply<ConsumeCreditsResult>) => void;
  reject: (error: unknown) => void;
}

/**
 * Request/reply to the services behind the gateway, on the gateway's plain nats.js connection,
 * in Nest's NATS wire format (request `{pattern, data, id}`, reply `{id, response | err,
 * isDisposed}`; @nestjs/microservices server-nats.js) so every Nest service answers unchanged.
 *
 * Every call is bounded by NATS_REQUEST_TIMEOUT_MS and fails fast when nobody can answer: NATS
 * "no responders" (status 503 of the server, https://docs.nats.io/nats-concepts/core-nats/reqreply#no-responders)
 * for a new request; a lost connection (the connection's `disconnect` status) for every request
 * in flight and every new one until it is back; and a ledger request in flight for more than
 * 250 ms makes the client ask `ledger.ping.v1`, so when the ledger went away (died) its requests
 * are answered 503 within about half a second instead of at the timeout. Each of these
 * is 503 service_unavailable with `Retry-After: 1`, never a 500, never a hang; one warning is
 * logged per outage (burst), and one line when the service answers again, not a line per request.
 * A refusal in the reply becomes the problem+json of its code.
 *
 * Consumes are coalesced (`consume`): the ones arriving while a consume message is in flight (at
 * most 1 ms, at most 256) go to the ledger as ONE message on `ledger.commands.consume-credits-batch.v1`,
 * whose one reply carries each result by index; a consume alone goes at once on the single
 * subject. A ledger without the batch subject (no responders) gets them one by one.
 *
 * The correlation id of the current request travels as the NATS header `X-Correlation-Id`
 * (NATS header keys are case-sensitive: https://docs.nats.io/learn/core-nats/headers), and in a
 * coalesced batch as each command's `correlationId`. With tracing on, each consume and request
 * gets a client span `<subject> send` whose `traceparent` travels the same way (header, or the
 * command's `traceparent` in a batch).
 */
@Injectable()
export class HubClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('HubClient');
  private readonly pending = new Set<Pending>();
  /** Ping subjects being asked, when each was last asked, and the ones whose service answered last time. */
  private readonly probing = new Set<string>();
  private readonly pinged = new Map<string, number>();
  private readonly answering = new Set<string>();
  private connected = true;
  /** The outage being reported: one warning at its start, one line at its end. */
  private outage?: { since: number; refused: number };
  private watchdog?: NodeJS.Timeout;
  private nextId = 0;

  private consumeQueue: WaitingConsume[] = [];
  private consumeTimer?: NodeJS.Timeout | NodeJS.Immediate;
  private consumesInFlight = 0;

  constructor(
    @InjectNats() private readonly nc: NatsConnection,
    private readonly config: GatewayConfig,
  ) {}

  /** Watches the connection's status and the requests in flight. */
  onApplicationBootstrap(): void {
    void this.watchStatus();
    for (const ping of pingSubjects) this.ping(ping);
    this.watchdog = setInterval(() => this.probeStuck(), probeAfterMs);
    this.watchdog.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.watchdog);
  }

  /**
   * Sends `payload` on `subject` (with the current correlation id as the `X-Correlation-Id`
   * header, when there is one) and returns the value of an `ok` reply; throws ProblemException
   * otherwise (503 when unreachable, gone or timed out, the refusal's status for a refusal).
   */
  async request<T>(subject: string, payload: object): Promise<T> {
    const send = () => this.send(subject, payload, currentCorrelationId(), {}, currentTraceHeaders());
    const reply = tracingEnabled() ? await inSpan(`${subject} send`, { kind: 'client', attributes: { 'messaging.system': 'nats' } }, send) : await send();
    return unwrapReply<T>(subject, reply, this.logger);
  }

  /**
   * Consumes through the coalescer: `Reply<ConsumeCreditsResult>` unwrapped like `request`.
   * The command's events carry the current correlation id.
   */
  async consume(command: ConsumeCreditsCommand): Promise<ConsumeCreditsResult> {
    const correlationId = currentCorrelationId();
    // Tracing on: a client span per consume, ending at its reply; its traceparent travels with it.
    const span = tracingEnabled() ? startSpan(`${LedgerSubjects.consumeCredits} send`, { kind: 'client', attributes: { 'messaging.system': 'nats' } }) : undefined;
    const item: ConsumeCreditsCommand = correlationId || span ? { ...command, ...(correlationId ? { correlationId } : {}), ...(span ? { traceparent: span.traceparent } : {}) } : command;
    const reply = await new Promise<Reply<ConsumeCreditsResult>>((resolve, reject) => {
      this.consumeQueue.push({ command: item, resolve: (r) => (span?.end(), resolve(r)), reject: (e) => (span?.end(e), reject(e)) });
      if (this.consumeQueue.length >= consumeCoalesceMax) this.flushConsumes();
      else if (this.consumeTimer === undefined) {
        // Idle: at the end of this turn (the consumes of one burst go together). Busy: at most 1 ms.
        this.consumeTimer = this.consumesInFlight === 0 ? setImmediate(() => this.flushConsumes()) : setTimeout(() => this.flushConsumes(), consumeCoalesceWaitMs);
      }
    });
    return unwrapReply<ConsumeCreditsResult>(LedgerSubjects.consumeCredits, reply, this.logger);
  }

  /**
   * Many consumes in one message to the ledger (the batch API): one `Reply` per command, by index,
   * each a result or a refusal. Throws ProblemException 503 when the ledger cannot be reached.
   */
  async consumeMany(commands: ConsumeCreditsCommand[]): Promise<Reply<ConsumeCreditsResult>[]> {
    if (commands.length === 0) return [];
    const correlationId = currentCorrelationId();
    const traceparent = currentTraceparent();
    const withIds = correlationId || traceparent ? commands.map((c) => ({ ...c, ...(correlationId ? { correlationId } : {}), ...(traceparent ? { traceparent } : {}) })) : commands;
    return this.sendConsumes(withIds, correlationId);
  }

  private flushConsumes(): void {
    if (this.consumeTimer !== undefined) {
      clearTimeout(this.consumeTimer as NodeJS.Timeout);
      clearImmediate(this.consumeTimer as NodeJS.Immediate);
      this.consumeTimer = undefined;
    }
    while (this.consumeQueue.length > 0) {
      const batch = this.consumeQueue.splice(0, consumeCoalesceMax);
      this.consumesInFlight++;
      void this.sendConsumes(batch.map((w) => w.command), batch.length === 1 ? batch[0].command.correlationId : undefined).then(
        (replies) => batch.forEach((w, i) => w.resolve(replies[i])),
        (error) => batch.forEach((w) => w.reject(error)),
      ).finally(() => this.consumesInFlight--);
    }
  }

  /** One command on the single subject (its correlation id as the header only); several on the batch subject. */
  private async sendConsumes(commands: ConsumeCreditsCommand[], correlationId: string | undefined): Promise<Reply<ConsumeCreditsResult>[]> {
    if (commands.length === 1) {
      const { correlationId: _, traceparent, ...command } = commands[0];
      return [(await this.send(LedgerSubjects.consumeCredits, command, correlationId ?? commands[0].correlationId, {}, traceparent ? { traceparent } : undefined)) as Reply<ConsumeCreditsResult>];
    }
    let reply: unknown;
    try {
      reply = await this.send(LedgerSubjects.consumeCreditsBatch, { commands }, undefined, { quietNoResponders: true });
    } catch (error) {
      if (!(error instanceof NoBatchResponder)) throw error;
      // A ledger that does not serve the batch subject (an older version during a rolling deploy).
      return Promise.all(commands.map(async ({ correlationId: id, traceparent, ...command }) =>
        (await this.send(LedgerSubjects.consumeCredits, command, id, {}, traceparent ? { traceparent } : undefined)) as Reply<ConsumeCreditsResult>));
    }
    const results = unwrapReply<ConsumeCreditsBatchResult>(LedgerSubjects.consumeCreditsBatch, reply, this.logger).results;
    if (!Array.isArray(results) || results.length !== commands.length) {
      this.logger.error(`${LedgerSubjects.consumeCreditsBatch} answered ${Array.isArray(results) ? results.length : 'no'} results for ${commands.length} commands`);
      throw new ProblemException({ code: 'internal_error', detail: 'A service answered in an unexpected form; it has been logged.' });
    }
    return results;
  }

  /**
   * One request in Nest's wire format; resolves with the reply's `response`, throws ProblemException (or NoBatchResponder).
   * `trace`: W3C trace context headers (`traceparent`, `tracestate`) to send along.
   */
  private send(subject: string, payload: object, correlationId: string | undefined, options: { quietNoResponders?: boolean } = {}, trace?: Record<string, string>): Promise<unknown> {
    if (!this.connected || this.nc.isClosed()) return Promise.reject(this.unavailable(subject, 'the NATS connection is down'));
    const id = String(++this.nextId);
    const body = Buffer.from(JSON.stringify({ pattern: subject, data: payload, id }));
    let headers: MsgHdrs | undefined;
    if (correlationId !== undefined || trace !== undefined) {
      headers = natsHeaders();
      if (correlationId !== undefined) headers.set(correlationIdHeader, correlationId);
      for (const [name, value] of Object.entries(trace ?? {})) headers.set(name, value);
    }
    return new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { subject, startedAt: performance.now(), fail: reject };
      this.pending.add(entry);
      this.nc.request(subject, body, { timeout: this.config.NATS_REQUEST_TIMEOUT_MS, ...(headers ? { headers } : {}) }).then(
        (message) => {
          if (message.data.length === 0) return reject(this.unavailable(subject, 'empty response'));
          let packet: { response?: unknown; err?: unknown };
          try {
            packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as { response?: unknown; err?: unknown };
          } catch {
            packet = { response: undefined };
          }
          if (packet.err !== undefined && packet.err !== null) return reject(this.remoteFailure(subject, packet.err));
          this.answeredAgain();
          resolve(packet.response);
        },
        (error: unknown) => {
          if (options.quietNoResponders && isNoResponders(error)) return reject(new NoBatchResponder());
          reject(this.unavailable(subject, describe(error)));
        },
      ).finally(() => this.pending.delete(entry));
    });
  }

  /** A failure reported by the remote handler: "no handler" is 503 (not there yet), anything else a bug over there (500). */
  private remoteFailure(subject: string, err: unknown): ProblemException {
    const isObject = typeof err === 'object' && err !== null;
    if (!isObject || (err as { status?: unknown }).status !== 'error' || (err as { message?: unknown }).message === noMessageHandler) return this.unavailable(subject, String(typeof err === 'string' ? err : JSON.stringify(err)));
    this.logger.error(`${subject} failed remotely: ${JSON.stringify(err)}`);
    return new ProblemException({ code: 'internal_error', detail: 'The service behind this endpoint failed; it has been logged.' });
  }

  /** 503 with Retry-After; logged once per outage (the first of a burst), counted after that. */
  private unavailable(subject: string, why: string): ProblemException {
    if (this.outage === undefined) {
      this.outage = { since: Date.now(), refused: 0 };
      this.logger.warn(`${subject} unavailable: ${why}; answering 503 until a service answers again (one line per outage)`);
    }
    this.outage.refused++;
    const problem = new ProblemException(
      { code: 'service_unavailable', detail: 'The service behind this endpoint did not answer in time; retry shortly' },
      { 'Retry-After': '1' },
    );
    problem.reported = true;
    return problem;
  }

  private answeredAgain(): void {
    if (this.outage === undefined) return;
    const { since, refused } = this.outage;
    this.outage = undefined;
    this.logger.log(`services answer again after ${((Date.now() - since) / 1000).toFixed(1)} s; ${refused} requests were answered 503 meanwhile`);
  }

  /** Fails every request in flight with 503. */
  private failPending(why: string): void {
    for (const entry of [...this.pending]) this.failOne(entry, why);
  }

  private failOne(entry: Pending, why: string): void {
    this.pending.delete(entry);
    entry.fail(this.unavailable(entry.subject, why));
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.failPending('the NATS connection was lost');
      } else if (status.type === 'reconnect') {
        this.connected = true;
      }
    }
  }

  /**
   * Asks the ping subject of each service with a request in flight for more than 250 ms (and
   * every 5 s anyway). "No responders" where a responder answered before means the service went
   * away (the ledger died): its requests in flight are failed now rather than at the timeout. A
   * service never seen answering its ping (an older version, a test stand-in) is left to the timeout.
   */
  private probeStuck(): void {
    const now = performance.now();
    const due = new Set<string>();
    for (const entry of this.pending) {
      const ping = pingSubjectOf(entry.subject);
      if (ping !== undefined && now - entry.startedAt > probeAfterMs) due.add(ping);
    }
    for (const ping of pingSubjects) if (now - (this.pinged.get(ping) ?? -Infinity) > pingEveryMs) due.add(ping);
    for (const ping of due) this.ping(ping);
  }

  private ping(ping: string): void {
    if (this.probing.has(ping) || !this.connected || this.nc.isClosed()) return;
    this.probing.add(ping);
    this.pinged.set(ping, performance.now());
    this.nc.request(ping, new Uint8Array(0), { timeout: probeAfterMs * 2 }).then(
      () => this.answering.add(ping),
      (error: unknown) => {
        if (!isNoResponders(error) || !this.answering.has(ping)) return;
        this.answering.delete(ping);
        for (const entry of [...this.pending]) if (pingSubjectOf(entry.subject) === ping) this.failOne(entry, 'its service went away (no responders)');
      },
    ).finally(() => this.probing.delete(ping));
  }
}

/** Services that answer a ping subject (see `LedgerSubjects.ping`), by the prefix of their subjects. */
const pingSubjects = [LedgerSubjects.ping];
const pingPrefixes = pingSubjects.map((ping) => [ping.slice(0, ping.length - 'ping.v1'.length), ping] as const);
/** A ping subject besides the ones asked for slow requests: keeps "this service answered" current. */
const pingEveryMs = 5_000;

function pingSubjectOf(subject: string): string | undefined {
  for (const [prefix, ping] of pingPrefixes) if (subject.startsWith(prefix)) return ping;
  return undefined;
}

/** The batch subject has no responder: send the consumes one by one. */
class NoBatchResponder extends Error {}

function isNoResponders(error: unknown): boolean {
  return error instanceof NatsError ? error.code === '503' : (error as { code?: unknown } | null)?.code === '503';
}

function describe(error: unknown): string {
  if (isNoResponders(error)) return 'no responders';
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The value of an `ok` reply; a refusal or a malformed reply is thrown as a ProblemException. */
export function unwrapReply<T>(subject: string, reply: unknown, logger: Logger): T {
  const candidate = reply as Partial<{ ok: boolean; value: T; refusal: { code: string; detail?: unknown; field?: unknown } }> | null;
  if (candidate !== null && typeof candidate === 'object') {
    if (candidate.ok === true && 'value' in candidate) return candidate.value as T;
    const refusal = candidate.refusal;
    if (candidate.ok === false && refusal && Object.hasOwn(ErrorCodes, refusal.code)) {
      const code = refusal.code as keyof typeof ErrorCodes;
      const detail = typeof refusal.detail === 'string' ? refusal.detail : ErrorCodes[code].title;
      const field = typeof refusal.field === 'string' ? refusal.field : undefined;
      const headers: Record<string, string> = ErrorCodes[code].status === 503 ? { 'Retry-After': '1' } : {};
      return throwProblem(new ProblemException(field === undefined ? { code, detail } : { code, detail, field }, headers));
    }
  }
  logger.error(`${subject} answered with a malformed reply: ${JSON.stringify(reply)?.slice(0, 500)}`);
  return throwProblem(new ProblemException({ code: 'internal_error', detail: 'A service answered in an unexpected form; it has been logged.' }));
}

function throwProblem(problem: ProblemException): never {
  throw problem;
}
