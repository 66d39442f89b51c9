import { ErrorCodes, MessageBySubject, messageDefinition, Refusal, ReplyBySubject, RequestName } from '@credit-hub/contracts';
import { headers as natsHeaders, MsgHdrs, NatsConnection, NatsError } from 'nats';
import { correlationIdHeader, currentCorrelationId } from './correlation';
import { currentTraceHeaders, inSpan, tracingEnabled } from './tracing';

/**
 * Why a request got no answer: `no_responders` (nobody serves the subject now: NATS status 503,
 * https://docs.nats.io/nats-concepts/core-nats/reqreply#no-responders), `timeout` (nobody answered
 * within the bound: the effect is unknown), `disconnected` (the connection is closed or down),
 * `remote_failure` (the handler crashed or is not registered there), `malformed_reply` (an answer
 * that is not a `Reply`).
 */
export type UnavailableReason = 'no_responders' | 'timeout' | 'disconnected' | 'remote_failure' | 'malformed_reply';

/**
 * What a request came to: the `ok` reply's value, a named refusal (`ErrorCodes`), or no usable
 * answer (`unavailable`, with why and a sentence for logs). Never thrown: the caller decides
 * (retry the same idempotent command later, answer 503, …).
 */
export type RequestOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'unavailable'; reason: UnavailableReason; detail: string };

/** Where the client reports a request without a usable answer (a Nest `Logger` fits). */
export interface RequestLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Bounds and reporting of a `RequestClient`. */
export interface RequestClientOptions {
  /** Default bound of one request, milliseconds (a request may pass its own). */
  timeoutMs: number;
  /** Where unanswered and malformed replies are reported; default: nowhere. */
  logger?: RequestLogger;
}

/** Per-request options. */
export interface RequestOptions {
  /** This request's bound, milliseconds (default: the client's). */
  timeoutMs?: number;
  /** Headers sent besides the correlation id and trace context (which a caller's value here overrides). */
  headers?: Record<string, string>;
  /**
   * Whether the current correlation id and trace context go as headers, under a client span
   * `<subject> send` when tracing is on (default true). False: only `headers` are sent, and no
   * span is made (a caller that sends for many requests at once, with its own spans and ids).
   */
  context?: boolean;
}

/** What Nest's NATS server answers when no handler is registered for a subject (@nestjs/microservices). */
const noMessageHandler = 'There is no matching message handler defined in the remote service.';

/**
 * The one request/reply client of the services: typed by the subject map of `@credit-hub/contracts`
 * (`request('ledger.queries.get-history.v1', query)` takes a `GetHistoryQuery` and gives a
 * `RequestOutcome<HistoryPage>`), over a plain nats.js connection in Nest's NATS wire format
 * (request `{pattern, data, id}`, reply `{id, response | err, isDisposed}`; @nestjs/microservices
 * server-nats.js), so every Nest service answers unchanged.
 *
 * Give it the service's own connection (`connectNats` of `@credit-hub/service-kit`): it carries
 * the NATS credentials and TLS of `natsAuthOptions` (per-service users over TLS in production),
 * so requests need no connection of their own. Every request is bounded (`timeoutMs`); "no
 * responders", a closed connection, a timeout, a remote crash and a malformed reply each come back
 * as `unavailable` with their reason, never as a hang or a throw. The correlation id of the
 * current work travels as the header `X-Correlation-Id` (NATS header keys are case-sensitive:
 * https://docs.nats.io/learn/core-nats/headers) and, with tracing on, the W3C `traceparent` of a
 * client span `<subject> send` (tracing.ts).
 *
 * The gateway's `HubClient` adds coalescing and fail-fast on top of the same wire: it can delegate
 * its private `send` to `sendRaw(subject, payload, { context: false, headers, timeoutMs })` (its own
 * correlation ids per coalesced batch and its own spans; `RequestUnavailableError.reason` tells
 * its 503s: `no_responders` → the batch fallback or 503, `remote_failure` → 500, the rest → 503)
 * and keep its batching, ping probes, pending set and outage reporting.
 */
export class RequestClient {
  private nextId = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: RequestClientOptions,
  ) {}

  /**
   * Sends `body` as the request of the message `name` (its subject, with this process'
   * namespace) and returns the outcome typed by the map. Never throws.
   */
  async request<N extends RequestName>(name: N, body: MessageBySubject[N], options: RequestOptions = {}): Promise<RequestOutcome<ReplyBySubject[N]>> {
    const subject = messageDefinition(name).subject;
    let reply: unknown;
    try {
      reply = await this.sendRaw(subject, body as object, options);
    } catch (error) {
      if (!(error instanceof RequestUnavailableError)) throw error;
      this.options.logger?.warn(`${subject} did not answer: ${error.message}`);
      return { kind: 'unavailable', reason: error.reason, detail: error.message };
    }
    return this.outcome(subject, reply) as RequestOutcome<ReplyBySubject[N]>;
  }

  /**
   * One request on `subject` in Nest's wire format, bounded; resolves with the reply's `response`
   * (not yet read as a `Reply`). Throws `RequestUnavailableError` (with its reason) when there is
   * no answer. The correlation id and trace context of the current work go as headers.
   */
  sendRaw(subject: string, payload: object, options: RequestOptions = {}): Promise<unknown> {
    const send = () => this.send(subject, payload, options);
    return tracingEnabled() && options.context !== false ? inSpan(`${subject} send`, { kind: 'client', attributes: { 'messaging.system': 'nats' } }, send) : send();
  }

  private async send(subject: string, payload: object, options: RequestOptions): Promise<unknown> {
    if (this.nc.isClosed()) throw new RequestUnavailableError('disconnected', 'the NATS connection is closed');
    const id = String(++this.nextId);
    const body = Buffer.from(JSON.stringify({ pattern: subject, data: payload, id }));
    const headers = messageHeaders(options.headers, options.context !== false);
    let message;
    try {
      message = await this.nc.request(subject, body, { timeout: options.timeoutMs ?? this.options.timeoutMs, ...(headers ? { headers } : {}) });
    } catch (error) {
      throw unavailableError(error);
    }
    if (message.data.length === 0) throw new RequestUnavailableError('malformed_reply', 'empty response');
    let packet: { response?: unknown; err?: unknown };
    try {
      packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as { response?: unknown; err?: unknown };
    } catch {
      throw new RequestUnavailableError('malformed_reply', 'the reply is not JSON');
    }
    if (packet.err !== undefined && packet.err !== null) {
      const text = typeof packet.err === 'string' ? packet.err : JSON.stringify(packet.err);
      const unregistered = text.includes(noMessageHandler);
      throw new RequestUnavailableError(unregistered ? 'no_responders' : 'remote_failure', unregistered ? 'no handler for the subject there' : `the handler failed: ${text.slice(0, 500)}`);
    }
    return packet.response;
  }

  /** Reads a `Reply`: its value, a refusal with a known code, or a malformed answer (logged). */
  private outcome(subject: string, reply: unknown): RequestOutcome<unknown> {
    const candidate = reply as { ok?: unknown; value?: unknown; refusal?: Refusal } | null;
    if (candidate !== null && typeof candidate === 'object') {
      if (candidate.ok === true && 'value' in candidate) return { kind: 'ok', value: candidate.value };
      if (candidate.ok === false && candidate.refusal && typeof candidate.refusal === 'object' && Object.hasOwn(ErrorCodes, candidate.refusal.code)) {
        return { kind: 'refused', refusal: candidate.refusal };
      }
    }
    this.options.logger?.error(`${subject} answered in an unexpected form: ${JSON.stringify(reply)?.slice(0, 500)}`);
    return { kind: 'unavailable', reason: 'malformed_reply', detail: 'malformed reply' };
  }
}

/** No usable answer to a request (see `UnavailableReason`). */
export class RequestUnavailableError extends Error {
  override name = 'RequestUnavailableError';

  constructor(
    readonly reason: UnavailableReason,
    detail: string,
  ) {
    super(detail);
  }
}

/** The headers of a request: the current correlation id and trace context (when `context`), then the caller's. */
function messageHeaders(extra: Record<string, string> | undefined, context: boolean): MsgHdrs | undefined {
  const correlationId = context ? currentCorrelationId() : undefined;
  const trace = context ? currentTraceHeaders() : undefined;
  if (correlationId === undefined && trace === undefined && extra === undefined) return undefined;
  const headers = natsHeaders();
  if (correlationId !== undefined) headers.set(correlationIdHeader, correlationId);
  for (const [name, value] of Object.entries({ ...trace, ...extra })) headers.set(name, value);
  return headers;
}

function unavailableError(error: unknown): RequestUnavailableError {
  const code = error instanceof NatsError ? error.code : (error as { code?: unknown } | null)?.code;
  if (code === '503') return new RequestUnavailableError('no_responders', 'no responders');
  if (code === 'TIMEOUT') return new RequestUnavailableError('timeout', 'no answer in time');
  if (code === 'CONNECTION_CLOSED' || code === 'CONNECTION_DRAINING') return new RequestUnavailableError('disconnected', 'the NATS connection is closed');
  return new RequestUnavailableError('timeout', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
