import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AccountChangeResult, accountStreamId, BalanceView, CaptureReservationCommand, ConsumeCreditsCommand, ConsumeCreditsResult, ErrorCode,
  EventMetadata, GrantCreditsCommand, GrantCreditsResult, LedgerEvent, LedgerEventEnvelope, LedgerEventTypeSubjects, MessageHeaders,
  PaymentSucceededV1, RefundConsumptionsCommand, RefundConsumptionsResult, RefundPurchaseCommand, RefundPurchaseResult,
  ReleaseReservationCommand, Reply, replyOk, replyRefused, ReservationView, ReserveCreditsCommand,
} from '@credit-hub/contracts';
import {
  BatchItem, CreditAccount, decideCapture, decideConsumeBatch, decideConsume, decideExpiry, decideGrant, decidePurchase, decideRefundConsumptions, decideRefundPurchase,
  decideRelease, decideReserve, evolve, invariantViolations, LedgerRejection, spendableCredits,
} from '@credit-hub/ledger-domain';
import { checkoutClient, claimInbox, writeOutbox } from '@credit-hub/messaging';
import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { appendEvents, appendToStream, PendingEvent } from './event-store';
import { emptyRows, loadAccount, loadAccountsForBatch, LoadNeeds, lockOrCreateAccount, lotToView, ProjectionRows, rowsTouchedBy, writeRows } from './projection';
import { takeDueSnapshots } from './snapshot';
import { LedgerConfig } from '../ledger.config';
import { lotViewForDomain } from '../visibility/domain-visibility';

/** Attempts of one command when the database reports a conflict (unique violation, deadlock, serialization). */
const attemptsMax = 5;
const retryableSqlStates = new Set(['23505', '40001', '40P01']);

/** What a command's decision step returns to the runner. */
export type Step<T> =
  | { events: LedgerEvent[]; answer: (account: CreditAccount, envelopes: LedgerEventEnvelope[]) => T }
  | { refusal: LedgerRejection | ErrorCode; detail: string };

/** Options of one command run. */
interface RunOptions {
  needs: LoadNeeds;
  /** Create the account row first (commands that may start a stream: purchase, grant). */
  createFor?: string;
  metadata?: EventMetadata;
  /** Claim an inbox key in the same transaction (message consumers); a repeat then does nothing. */
  inbox?: { consumer: string; messageId: string };
}

/**
 * The credit accounts: load state under the account's row lock, decide (pure domain), then append
 * events, write the projections and the outbox rows in the same transaction (Emmett's handler
 * shape: load, decide, append, retry on conflict). Concurrent commands on one account are
 * serialised by the row lock, so they never overdraw.
 */
@Injectable()
export class CreditAccountStore {
  private readonly logger = new Logger('CreditAccounts');
  readonly pool: Pool;

  /** Snapshot every this many events of an account (LEDGER_SNAPSHOT_EVERY; 0 = never). */
  private readonly snapshotEvery: number;
  /** A due snapshot that was not taken (the append committed without it). */
  private readonly snapshotSkipped = (streamId: string, why: string): void => this.logger.warn(`snapshot of ${streamId} skipped: ${why}`);

  constructor(@InjectDataSource() dataSource: DataSource, config: LedgerConfig) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
    this.snapshotEvery = config.LEDGER_SNAPSHOT_EVERY;
  }

  /** Consumes credits: `{balance, eventId, repeated}` or `insufficient_credits`, `reference_conflict`, `account_frozen`, `payment_past_due`. */
  async consume(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
    const ref = { domain: command.domain, referenceId: command.referenceId };
    return this.run<ConsumeCreditsResult>(accountStreamId(command.email), { needs: { consumptions: [ref], reservationReference: ref }, metadata: meta(command.correlationId, `${command.domain}/${command.referenceId}`) }, (account, now) => {
      const decision = decideConsume({ ...command, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      if (decision.outcome === 'repeated') return { events: [], answer: () => ({ balance: decision.balance, eventId: decision.eventId, repeated: true }) };
      return { events: decision.events, answer: (after, [envelope]) => ({ balance: after.balance, eventId: envelope.eventId, repeated: false }) };
    });
  }

  /**
   * Consumes a batch of commands in ONE transaction (group commit): lock every account involved,
   * decide each command in arrival order in memory, write all events, projection rows and outbox
   * rows with multi-row statements, commit, answer each. Same answers and events as one `consume`
   * per command in the same order; a refusal never fails the batch. A database error fails the
   * whole batch (nothing written): the caller retries or falls back to single commands.
   */
  async consumeBatch(commands: ConsumeCreditsCommand[]): Promise<Reply<ConsumeCreditsResult>[]> {
    const client = await checkoutClient(this.pool);
    try {
      await client.query('BEGIN');
      const refs = commands.map((c) => ({ domain: c.domain, referenceId: c.referenceId }));
      const accounts = await loadAccountsForBatch(client, commands.map((c) => accountStreamId(c.email)), refs);
      const now = new Date().toISOString();
      const items: BatchItem[] = commands.map((c) => ({ streamId: accountStreamId(c.email), eventId: randomUUID(), command: { ...c, now } }));
      const outcomes = decideConsumeBatch(items, accounts);
      const pending: PendingEvent[] = [];
      outcomes.forEach((o, i) => {
        if (o.appended) pending.push({ streamId: items[i].streamId, version: o.appended.version, eventId: o.appended.eventId, event: o.appended, occurredAt: now, metadata: meta(commands[i].correlationId, `${commands[i].domain}/${commands[i].referenceId}`) });
      });
      const envelopes = await appendEvents(client, pending);
      await this.writeBatchProjection(client, envelopes, accounts);
      await client.query('COMMIT');
      return outcomes.map((o, i) => {
        if (o.outcome === 'rejected') return replyRefused(o.code, refused(o.code, commands[i]).detail);
        if (o.outcome === 'repeated') return replyOk({ balance: o.balance, eventId: o.eventId, repeated: true });
        return replyOk({ balance: (o.appended!.data as { balanceAfter: number }).balanceAfter, eventId: o.appended!.eventId, repeated: false });
      });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async writeBatchProjection(client: PoolClient, envelopes: LedgerEventEnvelope[], accounts: Map<string, CreditAccount>): Promise<void> {
    if (envelopes.length === 0) return;
    const byStream = new Map<string, LedgerEventEnvelope[]>();
    for (const e of envelopes) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    const rows: ProjectionRows = emptyRows();
    for (const [streamId, list] of byStream) {
      const state = accounts.get(streamId)!;
      const violations = invariantViolations(state, { allReservationsLoaded: false });
      if (violations.length > 0) throw new Error(`invariant broken on ${streamId}: ${violations.join('; ')}`);
      const touched = rowsTouchedBy(list, state);
      for (const key of Object.keys(rows) as (keyof ProjectionRows)[]) (rows[key] as unknown[]).push(...(touched[key] as unknown[]));
    }
    await writeRows(client, rows);
    await writeOutbox(client, envelopes.map((envelope) => outboxMessage(envelope, envelope.metadata)));
    const versions = new Map<string, { before: number; after: number }>();
    for (const [streamId, list] of byStream) versions.set(streamId, { before: list[0].version - 1, after: list[list.length - 1].version });
    await takeDueSnapshots(client, this.snapshotEvery, versions, this.snapshotSkipped);
  }

  /** Turns a paid checkout into `CreditsPurchased`, once per Stripe event (inbox) and per checkout session. Returns events appended. */
  async purchase(payment: PaymentSucceededV1, inboxConsumer: string, messageId: string): Promise<number> {
    const reply = await this.run(accountStreamId(payment.email), {
      needs: { checkoutSessionId: payment.checkoutSessionId }, createFor: payment.email, metadata: { causationId: payment.stripeEventId },
      inbox: { consumer: inboxConsumer, messageId },
    }, (account, now) => {
      const events = decidePurchase({ payment, now }, account);
      return { events, answer: () => events.length };
    });
    return reply.ok ? (reply.value ?? 0) : 0;
  }

  /** Grants credits (`CreditsGranted`), idempotent on `grantId` per customer. */
  async grant(command: GrantCreditsCommand): Promise<Reply<GrantCreditsResult>> {
    return this.run<GrantCreditsResult>(accountStreamId(command.email), { needs: { grantId: command.grantId }, createFor: command.email, metadata: { causationId: `grant/${command.grantId}` } }, (account, now) => {
      const decision = decideGrant({
        lotId: `lot_g_${randomUUID()}`, email: command.email, domain: command.domain, credits: command.credits, grantId: command.grantId,
        reason: command.reason, source: command.source ?? 'manual', priority: command.priority ?? 0,
        scopeDomain: command.scope === 'domain' ? command.domain : null, expiresAt: command.expiresAt ? new Date(command.expiresAt).toISOString() : null,
        subscriptionId: command.subscriptionId ?? null, now,
      }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      if (decision.outcome === 'repeated') return { events: [], answer: (after) => ({ lotId: decision.answer.lotId, eventId: null, balance: after.balance, repeated: true }) };
      const lotId = (decision.events[0].data as { lotId: string }).lotId;
      return { events: decision.events, answer: (after, [e]) => ({ lotId, eventId: e.eventId, balance: after.balance, repeated: false }) };
    });
  }

  /** Places a hold (`CreditsReserved`), idempotent on `(domain, referenceId)`. */
  async reserve(command: ReserveCreditsCommand): Promise<Reply<ReservationView>> {
    const ref = { domain: command.domain, referenceId: command.referenceId };
    return this.run(accountStreamId(command.email), { needs: { consumptions: [ref], reservationReference: ref } }, (account, now) => {
      const expiresAt = new Date(Date.parse(now) + command.ttlSeconds * 1000).toISOString();
      const decision = decideReserve({ reservationId: `rsv_${randomUUID()}`, email: command.email, domain: command.domain, credits: command.credits, referenceId: command.referenceId, expiresAt, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      const id = decision.outcome === 'repeated' ? decision.answer.reservationId : (decision.events[0].data as { reservationId: string }).reservationId;
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => reservationView(after, id, command.email, now, envelopes, decision.outcome === 'repeated') };
    });
  }

  /** Captures a hold (`ReservationCaptured`), idempotent. */
  async capture(email: string, command: CaptureReservationCommand): Promise<Reply<ReservationView>> {
    return this.run(accountStreamId(email), { needs: { reservationIds: [command.reservationId] } }, (account, now) => {
      const decision = decideCapture({ ...command, actionType: command.actionType ?? 'reservation', now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => reservationView(after, command.reservationId, email, now, envelopes, decision.outcome === 'repeated') };
    });
  }

  /** Releases a hold (`ReservationReleased`), idempotent. */
  async release(email: string, command: ReleaseReservationCommand): Promise<Reply<ReservationView>> {
    return this.run(accountStreamId(email), { needs: { reservationIds: [command.reservationId] } }, (account, now) => {
      const decision = decideRelease({ ...command, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => reservationView(after, command.reservationId, email, now, envelopes, decision.outcome === 'repeated') };
    });
  }

  /** Returns consumptions' credits to their lots (`ConsumptionRefunded`), idempotent on `refundRequestId`. */
  async refundConsumptions(command: RefundConsumptionsCommand): Promise<Reply<RefundConsumptionsResult>> {
    const reply = await this.refundConsumptionsOnce(command);
    if (!reply.ok || !reply.value.repeated) return reply;
    // A repeat answers with the first answer: the lines of the refund's own events.
    const { rows } = await this.pool.query(
      `SELECT event_id, data FROM ledger_events WHERE stream_id = $1 AND type = 'ConsumptionRefunded' AND data->>'refundRequestId' = $2 ORDER BY version`,
      [accountStreamId(command.email), command.refundRequestId],
    );
    const refunded = rows.map((r) => ({ referenceId: r.data.referenceId as string, credits: Number(r.data.credits), eventId: r.event_id as string }));
    return replyOk({ ...reply.value, refunded, creditsRefunded: refunded.reduce((sum, r) => sum + r.credits, 0) });
  }

  private async refundConsumptionsOnce(command: RefundConsumptionsCommand): Promise<Reply<RefundConsumptionsResult>> {
    const refs = (command.referenceIds ?? []).map((referenceId) => ({ domain: command.domain, referenceId }));
    const window = command.referenceIds ? undefined : { domain: command.domain, since: command.consumedSince as string };
    return this.run(accountStreamId(command.email), { needs: { consumptions: refs, consumptionsSince: window, refundRequestId: command.refundRequestId }, metadata: { causationId: command.refundRequestId } }, (account, now) => {
      const decision = decideRefundConsumptions({ ...command, creditsMax: command.creditsMax ?? null, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      return {
        events: decision.outcome === 'accepted' ? decision.events : [],
        answer: (after, envelopes) => ({
          creditsRefunded: envelopes.reduce((sum, e) => sum + (e.data as { credits: number }).credits, 0),
          refunded: envelopes.map((e) => ({ referenceId: (e.data as { referenceId: string }).referenceId, credits: (e.data as { credits: number }).credits, eventId: e.eventId })),
          balance: after.balance,
          repeated: decision.outcome === 'repeated',
        }),
      };
    });
  }

  /** Removes a purchase's unused credits for a money refund (`PurchaseRefunded`), idempotent on `refundRequestId`. */
  async refundPurchase(command: RefundPurchaseCommand): Promise<Reply<RefundPurchaseResult>> {
    return this.run(accountStreamId(command.email), { needs: { lotIds: [command.lotId], moneyRefundId: command.refundRequestId }, metadata: { causationId: command.refundRequestId } }, (account, now) => {
      const decision = decideRefundPurchase({ ...command, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      return {
        events: decision.outcome === 'accepted' ? decision.events : [],
        answer: (after, envelopes) => {
          const refund = after.moneyRefunds.get(command.refundRequestId)!;
          const lot = after.lots.find((l) => l.lotId === refund.lotId)!;
          return {
            lotId: refund.lotId, credits: refund.credits, amountMinor: refund.amountMinor, currency: lot.currency ?? 'usd', paymentIntentId: lot.paymentIntentId,
            checkoutSessionId: lot.checkoutSessionId ?? '', balance: after.balance, eventId: envelopes[0]?.eventId ?? null, repeated: decision.outcome === 'repeated',
          };
        },
      };
    });
  }

  /**
   * Runs an account-state command (revert, freeze, unfreeze, claw back, suspend, resume): the
   * given decision over the loaded state.
   */
  async change(
    email: string,
    needs: LoadNeeds,
    decide: (account: CreditAccount, now: string) => { outcome: 'accepted'; events: LedgerEvent[] } | { outcome: 'repeated' } | { outcome: 'rejected'; code: LedgerRejection },
    causationId: string,
  ): Promise<Reply<AccountChangeResult>> {
    return this.run(accountStreamId(email), { needs, metadata: { causationId } }, (account, now) => {
      const decision = decide(account, now);
      if (decision.outcome === 'rejected') return { refusal: decision.code, detail: `${decision.code.replace(/_/g, ' ')} for ${email}` };
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => ({ balance: after.balance, eventIds: envelopes.map((e) => e.eventId), repeated: decision.outcome === 'repeated' }) };
    });
  }

  /** Appends what is due at `now` on one account: expired holds released, expired lots emptied. Returns events appended. */
  async expire(streamId: string): Promise<number> {
    const reply = await this.run(streamId, { needs: { allActiveReservations: true } }, (account, now) => {
      const events = decideExpiry(account, now);
      return { events, answer: () => events.length };
    });
    return reply.ok ? reply.value : 0;
  }

  /** The customer's balance (spendable on `domain` when given, holds excluded) and lots; no lock taken. */
  async balance(email: string, domain: string | undefined): Promise<BalanceView> {
    const client = await checkoutClient(this.pool);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const account = await loadAccount(client, accountStreamId(email), {}, false);
      await client.query('ROLLBACK');
      const now = new Date().toISOString();
      const balance = domain ? spendableCredits(account, domain, now) : account.balance;
      // With a domain, only the lots that domain may see: a lot restricted to another domain is
      // neither counted nor listed, and another domain's purchase is listed without its price (tenant isolation).
      const visible = account.lots.filter((l) => l.creditsRemaining > 0 && (!domain || l.scopeDomain === null || l.scopeDomain === domain));
      return { email, balance, lots: visible.map((lot) => lotViewForDomain(lot, lotToView(lot), domain)) };
    } finally {
      client.release();
    }
  }

  /**
   * The one shape of every command: in a transaction, lock and load the account, decide, append
   * the events, evolve, check the invariants, write the touched projection rows and the outbox
   * rows, commit; database conflicts retry the whole command a bounded number of times.
   */
  private async run<T>(streamId: string, options: RunOptions, decide: (account: CreditAccount, now: string) => Step<T>): Promise<Reply<T>> {
    for (let attempt = 1; ; attempt++) {
      const client = await checkoutClient(this.pool);
      try {
        await client.query('BEGIN');
        const result = await this.runOnce(client, streamId, options, decide);
        await client.query(result.ok ? 'COMMIT' : 'ROLLBACK');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code ?? '';
        if (!retryableSqlStates.has(code) || attempt >= attemptsMax) throw error;
        this.logger.debug(`retrying ${streamId} after ${code} (attempt ${attempt})`);
      } finally {
        client.release();
      }
    }
  }

  private async runOnce<T>(client: PoolClient, streamId: string, options: RunOptions, decide: (account: CreditAccount, now: string) => Step<T>): Promise<Reply<T>> {
    if (options.createFor) await lockOrCreateAccount(client, streamId, options.createFor);
    const account = await loadAccount(client, streamId, options.needs);
    if (options.inbox && !(await claimInbox(client, options.inbox.consumer, options.inbox.messageId))) {
      return replyOk(undefined as T); // handled before: no decision, no effect
    }
    const now = new Date().toISOString();
    const step = decide(account, now);
    if ('refusal' in step) return replyRefused(step.refusal as ErrorCode, step.detail);
    const metadata = options.metadata ?? {};
    const envelopes = await appendToStream(client, streamId, account.version, step.events, now, metadata);
    for (const envelope of envelopes) evolve(account, envelope as never);
    const violations = invariantViolations(account, { allReservationsLoaded: false });
    if (violations.length > 0) throw new Error(`invariant broken on ${streamId}: ${violations.join('; ')}`);
    if (envelopes.length > 0) {
      await writeRows(client, rowsTouchedBy(envelopes, account));
      await writeOutbox(client, envelopes.map((envelope) => outboxMessage(envelope, metadata)));
      await takeDueSnapshots(client, this.snapshotEvery, new Map([[streamId, { before: envelopes[0].version - 1, after: account.version }]]), this.snapshotSkipped);
    }
    return replyOk(step.answer(account, envelopes));
  }
}

function outboxMessage(envelope: LedgerEventEnvelope, metadata: EventMetadata) {
  return {
    messageId: envelope.eventId,
    subject: LedgerEventTypeSubjects[envelope.type],
    payload: envelope,
    headers: { [MessageHeaders.eventType]: envelope.type, ...(metadata.correlationId ? { [MessageHeaders.correlationId]: metadata.correlationId } : {}) },
  };
}

function meta(correlationId: string | undefined, causationId: string): EventMetadata {
  return correlationId ? { correlationId, causationId } : { causationId };
}

function reservationView(after: CreditAccount, reservationId: string, email: string, now: string, envelopes: LedgerEventEnvelope[], repeated: boolean): ReservationView {
  const r = after.reservations.get(reservationId)!;
  return {
    reservationId, email, domain: r.domain, referenceId: r.referenceId, status: r.status, creditsReserved: r.credits, creditsCaptured: r.creditsCaptured,
    expiresAt: r.expiresAt, balance: after.balance, spendable: spendableCredits(after, r.domain, now), eventId: envelopes[0]?.eventId ?? null, repeated,
  };
}

const refusalText: Partial<Record<LedgerRejection, string>> = {
  insufficient_credits: 'not enough credits are spendable on this domain',
  reference_conflict: 'this referenceId was already used on this domain with other credits, actionType or customer',
  account_frozen: 'the account is frozen while a payment dispute is open',
  payment_past_due: "the plan's payment is past due; its credits are blocked until a payment succeeds",
};

function refused(code: LedgerRejection, command: { email?: string; domain?: string }): { refusal: LedgerRejection; detail: string } {
  const who = command.email ? `${command.email}: ` : '';
  return { refusal: code, detail: `${who}${refusalText[code] ?? code.replace(/_/g, ' ')}${command.domain ? ` (${command.domain})` : ''}` };
}
