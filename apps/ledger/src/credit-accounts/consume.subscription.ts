import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  consumeBatchSizeMax, ConsumeCreditsBatchResult, ConsumeCreditsResult, LedgerSubjects, QueueGroups, Reply, replyOk, replyRefused,
} from '@credit-hub/contracts';
import {
  correlationIdHeader, correlationIdOrNew, currentCorrelationId, inSpan, runWithCorrelation, traceparentHeader, tracestateHeader, tracingEnabled, validCorrelationId,
  validTraceparent,
} from '@credit-hub/messaging';
import { connectNats } from '@credit-hub/service-kit';
import { LedgerConfig } from '../ledger.config';
import { Msg, NatsConnection, Subscription } from 'nats';
import { AccountCommands } from './account-commands';

/** How long shutdown waits for the consumes in flight to be answered. */
const shutdownWaitMs = 10_000;

/**
 * The ledger's hot subjects on a plain nats.js subscription (queue group `ledger`), without Nest's
 * per-message machinery (observables, interceptors, a flush per reply):
 *
 * - `ledger.commands.consume-credits.v1`: one consume, answered with one reply.
 * - `ledger.commands.consume-credits-batch.v1`: `{commands: [...]}` (at most 1,000), answered with
 *   ONE message `Reply<{results}>`, `results[i]` the answer to `commands[i]` (each validated and
 *   decided on its own; never all-or-nothing). The gateway coalesces concurrent consumes into it.
 * - `ledger.ping.v1`: an empty answer, at once: the gateway asks it while a ledger request is slow,
 *   and fails the requests in flight fast when no ledger answers any more.
 *
 * Both speak Nest's NATS wire format (request `{pattern, data, id}`, reply `{id, response,
 * isDisposed: true}`: @nestjs/microservices server-nats.js `getPublisher`, server.js `send`), so
 * a Nest ClientProxy, the bench and the SDK tools call them unchanged. The request's
 * `X-Correlation-Id` header (or a new id) is the correlation context of the command; in a batch,
 * an item's own `correlationId` field wins, so each coalesced request keeps its id. The commands
 * go to the ledger pipeline in the same turn of the event loop, so they share a transaction.
 * With tracing on, each consume runs in a server span `ledger.commands.consume-credits.v1 process`,
 * child of the request's `traceparent` header or the item's `traceparent` field, ending after the
 * commit of its batch (whose SQL is in the batch's own `ledger.commit` span, linked to it).
 */
@Injectable()
export class ConsumeSubscription implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ConsumeSubscription');
  private subscriptions: Subscription[] = [];
  private inFlight = 0;
  private idle?: () => void;

  private nc?: NatsConnection;

  constructor(
    private readonly config: LedgerConfig,
    private readonly accounts: AccountCommands,
  ) {}

  /** Its own connection (like Nest's request/reply server), so durable consumers never queue behind consumes. */
  async onApplicationBootstrap(): Promise<void> {
    this.nc = await connectNats(this.config.NATS_URL, 'ledger-consume');
    this.subscriptions = [
      this.serve(LedgerSubjects.consumeCredits, (data) => this.accounts.handle('consume', data)),
      this.serve(LedgerSubjects.consumeCreditsBatch, (data) => this.consumeMany(data)),
      this.nc.subscribe(LedgerSubjects.ping, { queue: QueueGroups.ledger, callback: (error, message) => error || message.respond(new Uint8Array(0)) }),
    ];
  }

  /** Stops taking consumes and waits (bounded) until the ones in flight are answered. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, shutdownWaitMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.nc?.drain().catch((error: Error) => this.logger.warn(`drain failed: ${error.message}`));
  }

  private serve(subject: string, handle: (data: unknown) => Promise<Reply<unknown>>): Subscription {
    return this.nc!.subscribe(subject, {
      queue: QueueGroups.ledger,
      callback: (error, message) => {
        if (error) {
          this.logger.warn(`subscription ${subject}: ${error.message}`);
          return;
        }
        void this.answer(message, handle);
      },
    });
  }

  private async answer(message: Msg, handle: (data: unknown) => Promise<Reply<unknown>>): Promise<void> {
    let packet: { data?: unknown; id?: unknown };
    try {
      packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as { data?: unknown; id?: unknown };
    } catch {
      packet = {};
    }
    if (!message.reply) return; // an event, not a request: nobody to answer (Nest ignores these too)
    const id = typeof packet.id === 'string' ? packet.id : undefined;
    this.inFlight++;
    try {
      const correlationId = correlationIdOrNew(message.headers?.get(correlationIdHeader));
      const run = () => runWithCorrelation(correlationId, () => handle(packet.data));
      // Tracing on: a single consume runs in a server span, child of its `traceparent` header,
      // ending when its batch has committed; a batch message's commands get a span each (consumeMany).
      const response = tracingEnabled() && message.subject === LedgerSubjects.consumeCredits
        ? await inSpan(`${message.subject} process`, { kind: 'server', parent: traceHeaders(message), attributes: spanAttributes }, run)
        : await run();
      message.respond(Buffer.from(JSON.stringify({ id, response, isDisposed: true })));
    } catch (error) {
      this.logger.error(`answering ${message.subject} failed: ${(error as Error).message}`);
      message.respond(Buffer.from(JSON.stringify({ id, err: { status: 'error', message: 'Internal server error' }, isDisposed: true })));
    } finally {
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  /** The batch subject: validates the envelope, then every command on its own, all in one pipeline turn. */
  private async consumeMany(data: unknown): Promise<Reply<ConsumeCreditsBatchResult>> {
    const commands = (data as { commands?: unknown } | null)?.commands;
    if (!Array.isArray(commands)) return replyRefused('validation_failed', 'commands must be an array of consume commands');
    if (commands.length > consumeBatchSizeMax) return replyRefused('validation_failed', `at most ${consumeBatchSizeMax} commands in one batch`);
    const batchId = currentCorrelationId() ?? correlationIdOrNew(undefined);
    // Each command in its own correlation context (its log fields and its events' correlation id).
    const results = await Promise.all(commands.map((command) => {
      const own = validCorrelationId((command as { correlationId?: unknown } | null)?.correlationId);
      const run = () => runWithCorrelation(own ?? batchId, () => this.accounts.handle('consume', command));
      if (!tracingEnabled()) return run();
      // A server span per command, child of the gateway's span of that consume (the item's
      // `traceparent`), ending when the command's batch has committed.
      const parent = validTraceparent((command as { traceparent?: unknown } | null)?.traceparent);
      return inSpan(`${LedgerSubjects.consumeCredits} process`, { kind: 'server', parent, attributes: spanAttributes }, run);
    }));
    return replyOk({ results: results as Reply<ConsumeCreditsResult>[] });
  }
}

const spanAttributes = { 'messaging.system': 'nats', 'rpc.system': 'nats' };

/** The W3C trace context headers of a NATS message, undefined when it has none. */
function traceHeaders(message: Msg): Record<string, string> | undefined {
  const traceparent = message.headers?.get(traceparentHeader);
  if (!traceparent) return undefined;
  const tracestate = message.headers?.get(tracestateHeader);
  return tracestate ? { traceparent, tracestate } : { traceparent };
}
