import { Logger } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, ReplayPolicy } from 'nats';
import { correlationIdFromHeaders, correlationIdOrNew, runWithCorrelation } from './correlation';
import { inSpan, startSpan, TraceSpan, tracingEnabled } from './tracing';

/** A message handed to a consumer's handler: decoded JSON body plus JetStream metadata. */
export interface ConsumedMessage<T = unknown> {
  subject: string;
  body: T;
  /** `Nats-Msg-Id` of the message (the event id or Stripe event id), or `<stream>:<seq>` if unset. */
  messageId: string;
  streamSequence: number;
  redeliveryCount: number;
  headers: Record<string, string>;
}

/** Settings of a durable pull consumer; every bound is explicit (STYLE.md rule 9). */
export interface DurableConsumerOptions<T = unknown> {
  nc: NatsConnection;
  stream: string;
  /** Durable name: the server keeps the consumer's position under it across restarts. */
  durable: string;
  filterSubject?: string;
  /**
   * Idempotent handler: must record the message's own idempotency key (for ledger events, the
   * event id in the body, which survives a republish under another msgID) in its inbox in the
   * effect's transaction.
   */
  handler: (message: ConsumedMessage<T>) => Promise<void>;
  /**
   * Optional handler of several messages at once, in stream order, for consumers whose effect is
   * cheap and whose cost is the transaction around it (read models): the messages already
   * delivered to this process (at most `batchSizeMax`) are handed over together, typically to be
   * applied in one transaction. It must have exactly the effect of `handler` on each message in
   * turn (the same inbox claims). If it throws, nothing of it may remain (one transaction), and
   * each message is then handled alone by `handler`, so a poison message never blocks the others.
   * It runs outside any one message's correlation context.
   */
  batchHandler?: (messages: ConsumedMessage<T>[]) => Promise<void>;
  /**
   * With `batchHandler`: how long a batch waits, after its first message, for more messages to
   * arrive (ms; default 0 = only those already delivered). A few milliseconds turn a stream of
   * single messages into a few transactions per hundred; the price is that much staleness.
   */
  batchWaitMs?: number;
  /** Deliveries before the server gives up on a message (poison). */
  maxDeliver?: number;
  ackWaitMs?: number;
  /** Most messages per batch (with `batchHandler`), and by default the messages pulled per request. */
  batchSizeMax?: number;
  /**
   * Messages asked for per pull request (default `batchSizeMax`). nats.js asks again when the
   * handler has reached a quarter of them, so a larger pull keeps a backlog flowing without
   * waiting on a pull's round trip; the price is that `stop()` handles up to this many messages
   * already delivered, and each must be handled within `ackWaitMs` of its delivery.
   */
  pullMessagesMax?: number;
}

/**
 * Messages delivered and not yet acknowledged, per consumer, before the server stops delivering
 * (`max_ack_pending`): above a consumer's pull plus the acks of the batches being sent.
 */
const maxAckPending = 4000;

/**
 * A JetStream durable pull consumer with explicit ack, handling messages one at a time in stream
 * order. A handler error naks the message with a growing delay; after `maxDeliver` deliveries the
 * server stops redelivering and the message is logged as poison. `stop()` finishes the message in
 * hand, then closes the subscription. Acks of handled messages are sent together once per turn
 * of the event loop (one socket write for all the process's consumers), never before the
 * handler's effect is committed.
 *
 * Each message is handled inside the correlation context of its `X-Correlation-Id` header (a
 * fresh id when the header is absent or invalid), so the handler's log lines carry it and the
 * outbox rows it writes pass it on; each handled message is logged at debug. With tracing on
 * (`startTracing`), each message gets a consumer span `<subject> process`, child of its
 * `traceparent` header.
 */
export class DurableConsumer<T = unknown> {
  private readonly logger: Logger;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;
  /** Messages handled successfully since start; read by metrics and tests. */
  handledCount = 0;

  constructor(private readonly options: DurableConsumerOptions<T>) {
    this.logger = new Logger(`Consumer:${options.durable}`);
  }

  /** Creates or updates the durable consumer on the server and starts pulling. */
  async start(): Promise<void> {
    const { nc, stream, durable } = this.options;
    const jsm = await nc.jetstreamManager();
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      max_deliver: this.options.maxDeliver ?? 20,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      max_ack_pending: maxAckPending,
      ...(this.options.filterSubject ? { filter_subject: this.options.filterSubject } : {}),
    };
    const exists = await jsm.consumers.info(stream, durable).then(
      () => true,
      (error: { api_error?: { err_code?: number }; message?: string }) => {
        // 10014: consumer not found. Anything else (stream missing, server down) is an error.
        if (error.api_error?.err_code === 10014 || /consumer not found/i.test(error.message ?? '')) return false;
        throw error;
      },
    );
    if (exists) {
      await jsm.consumers.update(stream, durable, {
        max_deliver: config.max_deliver,
        ack_wait: config.ack_wait,
        max_ack_pending: maxAckPending,
        ...(this.options.filterSubject ? { filter_subject: this.options.filterSubject } : {}),
      });
    } else {
      await jsm.consumers.add(stream, config);
    }
    const consumer = await nc.jetstream().consumers.get(stream, durable);
    const pull = this.options.pullMessagesMax ?? this.options.batchSizeMax ?? 100;
    this.messages = await consumer.consume({ max_messages: pull, expires: 5000 });
    this.loop = this.run(this.messages).catch((error: Error) => {
      // The iterator failing (connection closed for good) must not become an unhandled rejection.
      if (!this.stopping) this.logger.error(`consumer loop ended: ${error.message}`);
    });
  }

  /** The server's view of this consumer: messages not yet delivered, awaiting ack, and redelivered. */
  async info(): Promise<{ durable: string; stream: string; pending: number; ackPending: number; redelivered: number }> {
    const jsm = await this.options.nc.jetstreamManager();
    const info = await jsm.consumers.info(this.options.stream, this.options.durable);
    return { durable: this.options.durable, stream: this.options.stream, pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  }

  /**
   * Stops pulling; resolves when the messages already delivered to this process are handled
   * (they are handled, not nak'd: a nak would hand them straight back to the closing pull and
   * leave them waiting out `ack_wait`).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    await this.loop;
    sendAcks(); // before the connection drains
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    if (!this.options.batchHandler) {
      for await (const message of messages) await this.handle(message);
      return;
    }
    // Batches of what has arrived: after the first message, take the next ones as long as they
    // arrive within `batchWaitMs` (or, with 0, are ready before the event loop's next turn).
    const iterator = messages[Symbol.asyncIterator]();
    const batchSizeMax = this.options.batchSizeMax ?? 100;
    const batchWaitMs = this.options.batchWaitMs ?? 0;
    let next = iterator.next();
    for (;;) {
      const first = await next;
      if (first.done) return;
      const batch: JsMsg[] = [first.value];
      next = iterator.next();
      let ended = false;
      const closing = batchWaitMs > 0 ? after(batchWaitMs) : undefined;
      while (batch.length < batchSizeMax) {
        const ready = await Promise.race([next, closing ?? nextTurn()]);
        if (ready === notReady) break;
        if (ready.done) {
          ended = true;
          break;
        }
        batch.push(ready.value);
        next = iterator.next();
      }
      closing?.cancel(); // a batch filled before its wait ended leaves no timer behind
      await this.handleBatch(batch);
      if (ended) return;
    }
  }

  /** Handles messages delivered together: one call of `batchHandler`, else each alone. */
  private async handleBatch(batch: JsMsg[]): Promise<void> {
    const decoded: { message: JsMsg; consumed: ConsumedMessage<T> }[] = [];
    for (const message of batch) {
      const consumed = this.decode(message);
      if (consumed) decoded.push({ message, consumed });
    }
    if (decoded.length === 0) return;
    if (decoded.length > 1) {
      // Tracing on: a span per message (child of its `traceparent`, ending when the batch is
      // applied) and the batch's own work in one span linked to them, in a trace of its own.
      const spans = tracingEnabled() ? decoded.map((entry) => this.messageSpan(entry.consumed)) : [];
      try {
        await inSpan(`${this.options.durable} batch`, { root: true, links: spans.map((span) => span?.traceparent), attributes: { 'messaging.batch.message_count': decoded.length } }, () =>
          this.options.batchHandler!(decoded.map((entry) => entry.consumed)));
        for (const { message } of decoded) ackSoon(message);
        for (const span of spans) span?.end();
        this.handledCount += decoded.length;
        this.logger.debug(`handled ${decoded.length} messages in one batch`);
        return;
      } catch (error) {
        for (const span of spans) {
          span?.set('messaging.batch.failed', true);
          span?.end();
        }
        this.logger.warn(`a batch of ${decoded.length} messages failed (${(error as Error).message}); handling them one by one`);
      }
    }
    for (const { message, consumed } of decoded) await this.handleOne(message, consumed);
  }

  private async handle(message: JsMsg): Promise<void> {
    const decoded = this.decode(message);
    if (decoded) await this.handleOne(message, decoded);
  }

  /** One message in its correlation context and (tracing on) its consumer span. */
  private handleOne(message: JsMsg, decoded: ConsumedMessage<T>): Promise<void> {
    const settle = () => runWithCorrelation(correlationIdOrNew(correlationIdFromHeaders(decoded.headers)), () => this.settle(message, decoded));
    if (!tracingEnabled()) return settle();
    const span = this.messageSpan(decoded);
    return span ? span.run(settle).finally(() => span.end()) : settle();
  }

  /**
   * The consumer span of one message (`<subject> process`), child of the `traceparent` header the
   * outbox wrote, so the trace runs from the request that caused the event to this consumer.
   */
  private messageSpan(decoded: ConsumedMessage<T>): TraceSpan | undefined {
    return startSpan(`${decoded.subject} process`, {
      kind: 'consumer',
      parent: decoded.headers,
      attributes: {
        'messaging.system': 'nats', 'messaging.operation.type': 'process', 'messaging.destination.name': decoded.subject,
        'messaging.consumer.group.name': this.options.durable, 'messaging.message.id': decoded.messageId,
      },
    });
  }

  /**
   * The message decoded, or undefined when it is not JSON (then terminated: it can never succeed).
   * The body is parsed at once (straight from the message's bytes, no copy); the JetStream
   * metadata (`messageId`, `streamSequence`, `redeliveryCount`, `headers`) only when a handler
   * reads it, once: consumers that key their inbox by the body's event id never parse the headers
   * or the ack subject.
   */
  private decode(message: JsMsg): ConsumedMessage<T> | undefined {
    let body: T;
    try {
      const data = message.data;
      body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T;
    } catch (error) {
      const info = message.info;
      this.logger.error(`message ${info.stream}:${info.streamSequence} is not JSON; terminated: ${(error as Error).message}`);
      message.term();
      return undefined;
    }
    return new DecodedMessage<T>(message, body);
  }

  /** Runs the handler on one decoded message; acks on success, naks with back-off on failure. */
  private async settle(message: JsMsg, decoded: ConsumedMessage<T>): Promise<void> {
    const info = message.info;
    try {
      await this.options.handler(decoded);
      ackSoon(message);
      this.handledCount++;
      this.logger.debug(`handled ${decoded.subject} ${decoded.messageId}`);
    } catch (error) {
      const attempt = info.redeliveryCount;
      const delayMs = Math.min(100 * 2 ** Math.min(attempt, 10), 30_000);
      const last = attempt >= (this.options.maxDeliver ?? 20);
      const text = `handling ${decoded.subject} ${decoded.messageId} failed (delivery ${attempt})`;
      if (last) this.logger.error(`${text}; giving up (poison message): ${(error as Error).message}`);
      else this.logger.warn(`${text}; retry in ${delayMs} ms: ${(error as Error).message}`);
      message.nak(delayMs);
    }
  }
}

/**
 * A consumed message whose JetStream metadata is read lazily from the `JsMsg` (and kept): the
 * header block and the ack subject (`$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>…`) are only
 * parsed when a handler asks for them.
 */
class DecodedMessage<T> implements ConsumedMessage<T> {
  private headerRecord?: Record<string, string>;

  constructor(
    private readonly message: JsMsg,
    readonly body: T,
  ) {}

  get subject(): string {
    return this.message.subject;
  }

  get messageId(): string {
    const id = this.message.headers?.get('Nats-Msg-Id');
    if (id) return id;
    const info = this.message.info;
    return `${info.stream}:${info.streamSequence}`;
  }

  get streamSequence(): number {
    return this.message.info.streamSequence;
  }

  get redeliveryCount(): number {
    return this.message.info.redeliveryCount;
  }

  get headers(): Record<string, string> {
    return (this.headerRecord ??= headersToRecord(this.message));
  }
}

/**
 * Acks of handled messages, sent together once per turn of the event loop: every ack the
 * process's consumers make in one turn goes out in one socket write (nats.js writes what is
 * pending at the end of each microtask run). Sent after the effect's commit, like an ack at once;
 * an ack lost to a crash before it is sent is a redelivery, which the inbox makes a no-op.
 */
const pendingAcks: JsMsg[] = [];
let acksScheduled = false;

function ackSoon(message: JsMsg): void {
  pendingAcks.push(message);
  if (acksScheduled) return;
  acksScheduled = true;
  setImmediate(sendAcks);
}

function sendAcks(): void {
  acksScheduled = false;
  const messages = pendingAcks.splice(0, pendingAcks.length);
  for (const message of messages) {
    try {
      message.ack();
    } catch {
      // The connection closed first: the server redelivers after ack_wait, and the inbox makes that a no-op.
    }
  }
}

const notReady = Symbol('notReady');

/** Resolves after the current turn of the event loop (I/O already read is delivered first). */
function nextTurn(): Promise<typeof notReady> {
  return new Promise((resolve) => setImmediate(() => resolve(notReady)));
}

/** Resolves `notReady` after `ms` milliseconds, unless cancelled first (then its timer is cleared). */
function after(ms: number): Promise<typeof notReady> & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<typeof notReady>((resolve) => {
    timer = setTimeout(() => resolve(notReady), ms);
  });
  return Object.assign(promise, { cancel: () => clearTimeout(timer) });
}

function headersToRecord(message: JsMsg): Record<string, string> {
  const record: Record<string, string> = {};
  if (!message.headers) return record;
  for (const [key] of message.headers) record[key] = message.headers.get(key);
  return record;
}
