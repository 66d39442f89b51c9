import { Controller, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AccountChangeResult, AccountDisputeCommand, BalanceView, CaptureReservationCommand, ClawBackPurchaseCommand, ConsumeCreditsCommand,
  ConsumeCreditsResult, GetBalanceQuery, GetHistoryQuery, GrantCreditsCommand, GrantCreditsResult, HistoryPage, LedgerSubjects, normalizeEmail, NormalizedEmail,
  PlanCreditsCommand, RefundConsumptionsCommand, RefundConsumptionsResult, RefundPurchaseCommand, RefundPurchaseResult,
  ReleaseReservationCommand, Reply, replyOk, replyRefused, ReservationView, ReserveCreditsCommand, RevertPurchaseRefundCommand, validatePayload,
} from '@credit-hub/contracts';
import {
  decideClawBack, decideFreeze, decideResumePlan, decideRevertPurchaseRefund, decideSuspendPlan, decideUnfreeze, needs,
} from '@credit-hub/ledger-domain';
import { bindLogFields, currentCorrelationId, dataErrorOf, debugLogging, runWithLogFields } from '@credit-hub/service-kit';
import { validCorrelationId } from '@credit-hub/messaging';
import { IsEmail, MaxLength } from 'class-validator';
import { CreditAccountStore } from './credit-account.store';
import { HistoryReader } from './history.reader';

/** Capture/release carry the customer's email so the ledger can lock the right account. */
class CaptureOnAccount extends CaptureReservationCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(254)
  email!: string;
}
class ReleaseOnAccount extends ReleaseReservationCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(254)
  email!: string;
}

/**
 * The ledger's request/reply handlers (NATS, queue group `ledger`). One shape each: validate,
 * build the command, let the store decide and append, answer. No business `if`s here.
 *
 * Each command runs in the correlation context of its NATS request (RpcCorrelationInterceptor)
 * with `customer` (the email), `domain` and `referenceId` bound as log fields where the command
 * has them, so every log line of the command carries them, and one line reports its outcome:
 * at debug for the hot paths (consume, balance, history: set LOG_LEVEL=debug to see them), at
 * info for the other commands, at warn when the ledger could not complete it.
 */
@Controller()
export class LedgerHandlers {
  private readonly logger = new Logger('LedgerHandlers');

  constructor(
    private readonly accounts: CreditAccountStore,
    private readonly history: HistoryReader,
  ) {}

  /**
   * `ledger.commands.consume-credits.v1` → `Reply<ConsumeCreditsResult>`. Served by
   * ConsumeSubscription (a plain nats.js subscription, also for the batch subject), not by Nest.
   */
  consume(@Payload() payload: unknown): Promise<Reply<ConsumeCreditsResult>> {
    return this.handle('consume', ConsumeCreditsCommand, payload, (c) => {
      // The events and outbox rows of the consume carry the request's correlation id.
      c.correlationId = validCorrelationId(c.correlationId) ?? currentCorrelationId();
      return this.accounts.consume(c);
    });
  }

  /** `ledger.commands.grant-credits.v1` → `Reply<GrantCreditsResult>`. */
  @MessagePattern(LedgerSubjects.grantCredits)
  grant(@Payload() payload: unknown): Promise<Reply<GrantCreditsResult>> {
    return this.handle('grant', GrantCreditsCommand, payload, (c) => this.accounts.grant(c));
  }

  /** `ledger.commands.reserve-credits.v1` → `Reply<ReservationView>`. */
  @MessagePattern(LedgerSubjects.reserveCredits)
  reserve(@Payload() payload: unknown): Promise<Reply<ReservationView>> {
    return this.handle('reserve', ReserveCreditsCommand, payload, (c) => this.accounts.reserve(c));
  }

  /** `ledger.commands.capture-reservation.v1` (+ `email`) → `Reply<ReservationView>`. */
  @MessagePattern(LedgerSubjects.captureReservation)
  capture(@Payload() payload: unknown): Promise<Reply<ReservationView>> {
    return this.handle('capture', CaptureOnAccount, payload, ({ email, ...c }) => this.accounts.capture(normalizeEmail(email), c as CaptureReservationCommand));
  }

  /** `ledger.commands.release-reservation.v1` (+ `email`) → `Reply<ReservationView>`. */
  @MessagePattern(LedgerSubjects.releaseReservation)
  release(@Payload() payload: unknown): Promise<Reply<ReservationView>> {
    return this.handle('release', ReleaseOnAccount, payload, ({ email, ...c }) => this.accounts.release(normalizeEmail(email), c as ReleaseReservationCommand));
  }

  /** `ledger.commands.refund-consumptions.v1` → `Reply<RefundConsumptionsResult>`. */
  @MessagePattern(LedgerSubjects.refundConsumptions)
  refundConsumptions(@Payload() payload: unknown): Promise<Reply<RefundConsumptionsResult>> {
    return this.handle('refund consumptions', RefundConsumptionsCommand, payload, (c) => this.accounts.refundConsumptions(c));
  }

  /** `ledger.commands.refund-purchase.v1` → `Reply<RefundPurchaseResult>`. */
  @MessagePattern(LedgerSubjects.refundPurchase)
  refundPurchase(@Payload() payload: unknown): Promise<Reply<RefundPurchaseResult>> {
    return this.handle('refund purchase', RefundPurchaseCommand, payload, (c) => this.accounts.refundPurchase(c));
  }

  /** `ledger.commands.revert-purchase-refund.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.revertPurchaseRefund)
  revert(@Payload() payload: unknown): Promise<Reply<AccountChangeResult>> {
    return this.handle('revert purchase refund', RevertPurchaseRefundCommand, payload, (c) =>
      this.accounts.change(c.email, needs('revert purchase refund', c), (account, now) => decideRevertPurchaseRefund({ ...c, now }, account), c.refundRequestId),
    );
  }

  /** `ledger.commands.freeze-account.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.freezeAccount)
  freeze(@Payload() payload: unknown): Promise<Reply<AccountChangeResult>> {
    return this.handle('freeze', AccountDisputeCommand, payload, (c) => this.accounts.change(c.email, needs('freeze', c), (a, now) => decideFreeze({ ...c, now }, a), c.disputeId));
  }

  /** `ledger.commands.unfreeze-account.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.unfreezeAccount)
  unfreeze(@Payload() payload: unknown): Promise<Reply<AccountChangeResult>> {
    return this.handle('unfreeze', AccountDisputeCommand, payload, (c) => this.accounts.change(c.email, needs('unfreeze', c), (a, now) => decideUnfreeze({ ...c, now }, a), c.disputeId));
  }

  /** `ledger.commands.claw-back-purchase.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.clawBackPurchase)
  clawBack(@Payload() payload: unknown): Promise<Reply<AccountChangeResult>> {
    return this.handle('claw back', ClawBackPurchaseCommand, payload, (c) =>
      this.accounts.change(c.email, needs('claw back', c), (a, now) => decideClawBack({ ...c, now }, a), c.disputeId),
    );
  }

  /** `ledger.commands.suspend-plan-credits.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.suspendPlanCredits)
  suspend(@Payload() payload: unknown): Promise<Reply<AccountChangeResult>> {
    return this.handle('suspend plan', PlanCreditsCommand, payload, (c) => this.accounts.change(c.email, needs('suspend plan', c), (a, now) => decideSuspendPlan({ ...c, now }, a), c.subscriptionId));
  }

  /** `ledger.commands.resume-plan-credits.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.resumePlanCredits)
  resume(@Payload() payload: unknown): Promise<Reply<AccountChangeResult>> {
    return this.handle('resume plan', PlanCreditsCommand, payload, (c) => this.accounts.change(c.email, needs('resume plan', c), (a, now) => decideResumePlan({ ...c, now }, a), c.subscriptionId));
  }

  /** `ledger.queries.get-balance.v1` → `Reply<BalanceView>`. */
  @MessagePattern(LedgerSubjects.getBalance)
  balance(@Payload() payload: unknown): Promise<Reply<BalanceView>> {
    return this.handle('balance', GetBalanceQuery, payload, async (q) => replyOk(await this.accounts.balance(q.email, q.domain)));
  }

  /** `ledger.queries.get-history.v1` → `Reply<HistoryPage>`. */
  @MessagePattern(LedgerSubjects.getHistory)
  getHistory(@Payload() payload: unknown): Promise<Reply<HistoryPage>> {
    return this.handle('history', GetHistoryQuery, payload, async (q) => replyOk(await this.history.page(q)));
  }

  /**
   * Validates, runs with the command's log fields bound, logs the outcome, and turns an
   * unexpected failure (database down) into a retryable refusal; the cause is logged.
   */
  private async handle<C extends object, T>(what: string, cls: new () => C, payload: unknown, work: (command: C) => Promise<Reply<T>>): Promise<Reply<T>> {
    const validated = validatePayload(cls, payload);
    if (!validated.ok) {
      if (debugLogging) this.logger.debug(`${what} refused: ${validated.refusal.code}`);
      return { ok: false, refusal: validated.refusal };
    }
    const command = validated.value;
    const fields = commandLogFields(command);
    // Bound on the request's context (so the RPC "answered" line has them too), else scoped.
    if (bindLogFields(fields)) return this.run(what, command, work);
    return runWithLogFields(fields, () => this.run(what, command, work));
  }

  /**
   * Runs a validated command, logs its outcome; a failure caused by the data is a `validation_failed`
   * refusal, any other unexpected failure a retryable `service_unavailable`.
   */
  private async run<C extends object, T>(what: string, command: C, work: (command: C) => Promise<Reply<T>>): Promise<Reply<T>> {
    let reply: Reply<T>;
    try {
      reply = await work(command);
    } catch (error) {
      // Caused by the data (SQLSTATE class 22, class 23 but 23505): bad input, never a retryable outage.
      const dataError = dataErrorOf(error);
      if (dataError) {
        this.logger.warn(`${what} refused by the database: SQLSTATE ${dataError.sqlState}`);
        return replyRefused('validation_failed', dataError.detail);
      }
      this.logger.error(`${what} failed: ${(error as Error).message}`, (error as Error).stack);
      return replyRefused('service_unavailable', `the ledger could not complete ${what}; retry with the same idempotency key`);
    }
    if (!reply.ok && reply.refusal.code === 'service_unavailable') this.logger.warn(`${what} refused: service_unavailable`);
    else if (!hotPaths.has(what)) this.logger.log(reply.ok ? `${what} done` : `${what} refused: ${reply.refusal.code}`);
    else if (debugLogging) this.logger.debug(reply.ok ? `${what} done` : `${what} refused: ${reply.refusal.code}`);
    return reply;
  }
}

/** Commands whose outcome line is logged at debug: they run at the product's request rate. */
const hotPaths = new Set(['consume', 'balance', 'history']);

/** The log fields of a command: `customer` (its email), `domain`, `referenceId`, where it has them. */
function commandLogFields(command: object): Record<string, string> {
  const { email, domain, referenceId } = command as { email?: unknown; domain?: unknown; referenceId?: unknown };
  const fields: Record<string, string> = {};
  if (typeof email === 'string') fields['customer'] = email;
  if (typeof domain === 'string') fields['domain'] = domain;
  if (typeof referenceId === 'string') fields['referenceId'] = referenceId;
  return fields;
}
