import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  CreateStripeRefundCommand,
  RefundConsumptionsCommand,
  RefundPurchaseCommand,
  RevertPurchaseRefundCommand,
  RefundTerminalStatuses,
} from '@credit-hub/contracts';
import { Outcome, retryable, ServiceRequests } from '../clients/service-requests';
import { RefundsConfig } from '../refunds.config';
import { RefundsDb } from '../db/refunds-db';
import {
  completeCreditRefund,
  findById,
  postpone,
  publishEvents,
  RefundRequestRow,
  transition,
} from '../requests/refund-requests.store';

/**
 * Test seam: called after every committed step. A test makes it throw to play a crash between
 * two steps (the lease stays taken, as when the process dies); production binds nothing.
 */
export const REFUND_SAGA_FAULTS = Symbol('REFUND_SAGA_FAULTS');
export interface RefundSagaFaults {
  afterStep(row: RefundRequestRow): void | Promise<void>;
}

/** Steps one drive takes at most (a money refund needs 4; the bound catches a loop bug). */
const stepsPerDriveMax = 8;
/** Retries back off from 1 s, doubling, up to 10 minutes; never given up (money is in flight). */
const retryDelayMsMin = 1000;
const retryDelayMsMax = 10 * 60 * 1000;
/** `next_attempt_at` of a request parked for an operator: never due by itself. */
const parkedUntil = new Date(Date.UTC(9999, 11, 31));
/** After this many attempts a waiting refund is logged as an error for an operator to look at. */
const attemptsBeforeAlarm = 20;

type Step = { next: RefundRequestRow } | { stop: RefundRequestRow };

/** See `RefundSaga.drive`. */
export interface DriveOptions {
  start?: RefundRequestRow;
  afterLedger?: () => void;
}

/**
 * The refund saga. A request's `status` is its step, persisted before and after every call to
 * another service, and every call is idempotent on the request id (the ledger's refund commands,
 * Stripe's idempotency key), so a driver that dies anywhere is replaced by another that repeats at
 * most the last call, with the same effect:
 *
 * - credits: `requested` →(ledger RefundConsumptions of the window: the ledger picks the consumptions) `completed` | `rejected`
 * - money: `requested` →(ledger RefundPurchase: credits removed) `credits_removed`
 *   →(billing → Stripe refund) `stripe_refunded` → `completed`; if Stripe refuses:
 *   `credits_removed` → `compensating` →(ledger RevertPurchaseRefund) `compensated`.
 *
 * A driver holds the request's lease while it drives; a refund that must wait (a service did not
 * answer) releases it with a `next_attempt_at`, and the resumer picks it up again.
 */
@Injectable()
export class RefundSaga {
  private readonly logger = new Logger('RefundSaga');

  constructor(
    private readonly db: RefundsDb,
    private readonly services: ServiceRequests,
    private readonly config: RefundsConfig,
    @Optional() @Inject(REFUND_SAGA_FAULTS) private readonly faults?: RefundSagaFaults,
  ) {}

  /**
   * Drives a request whose lease this process holds until it is finished or has to wait.
   * `options.start`: the row the caller just wrote (spares reading it back); `options.afterLedger`: called when the ledger has answered a credit
   * refund, so the caller can ask for the new balance while the completion is written.
   */
  async drive(id: string, options: DriveOptions = {}): Promise<RefundRequestRow> {
    let row = options.start ?? (await findById(this.db.pool, id));
    if (!row) throw new Error(`refund request ${id} does not exist`); // callers pass ids they read
    for (let step = 0; step < stepsPerDriveMax; step++) {
      if (RefundTerminalStatuses.includes(row.status) || row.status === 'held') return row;
      const result = await this.step(row, step === 0 ? options : {});
      if ('stop' in result) return result.stop;
      row = result.next;
      await this.faults?.afterStep(row);
    }
    throw new Error(`refund request ${id} took more than ${stepsPerDriveMax} steps`); // a bug
  }

  private step(row: RefundRequestRow, options: DriveOptions): Promise<Step> {
    switch (row.status) {
      case 'requested':
        return row.kind === 'credits' ? this.refundConsumptions(row, options) : this.removePurchaseCredits(row);
      case 'credits_removed':
        return this.refundMoney(row);
      case 'stripe_refunded':
        return this.complete(row);
      case 'compensating':
        return this.compensate(row);
      default:
        return Promise.resolve({ stop: row });
    }
  }

  private lease(): Date {
    return new Date(Date.now() + this.config.REFUNDS_SAGA_LEASE_MS);
  }

  /**
   * Credits: the ledger itself picks, under the account's lock, the consumptions of the window not
   * refunded yet (newest first, at most the credits decided) and returns them to their lots. It is
   * idempotent on the request id and a repeat answers with the first answer's lines, so a driver
   * that died after the ledger answered completes with exactly what was refunded.
   */
  private async refundConsumptions(row: RefundRequestRow, options: DriveOptions): Promise<Step> {
    const command: RefundConsumptionsCommand = {
      email: row.email,
      domain: row.domain,
      refundRequestId: row.id,
      consumedSince: (row.consumed_since ?? row.created_at).toISOString(),
      creditsMax: row.credits_requested,
    };
    const outcome = await this.services.ledger('ledger.commands.refund-consumptions.v1', command);
    if (outcome.kind === 'ok') {
      options.afterLedger?.();
      const credits = outcome.value.refunded.reduce((sum, line) => sum + line.credits, 0);
      const completed = await completeCreditRefund(this.db.pool, row, credits, new Date());
      if (completed) return { next: completed };
      return { stop: (await findById(this.db.pool, row.id)) ?? row }; // another driver finished it
    }
    return this.refusedOrWait(row, outcome, async (reason) =>
      this.advance(row, 'rejected', { failureReason: reason, leaseUntil: null }, (db, next) => publishEvents(db, next, ['RefundFailed'])),
    );
  }

  /** Money, step 1: the ledger removes the purchase's unused credits and prices them. */
  private async removePurchaseCredits(row: RefundRequestRow): Promise<Step> {
    const command: RefundPurchaseCommand = { email: row.email, refundRequestId: row.id, lotId: row.lot_id as string };
    const outcome = await this.services.ledger('ledger.commands.refund-purchase.v1', command);
    if (outcome.kind === 'ok') {
      const r = outcome.value;
      return this.advance(row, 'credits_removed', {
        creditsRefunded: r.credits, amountMinor: r.amountMinor, currency: r.currency, paymentIntentId: r.paymentIntentId, leaseUntil: this.lease(),
      });
    }
    return this.refusedOrWait(row, outcome, async (reason) =>
      this.advance(row, 'rejected', { failureReason: reason, leaseUntil: null }, (db, next) => publishEvents(db, next, ['RefundFailed'])),
    );
  }

  /** Money, step 2: billing has Stripe refund the amount, idempotency key = the request id. */
  private async refundMoney(row: RefundRequestRow): Promise<Step> {
    const amountMinor = row.amount_minor ?? 0;
    if (amountMinor === 0) {
      // Unused credits worth less than one minor unit: nothing to send to Stripe.
      return this.advance(row, 'stripe_refunded', { moneyRefundedMinor: 0, leaseUntil: this.lease() }, undefined, 'nothing to pay back');
    }
    if (!row.payment_intent_id || !row.currency) {
      return this.advance(row, 'compensating', { failureReason: 'the purchase has no Stripe payment to refund', leaseUntil: this.lease() });
    }
    const command: CreateStripeRefundCommand = { refundRequestId: row.id, paymentIntentId: row.payment_intent_id, amountMinor, currency: row.currency };
    const outcome = await this.services.billing('billing.commands.create-refund.v1', command);
    if (outcome.kind === 'ok') {
      return this.advance(row, 'stripe_refunded', {
        stripeRefundId: outcome.value.stripeRefundId, moneyRefundedMinor: outcome.value.amountMinor, leaseUntil: this.lease(),
      });
    }
    if (outcome.kind === 'refused' && outcome.refusal.code === 'stripe_refund_needs_operator') return this.park(row, outcome.refusal.detail);
    // Stripe declined (or the builder's account is disconnected): the credits go back (compensation). Unknown outcome: ask again later.
    return this.refusedOrWait(row, outcome, (reason) => this.advance(row, 'compensating', { failureReason: reason, leaseUntil: this.lease() }));
  }

  /** Money, step 3: done. */
  private complete(row: RefundRequestRow): Promise<Step> {
    return this.advance(row, 'completed', { leaseUntil: null, completed: true }, (db, next) => publishEvents(db, next, ['RefundCompleted']));
  }

  /** Compensation: the ledger gives the removed credits back (PurchaseRefundReverted). */
  private async compensate(row: RefundRequestRow): Promise<Step> {
    const command: RevertPurchaseRefundCommand = { email: row.email, refundRequestId: row.id, reason: (row.failure_reason ?? 'Stripe refused the refund').slice(0, 500) };
    const outcome = await this.services.ledger('ledger.commands.revert-purchase-refund.v1', command);
    if (outcome.kind === 'ok') {
      return this.advance(row, 'compensated', { leaseUntil: null, completed: true }, (db, next) => publishEvents(db, next, ['RefundFailed']));
    }
    if (outcome.kind === 'refused' && !retryable(outcome.refusal)) {
      // Credits were removed and the ledger refuses to give them back: not a state the design
      // allows. Keep retrying (slowly) and make noise rather than lose the customer's credits.
      this.logger.error(`refund ${row.id}: the ledger refused the compensation: ${outcome.refusal.code} ${outcome.refusal.detail}`);
    }
    return this.wait(row, outcome.kind === 'refused' ? `${outcome.refusal.code}: ${outcome.refusal.detail}` : outcome.detail);
  }

  /** A refusal that cannot change on retry ends the step with `onRefused`; anything else waits. */
  private async refusedOrWait<T>(row: RefundRequestRow, outcome: Outcome<T>, onRefused: (reason: string) => Promise<Step>): Promise<Step> {
    if (outcome.kind === 'refused' && !retryable(outcome.refusal)) return onRefused(outcome.refusal.detail || outcome.refusal.code);
    if (outcome.kind === 'refused') return this.wait(row, `${outcome.refusal.code}: ${outcome.refusal.detail}`);
    if (outcome.kind === 'unavailable') return this.wait(row, outcome.detail);
    throw new Error('refusedOrWait called with an ok outcome'); // a bug
  }

  /**
   * Stops driving a request whose money may have left although Stripe refused the call (an
   * idempotency conflict): neither a retry (same answer) nor a compensation (credits back while the
   * money is refunded would be a double effect) is safe. The request stays in its step with no
   * next attempt (`next_attempt_at` = 9999-12-31) and the reason in `last_error`, logged as an
   * error; an operator checks the payment in Stripe and sets `next_attempt_at` to retry it.
   */
  private async park(row: RefundRequestRow, reason: string): Promise<Step> {
    await postpone(this.db.pool, row.id, parkedUntil, `needs an operator: ${reason}`);
    this.logger.error(`refund ${row.id} (${row.status}) parked for an operator: ${reason}`);
    return { stop: (await findById(this.db.pool, row.id)) ?? row };
  }

  /** Releases the lease and schedules a retry with exponential back-off. */
  private async wait(row: RefundRequestRow, reason: string): Promise<Step> {
    const delayMs = Math.min(retryDelayMsMin * 2 ** Math.min(row.attempts, 20), retryDelayMsMax);
    await postpone(this.db.pool, row.id, new Date(Date.now() + delayMs), reason);
    const text = `refund ${row.id} (${row.status}) waits ${delayMs} ms after attempt ${row.attempts}: ${reason}`;
    if (row.attempts >= attemptsBeforeAlarm) this.logger.error(text);
    else this.logger.warn(text);
    return { stop: (await findById(this.db.pool, row.id)) ?? row };
  }

  /**
   * Persists one step: the status change, its effects (`also`) and its events in one
   * transaction. A driver that lost the race reloads the row and goes on from there.
   */
  private async advance(
    row: RefundRequestRow,
    to: RefundRequestRow['status'],
    changes: Parameters<typeof transition>[4],
    also?: (db: import('pg').PoolClient, next: RefundRequestRow) => Promise<void>,
    detail: string | null = null,
  ): Promise<Step> {
    const next = await this.db.transaction(async (db) => {
      const moved = await transition(db, row.id, row.status, to, changes, detail);
      if (moved && also) await also(db, moved);
      return moved;
    });
    if (next) return { next };
    const current = await findById(this.db.pool, row.id);
    this.logger.warn(`refund ${row.id}: another driver moved it from ${row.status} first (now ${current?.status})`);
    return { stop: current ?? row };
  }
}
