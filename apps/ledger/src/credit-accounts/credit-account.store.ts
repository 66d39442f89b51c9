import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AccountChangeResult, accountStreamId, BalanceView, CaptureReservationCommand, ConsumeCreditsCommand, ConsumeCreditsResult,
  EventMetadata, GrantCreditsCommand, GrantCreditsResult, LedgerEvent, LedgerEventEnvelope,
  PaymentSucceededV1, RefundConsumptionsCommand, RefundConsumptionsResult, RefundPurchaseCommand, RefundPurchaseResult,
  ReleaseReservationCommand, Reply, replyOk, ReservationView, ReserveCreditsCommand,
} from '@credit-hub/contracts';
import {
  CreditAccount, Decision, decideCapture, decideConsume, decideExpiry, decideGrant, decidePurchase, decideRefundConsumptions, decideRefundPurchase,
  decideRelease, decideReserve, domainAccountsOf, isInScope, LedgerRejection, needs, spendableCredits,
} from '@credit-hub/ledger-domain';
import { checkoutClient } from '@credit-hub/messaging';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AccountCommand, LedgerPipeline, Step } from './ledger.pipeline';
import { loadAccount, LoadNeeds, lotToView } from './state-rows';
import { lotViewForDomain } from '../visibility/domain-visibility';

export type { Step } from './ledger.pipeline';

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
 * The credit accounts: each command is described (what to load, the pure decision of
 * libs/ledger-domain, how to answer) and run by the ledger pipeline (ledger.pipeline.ts), which
 * loads state under the accounts' row locks, decides, appends the events and writes the
 * projections and the outbox rows in one transaction, batching concurrent commands. Concurrent
 * commands on one account are serialised by the row lock, so they never overdraw.
 */
@Injectable()
export class CreditAccountStore {
  readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource, private readonly pipeline: LedgerPipeline) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
    pipeline.consumeBatchWriter = (commands) => this.consumeBatch(commands);
  }

  /** Consumes credits: `{balance, eventId, repeated}` or `insufficient_credits`, `reference_conflict`, `account_frozen`, `payment_past_due`. */
  async consume(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
    return this.pipeline.submit(consumeCommand(command));
  }

  /**
   * Consumes a batch of commands in ONE transaction of the ledger pipeline (group commit): the
   * same answers and events as one `consume` per command in the same order; a refusal never fails
   * the batch. A database error fails the whole batch (nothing written) and is thrown.
   */
  async consumeBatch(commands: ConsumeCreditsCommand[]): Promise<Reply<ConsumeCreditsResult>[]> {
    return (await this.pipeline.write(commands.map((c) => consumeCommand(c)))) as Reply<ConsumeCreditsResult>[];
  }

  /** Turns a paid checkout into `CreditsPurchased`, once per Stripe event (inbox) and per checkout session. Returns events appended. */
  async purchase(payment: PaymentSucceededV1, inboxConsumer: string, messageId: string): Promise<number> {
    const reply = await this.run('purchase', accountStreamId(payment.email), {
      needs: needs('purchase', payment), createFor: payment.email, metadata: { causationId: payment.stripeEventId },
      inbox: { consumer: inboxConsumer, messageId },
    }, (account, now) => {
      const decision = decidePurchase({ payment, now }, account);
      const events = decision.outcome === 'accepted' ? decision.events : [];
      return { events, answer: () => events.length };
    });
    return reply.ok ? (reply.value ?? 0) : 0;
  }

  /**
   * Grants credits (`CreditsGranted`), idempotent on `grantId` per customer. `scopeAccount`: the
   * connected Stripe account the credits are scoped to (plan credits of a subscription billed on
   * it; never from a builder's request), null for none.
   */
  async grant(command: GrantCreditsCommand, scopeAccount: string | null = null): Promise<Reply<GrantCreditsResult>> {
    return this.run<GrantCreditsResult>('grant', accountStreamId(command.email), { needs: needs('grant', command), createFor: command.email, metadata: { causationId: `grant/${command.grantId}` } }, (account, now) => {
      const decision = decideGrant({
        lotId: `lot_g_${randomUUID()}`, email: command.email, domain: command.domain, credits: command.credits, grantId: command.grantId,
        reason: command.reason, source: command.source ?? 'manual', priority: command.priority ?? 0,
        scopeDomain: command.scope === 'domain' ? command.domain : null, scopeAccount, expiresAt: command.expiresAt ? new Date(command.expiresAt).toISOString() : null,
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
    return this.run('reserve', accountStreamId(command.email), { needs: needs('reserve', command) }, (account, now) => {
      const expiresAt = new Date(Date.parse(now) + command.ttlSeconds * 1000).toISOString();
      const decision = decideReserve({ reservationId: `rsv_${randomUUID()}`, email: command.email, domain: command.domain, credits: command.credits, referenceId: command.referenceId, expiresAt, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      const id = decision.outcome === 'repeated' ? decision.answer.reservationId : (decision.events[0].data as { reservationId: string }).reservationId;
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => reservationView(after, id, command.email, now, envelopes, decision.outcome === 'repeated') };
    });
  }

  /** Captures a hold (`ReservationCaptured`), idempotent. */
  async capture(email: string, command: CaptureReservationCommand): Promise<Reply<ReservationView>> {
    return this.run('capture', accountStreamId(email), { needs: needs('capture', command) }, (account, now) => {
      const decision = decideCapture({ ...command, actionType: command.actionType ?? 'reservation', now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => reservationView(after, command.reservationId, email, now, envelopes, decision.outcome === 'repeated') };
    });
  }

  /** Releases a hold (`ReservationReleased`), idempotent. */
  async release(email: string, command: ReleaseReservationCommand): Promise<Reply<ReservationView>> {
    return this.run('release', accountStreamId(email), { needs: needs('release', command) }, (account, now) => {
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
    return this.run('refund consumptions', accountStreamId(command.email), { needs: needs('refund consumptions', command), metadata: { causationId: command.refundRequestId } }, (account, now) => {
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
    return this.run('refund purchase', accountStreamId(command.email), { needs: needs('refund purchase', command), metadata: { causationId: command.refundRequestId } }, (account, now) => {
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
    decide: (account: CreditAccount, now: string) => Decision<unknown>,
    causationId: string,
  ): Promise<Reply<AccountChangeResult>> {
    return this.run('change', accountStreamId(email), { needs, metadata: { causationId } }, (account, now) => {
      const decision = decide(account, now);
      if (decision.outcome === 'rejected') return { refusal: decision.code, detail: `${decision.code.replace(/_/g, ' ')} for ${email}` };
      return { events: decision.outcome === 'accepted' ? decision.events : [], answer: (after, envelopes) => ({ balance: after.balance, eventIds: envelopes.map((e) => e.eventId), repeated: decision.outcome === 'repeated' }) };
    });
  }

  /** Appends what is due at `now` on one account: expired holds released, expired lots emptied. Returns events appended. */
  async expire(streamId: string): Promise<number> {
    const reply = await this.run('expire', streamId, { needs: needs('expire', {}) }, (account, now) => {
      const decision = decideExpiry(account, now);
      const events = decision.outcome === 'accepted' ? decision.events : [];
      return { events, answer: () => events.length };
    });
    return reply.ok ? reply.value : 0;
  }

  /** The customer's balance (spendable on `domain` when given, holds excluded) and lots; no lock taken. */
  async balance(email: string, domain: string | undefined): Promise<BalanceView> {
    const client = await checkoutClient(this.pool);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const account = await loadAccount(client, accountStreamId(email), { spendDomains: domain ? [domain] : [] }, false);
      await client.query('ROLLBACK');
      const now = new Date().toISOString();
      const balance = domain ? spendableCredits(account, domain, now) : account.balance;
      // With a domain, only the lots that domain may see: a lot restricted to another domain, or
      // scoped to a connected account the domain is not connected to, is neither counted nor
      // listed, and another domain's purchase is listed without its price (tenant isolation).
      const visible = account.lots.filter((l) => l.creditsRemaining > 0 && (!domain || isInScope(l, domain, domainAccountsOf(account, domain))));
      return { email, balance, lots: visible.map((lot) => lotViewForDomain(lot, lotToView(lot), domain)) };
    } finally {
      client.release();
    }
  }

  /** Every command goes through the ledger pipeline (a single command is a batch of one). */
  private run<T>(kind: string, streamId: string, options: RunOptions, decide: (account: CreditAccount, now: string) => Step<T>): Promise<Reply<T>> {
    return this.pipeline.submit<T>({ kind, streamId, ...options, decide });
  }
}

/** A consume as a pipeline command: idempotent on `(domain, referenceId)`, its events carry the request's correlation id. */
function consumeCommand(command: ConsumeCreditsCommand): AccountCommand<ConsumeCreditsResult> {
  return {
    kind: 'consume',
    consume: command,
    streamId: accountStreamId(command.email),
    needs: needs('consume', command),
    metadata: meta(command.correlationId, `${command.domain}/${command.referenceId}`),
    decide: (account, now) => {
      const decision = decideConsume({ ...command, now }, account);
      if (decision.outcome === 'rejected') return refused(decision.code, command);
      if (decision.outcome === 'repeated') return { events: [], answer: () => ({ balance: decision.answer.balance, eventId: decision.answer.eventId, repeated: true }) };
      return { events: decision.events, answer: (after, [envelope]) => ({ balance: after.balance, eventId: envelope.eventId, repeated: false }) };
    },
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
