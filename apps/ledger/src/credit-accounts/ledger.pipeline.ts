import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ConsumeCreditsCommand, ErrorCode, EventMetadata, LedgerEvent, LedgerEventEnvelope, LedgerEventSchemaVersions, LedgerEventTypeSubjects, MessageHeaders, Reply, replyOk, replyRefused,
} from '@credit-hub/contracts';
import { CreditAccount, evolve, invariantViolations, LedgerRejection } from '@credit-hub/ledger-domain';
import { checkoutClient, claimInbox, currentTraceparent, inSpan, traceparentHeader, tracingEnabled, writeOutbox } from '@credit-hub/messaging';
import { currentCorrelationId, dataErrorOf, Metrics, runOutsideCorrelation } from '@credit-hub/service-kit';
import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { Counter, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { LedgerConfig } from '../ledger.config';
import { appendEvents, PendingEvent } from './event-store';
import { createMissingAccounts, emptyRows, loadAccountsForBatch, LoadNeeds, ProjectionRows, rowsTouchedBy, writeRows } from './state-rows';
import { preparedStatements } from './prepared-statements';
import { takeDueSnapshots } from './snapshot';

/** What a command's decision step returns: events and how to answer from the state after them, or a refusal (nothing written). */
export type Step<T> =
  | { events: LedgerEvent[]; answer: (account: CreditAccount, envelopes: LedgerEventEnvelope[]) => T }
  | { refusal: LedgerRejection | ErrorCode; detail: string };

/**
 * One command on one account, as the pipeline runs it: the account (`streamId`), what to load
 * besides the account row and its lots (`needs`), the pure decision over the loaded state, and
 * the options of its transaction.
 */
export interface AccountCommand<T> {
  /** `consume`, `grant`, `expire`…: the metric label, and `consume` is timed and counted by outcome. */
  kind: string;
  streamId: string;
  /** What to load for it: `needs(kind, command)` of libs/ledger-domain, declared beside the decisions. */
  needs: LoadNeeds;
  /** Create the account row first (commands that may start a stream: purchase, grant), with this email. */
  createFor?: string;
  /** Stored on every event of the command (correlation and causation ids). */
  metadata?: EventMetadata;
  /** Claim an inbox key in the same transaction (message consumers); a repeat then does nothing and answers `ok(undefined)`. */
  inbox?: { consumer: string; messageId: string };
  /** A consume's own command: a batch of consumes only is written by the store's `consumeBatch` (one entry for tests and tools). */
  consume?: ConsumeCreditsCommand;
  /** The pure decision (libs/ledger-domain) over the state as loaded and evolved by the earlier commands of its batch. */
  decide: (account: CreditAccount, now: string) => Step<T>;
}

interface Waiting {
  command: AccountCommand<unknown>;
  /** The correlation id of the request that submitted it: the outbox header of its events. */
  correlationId: string | undefined;
  /** Tracing on: the `traceparent` of the command's span, the outbox header of its events and a link of its batch's span. */
  traceparent?: string;
  resolve: (reply: Reply<unknown>) => void;
  reject: (error: unknown) => void;
}

/** Attempts of one command alone when the database reports a conflict (unique violation, deadlock, serialization). */
const attemptsMax = 5;
const retryableSqlStates = new Set(['23505', '40001', '40P01']);

/**
 * The ledger's one command pipeline. Every command (consume, grant, reserve, capture, release,
 * refunds, account changes, purchases from billing, expiry) is an `AccountCommand`; a single
 * command is a batch of one. A batch runs as one transaction, in one place:
 * create missing account rows → lock every account in stream id order and load what the commands
 * need → decide each command in arrival order against the in-memory state (each sees the effects
 * of the ones before it) → append all events (one multi-row INSERT) → evolve → assert the
 * invariants → projection rows → outbox rows → due snapshots → COMMIT → answer each.
 *
 * Batches form by themselves (natural batching, as PostgreSQL's WAL flush and TigerBeetle do):
 * a command that arrives while `LEDGER_BATCH_CONCURRENCY` batches are committing waits for the
 * next one; when a slot is free it is written at once (after the current turn of the event loop,
 * so the commands of one NATS message go together), with no fixed wait when the ledger is idle.
 * `LEDGER_BATCH_WAIT_MS` > 0 adds an explicit wait before a batch (off by default);
 * `LEDGER_BATCH_SIZE_MAX` bounds a batch (1: every command alone). An account is in at most one
 * batch in flight: a command on it waits for a later batch, so the commands on one account are
 * decided in the order they were submitted (a freeze delivered before a consume governs it), not
 * in the order concurrent transactions happen to take the account's row lock.
 *
 * A refusal never fails the batch (nothing is written for it). A database error fails the whole
 * transaction: the batch is retried once (not for an error caused by the data, `dataErrorOf`:
 * SQLSTATE class 22, class 23 but 23505, which belongs to one command), then each command runs
 * alone, so one bad command cannot fail its neighbours; alone, a conflict (23505, 40001, 40P01)
 * is retried up to 5 times, and any other error rejects that command's promise with the error
 * (the handler answers a data error `validation_failed`, anything else `service_unavailable`).
 */
@Injectable()
export class LedgerPipeline {
  private readonly logger = new Logger('LedgerPipeline');
  private queue: Waiting[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Accounts (stream ids) of the batches in flight: a later command on one of them waits for the next batch. */
  private readonly busy = new Set<string>();
  /** Transactions written since start and commands in them (read by metrics and the bench). */
  batches = 0;
  batchedCommands = 0;
  /** Events appended since start, counted before their commit: a `write` that sees it grow wakes the relay (a concurrent batch may make it wake it once more: harmless). */
  private appended = 0;

  private readonly consumeLatency: Histogram<'outcome'>;
  private readonly consumeOutcomes: Counter<'outcome'>;
  private readonly consumeBatchSizes: Histogram<never>;
  private readonly batchSizes: Histogram<never>;
  private readonly snapshotEvery: number;
  private readonly snapshotSkipped = (streamId: string, why: string): void => this.logger.warn(`snapshot of ${streamId} skipped: ${why}`);

  private readonly pool: Pool;

  /** Called after every commit (set by the outbox relay of this process: its `nudge`, so it publishes the batch's rows at once). */
  afterCommit?: () => void;

  /** Writes a batch of consumes only (set by CreditAccountStore: its `consumeBatch`, which comes back to `write`). */
  consumeBatchWriter?: (commands: ConsumeCreditsCommand[]) => Promise<Reply<unknown>[]>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly config: LedgerConfig,
    metrics: Metrics,
  ) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
    this.snapshotEvery = config.LEDGER_SNAPSHOT_EVERY;
    this.consumeLatency = metrics.histogram('ledger_consume_duration_seconds', 'Consume latency in the ledger, queue to commit', ['outcome'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
    this.consumeOutcomes = metrics.counter('ledger_consume_total', 'Consumes by outcome: accepted, repeated, or the refusal code', ['outcome']);
    this.consumeBatchSizes = metrics.histogram('ledger_consume_batch_size', 'Consumes per ledger transaction (transactions holding at least one)', [], [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    this.batchSizes = metrics.histogram('ledger_command_batch_size', 'Commands of every kind per ledger transaction', [], [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  }

  /**
   * Queues `command` for the next batch; resolves with its answer once its batch is committed
   * (or refused), rejects with the database error when it could not be written even alone.
   */
  async submit<T>(command: AccountCommand<T>): Promise<Reply<T>> {
    if (command.kind !== 'consume') return this.enqueue(command);
    const stop = this.consumeLatency.startTimer();
    const reply = await this.enqueue(command);
    const outcome = reply.ok ? ((reply.value as { repeated?: boolean }).repeated ? 'repeated' : 'accepted') : reply.refusal.code;
    stop({ outcome });
    this.consumeOutcomes.inc({ outcome });
    return reply;
  }

  private enqueue<T>(command: AccountCommand<T>): Promise<Reply<T>> {
    return new Promise<Reply<T>>((resolve, reject) => {
      this.queue.push({
        command: command as AccountCommand<unknown>, correlationId: currentCorrelationId(), traceparent: tracingEnabled() ? currentTraceparent() : undefined,
        resolve: resolve as (r: Reply<unknown>) => void, reject,
      });
      if (this.queue.length >= this.config.LEDGER_BATCH_SIZE_MAX) this.flush();
      else this.schedule();
    });
  }

  /** A flush after this turn of the event loop (or after the configured wait), unless one is due. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.config.LEDGER_BATCH_CONCURRENCY) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      this.flush();
    };
    if (this.config.LEDGER_BATCH_WAIT_MS > 0) setTimeout(run, this.config.LEDGER_BATCH_WAIT_MS);
    else setImmediate(run);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.config.LEDGER_BATCH_CONCURRENCY) {
      const taken = this.take();
      if (taken.length === 0) return; // every queued command waits for its account's batch in flight
      const batch = consumesLast(taken);
      const streams = [...new Set(batch.map((w) => w.command.streamId))];
      for (const streamId of streams) this.busy.add(streamId);
      this.inFlight++;
      // A batch serves many requests: its log lines must not carry the first one's correlation id,
      // nor its spans (SQL) the first one's trace: tracing on, they go in a `ledger.commit` span of
      // a trace of its own, linked to the spans of its commands.
      const settle = () => this.settle(batch);
      void runOutsideCorrelation(() => (tracingEnabled() ? inSpan('ledger.commit', { root: true, links: batch.map((w) => w.traceparent), attributes: { 'ledger.batch.commands': batch.length } }, settle) : settle())).finally(() => {
        for (const streamId of streams) this.busy.delete(streamId);
        this.inFlight--;
        if (this.queue.length > 0) this.flush();
      });
    }
  }

  /**
   * The next batch: the queued commands, in arrival order, up to `LEDGER_BATCH_SIZE_MAX`, leaving
   * queued those whose account is in a batch still in flight (and so every later command on it):
   * commands on one account are decided in the order they arrived, never by which transaction
   * happens to take the account's row lock first.
   */
  private take(): Waiting[] {
    const max = this.config.LEDGER_BATCH_SIZE_MAX;
    if (this.busy.size === 0) return this.queue.splice(0, max);
    const batch: Waiting[] = [];
    const waiting: Waiting[] = [];
    let i = 0;
    for (; i < this.queue.length && batch.length < max; i++) {
      const w = this.queue[i];
      (this.busy.has(w.command.streamId) ? waiting : batch).push(w);
    }
    this.queue = i < this.queue.length ? waiting.concat(this.queue.slice(i)) : waiting;
    return batch;
  }

  /** Writes a batch, with the fallbacks of the class comment; settles every command's promise. */
  private async settle(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.alone(batch[0]);
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        // A batch of consumes only goes through the store's batch writer; with tracing on, through
        // write() with each command's traceparent (the outbox header that joins the consumers' spans).
        const consumes = !tracingEnabled() && batch.every((w) => w.command.consume !== undefined && (w.command.metadata?.correlationId !== undefined || w.correlationId === undefined));
        const replies = consumes && this.consumeBatchWriter
          ? await this.consumeBatchWriter(batch.map((w) => w.command.consume!))
          : await this.write(batch.map((w) => w.command), batch.map((w) => w.correlationId), batch.map((w) => w.traceparent));
        batch.forEach((w, i) => w.resolve(replies[i]));
        return;
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        this.logger.warn(`batch of ${batch.length} failed (attempt ${attempt}${code ? `, SQLSTATE ${code}` : ''}): ${(error as Error).message}`);
        if (dataErrorOf(error)) break; // the same data fails the same way again: find its command alone, now
      }
    }
    await Promise.all(batch.map((w) => this.alone(w)));
  }

  /** One command as a batch of one, retrying database conflicts. */
  private async alone(w: Waiting): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [reply] = await this.write([w.command], [w.correlationId], [w.traceparent]);
        w.resolve(reply);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (!retryableSqlStates.has(code) || attempt >= attemptsMax) {
          w.reject(error);
          return;
        }
        this.logger.debug(`retrying ${w.command.streamId} after ${code} (attempt ${attempt})`);
      }
    }
  }

  /**
   * Runs `commands` in ONE transaction (the pipeline's single place) and returns one reply per
   * command, in order. Throws the database error (nothing written) when the transaction fails.
   * `correlationIds[i]` and `traceparents[i]` are the outbox headers of command i's events.
   */
  async write(commands: AccountCommand<unknown>[], correlationIds: (string | undefined)[] = [], traceparents: (string | undefined)[] = []): Promise<Reply<unknown>[]> {
    const client = await checkoutClient(this.pool);
    try {
      await client.query('BEGIN');
      const appendedBefore = this.appended;
      const replies = await this.writeIn(preparedStatements(client), commands, correlationIds, traceparents);
      await client.query('COMMIT');
      if (this.appended !== appendedBefore) this.afterCommit?.();
      this.batches++;
      this.batchedCommands += commands.length;
      this.batchSizes.observe(commands.length);
      const consumes = commands.filter((c) => c.kind === 'consume').length;
      if (consumes > 0) this.consumeBatchSizes.observe(consumes);
      return replies;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async writeIn(client: PoolClient, commands: AccountCommand<unknown>[], correlationIds: (string | undefined)[], traceparents: (string | undefined)[]): Promise<Reply<unknown>[]> {
    const created = await createMissingAccounts(client, commands.flatMap((c) => (c.createFor ? [{ streamId: c.streamId, email: c.createFor }] : [])));
    const accounts = await loadAccountsForBatch(client, commands);
    const now = new Date().toISOString();
    const pending: PendingEvent[] = [];
    const outboxHeaders = new Map<string, { correlationId?: string; traceparent?: string }>();
    const replies: Reply<unknown>[] = [];
    for (const [i, command] of commands.entries()) {
      const account = accounts.get(command.streamId)!;
      if (command.inbox && !(await claimInbox(client, command.inbox.consumer, command.inbox.messageId))) {
        replies.push(replyOk(undefined)); // handled before: no decision, no effect
        continue;
      }
      const step = command.decide(account, now);
      if ('refusal' in step) {
        replies.push(replyRefused(step.refusal as ErrorCode, step.detail));
        continue;
      }
      const metadata = command.metadata ?? {};
      const envelopes = step.events.map((event, k) => {
        const envelope = {
          eventId: randomUUID(), type: event.type, schemaVersion: LedgerEventSchemaVersions[event.type], streamId: command.streamId,
          version: account.version + k + 1, position: 0, occurredAt: now, data: event.data, metadata,
        } as LedgerEventEnvelope;
        return envelope;
      });
      for (const envelope of envelopes) {
        evolve(account, envelope as never);
        pending.push({ streamId: envelope.streamId, version: envelope.version, eventId: envelope.eventId, event: { type: envelope.type, data: envelope.data } as LedgerEvent, occurredAt: now, metadata });
        outboxHeaders.set(envelope.eventId, { correlationId: metadata.correlationId ?? correlationIds[i], traceparent: traceparents[i] });
      }
      replies.push(replyOk(step.answer(account, envelopes)));
    }
    // A row made for a command that then appended nothing (refused, or a repeat) goes again, as a rollback would have taken it.
    const unused = created.filter((streamId) => accounts.get(streamId)!.version === 0);
    if (unused.length > 0) await client.query('DELETE FROM ledger_accounts WHERE stream_id = ANY($1::text[]) AND version = 0', [unused]);
    if (pending.length === 0) return replies;
    const stored = await appendEvents(client, pending);
    this.appended += stored.length;
    const byStream = new Map<string, LedgerEventEnvelope[]>();
    for (const e of stored) {
      const list = byStream.get(e.streamId);
      if (list) list.push(e);
      else byStream.set(e.streamId, [e]);
    }
    const rows: ProjectionRows = emptyRows();
    for (const [streamId, list] of byStream) {
      const state = accounts.get(streamId)!;
      const violations = invariantViolations(state, { allReservationsLoaded: false });
      if (violations.length > 0) throw new Error(`invariant broken on ${streamId}: ${violations.join('; ')}`);
      const touched = rowsTouchedBy(list, state);
      for (const key of Object.keys(rows) as (keyof ProjectionRows)[]) (rows[key] as unknown[]).push(...(touched[key] as unknown[]));
    }
    await writeRows(client, rows);
    await writeOutbox(client, stored.map((envelope) => outboxMessage(envelope, outboxHeaders.get(envelope.eventId))));
    const versions = new Map<string, { before: number; after: number }>();
    for (const [streamId, list] of byStream) versions.set(streamId, { before: list[0].version - 1, after: list[list.length - 1].version });
    await takeDueSnapshots(client, this.snapshotEvery, versions, this.snapshotSkipped);
    return replies;
  }
}

/**
 * A batch's commands in the order they are decided: every other kind (a freeze, a suspension, a
 * grant or purchase from billing, a refund) before the consumes that arrived with it, each group in
 * arrival order. Commands of one batch arrived together, so their order among themselves is not
 * the client's; this one lets an account fact that arrived with a burst of consumes govern them,
 * as before the pipeline, when consumes waited for their batch window and other commands did not.
 */
function consumesLast(batch: Waiting[]): Waiting[] {
  if (batch.every((w) => w.command.kind === 'consume') || batch.every((w) => w.command.kind !== 'consume')) return batch;
  return [...batch.filter((w) => w.command.kind !== 'consume'), ...batch.filter((w) => w.command.kind === 'consume')];
}

/**
 * The outbox row of one stored event: subject by type, `Nats-Msg-Id` = event id, the event type,
 * correlation id and (tracing on) the command span's `traceparent` as headers.
 */
function outboxMessage(envelope: LedgerEventEnvelope, ids: { correlationId?: string; traceparent?: string } | undefined) {
  return {
    messageId: envelope.eventId,
    subject: LedgerEventTypeSubjects[envelope.type],
    payload: envelope,
    headers: {
      [MessageHeaders.eventType]: envelope.type,
      ...(ids?.correlationId ? { [MessageHeaders.correlationId]: ids.correlationId } : {}),
      ...(ids?.traceparent ? { [traceparentHeader]: ids.traceparent } : {}),
    },
  };
}
