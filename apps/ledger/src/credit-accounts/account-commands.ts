import { Injectable, Logger } from '@nestjs/common';
import {
  AccountChangeResult, AccountDisputeCommand, BalanceView, CaptureReservationCommand, ClawBackPurchaseCommand, ConsumeCreditsCommand,
  ConsumeCreditsResult, GetBalanceQuery, GetHistoryQuery, GrantCreditsCommand, GrantCreditsResult, HistoryPage, normalizeEmail, NormalizedEmail,
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

/** The answer of each request the ledger serves, by command kind (the kinds of libs/ledger-domain's `needs`, plus the two queries). */
export interface AccountReplies {
  consume: ConsumeCreditsResult;
  grant: GrantCreditsResult;
  reserve: ReservationView;
  capture: ReservationView;
  release: ReservationView;
  'refund consumptions': RefundConsumptionsResult;
  'refund purchase': RefundPurchaseResult;
  'revert purchase refund': AccountChangeResult;
  freeze: AccountChangeResult;
  unfreeze: AccountChangeResult;
  'claw back': AccountChangeResult;
  'suspend plan': AccountChangeResult;
  'resume plan': AccountChangeResult;
  balance: BalanceView;
  history: HistoryPage;
}

/** A kind of request the ledger serves. */
export type AccountRequestKind = keyof AccountReplies;

/** How one kind is served: the payload's class (validated into an instance of it) and the work on the validated command. */
interface Route<C, T> {
  payload: new () => object;
  work: (command: C) => Promise<Reply<T>>;
}

/** Each kind's route; the work takes the instance of its own `payload` class (`never` here: any command class fits). */
type Routes = { [K in AccountRequestKind]: Route<never, AccountReplies[K]> };

/**
 * The ledger's request dispatcher: `handle(kind, payload)` validates the payload with the kind's
 * command class, binds the command's log fields, runs it on the store (which asks libs/ledger-domain
 * what to load and how to decide, and runs it in the one pipeline), and answers `Reply<T>`. The
 * NATS handlers are one line each over it.
 *
 * Each command runs in the correlation context of its NATS request (RpcCorrelationInterceptor)
 * with `customer` (the email), `domain` and `referenceId` bound as log fields where the command
 * has them, so every log line of the command carries them, and one line reports its outcome:
 * at debug for the hot paths (consume, balance, history: set LOG_LEVEL=debug to see them), at
 * info for the other commands, at warn when the ledger could not complete it. A payload that
 * fails validation is refused `validation_failed` (nothing runs); a failure caused by the data
 * (SQLSTATE class 22, class 23 but 23505) is `validation_failed`, any other unexpected failure
 * (database down) a retryable `service_unavailable`.
 */
@Injectable()
export class AccountCommands {
  private readonly logger = new Logger('LedgerHandlers');
  private readonly routes: Routes;

  constructor(store: CreditAccountStore, history: HistoryReader) {
    this.routes = {
      consume: {
        payload: ConsumeCreditsCommand,
        work: (c: ConsumeCreditsCommand) => {
          // The events and outbox rows of the consume carry the request's correlation id.
          c.correlationId = validCorrelationId(c.correlationId) ?? currentCorrelationId();
          return store.consume(c);
        },
      },
      grant: { payload: GrantCreditsCommand, work: (c: GrantCreditsCommand) => store.grant(c) },
      reserve: { payload: ReserveCreditsCommand, work: (c: ReserveCreditsCommand) => store.reserve(c) },
      capture: { payload: CaptureOnAccount, work: ({ email, ...c }: CaptureOnAccount) => store.capture(normalizeEmail(email), c as CaptureReservationCommand) },
      release: { payload: ReleaseOnAccount, work: ({ email, ...c }: ReleaseOnAccount) => store.release(normalizeEmail(email), c as ReleaseReservationCommand) },
      'refund consumptions': { payload: RefundConsumptionsCommand, work: (c: RefundConsumptionsCommand) => store.refundConsumptions(c) },
      'refund purchase': { payload: RefundPurchaseCommand, work: (c: RefundPurchaseCommand) => store.refundPurchase(c) },
      'revert purchase refund': {
        payload: RevertPurchaseRefundCommand,
        work: (c: RevertPurchaseRefundCommand) => store.change(c.email, needs('revert purchase refund', c), (a, now) => decideRevertPurchaseRefund({ ...c, now }, a), c.refundRequestId),
      },
      freeze: { payload: AccountDisputeCommand, work: (c: AccountDisputeCommand) => store.change(c.email, needs('freeze', c), (a, now) => decideFreeze({ ...c, now }, a), c.disputeId) },
      unfreeze: { payload: AccountDisputeCommand, work: (c: AccountDisputeCommand) => store.change(c.email, needs('unfreeze', c), (a, now) => decideUnfreeze({ ...c, now }, a), c.disputeId) },
      'claw back': {
        payload: ClawBackPurchaseCommand,
        work: (c: ClawBackPurchaseCommand) => store.change(c.email, needs('claw back', c), (a, now) => decideClawBack({ ...c, now }, a), c.disputeId),
      },
      'suspend plan': { payload: PlanCreditsCommand, work: (c: PlanCreditsCommand) => store.change(c.email, needs('suspend plan', c), (a, now) => decideSuspendPlan({ ...c, now }, a), c.subscriptionId) },
      'resume plan': { payload: PlanCreditsCommand, work: (c: PlanCreditsCommand) => store.change(c.email, needs('resume plan', c), (a, now) => decideResumePlan({ ...c, now }, a), c.subscriptionId) },
      balance: { payload: GetBalanceQuery, work: async (q: GetBalanceQuery) => replyOk(await store.balance(q.email, q.domain)) },
      history: { payload: GetHistoryQuery, work: async (q: GetHistoryQuery) => replyOk(await history.page(q)) },
    };
  }

  /**
   * Serves one request of `kind`: validates `payload`, runs the command with its log fields bound,
   * logs the outcome, answers `Reply<AccountReplies[kind]>`. Never throws (see the class comment).
   */
  async handle<K extends AccountRequestKind>(kind: K, payload: unknown): Promise<Reply<AccountReplies[K]>> {
    const route = this.routes[kind] as unknown as Route<object, AccountReplies[K]>;
    const validated = validatePayload(route.payload, payload);
    if (!validated.ok) {
      if (debugLogging) this.logger.debug(`${kind} refused: ${validated.refusal.code}`);
      return { ok: false, refusal: validated.refusal };
    }
    const command = validated.value;
    const fields = commandLogFields(command);
    // Bound on the request's context (so the RPC "answered" line has them too), else scoped.
    if (bindLogFields(fields)) return this.run(kind, command, route.work);
    return runWithLogFields(fields, () => this.run(kind, command, route.work));
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
