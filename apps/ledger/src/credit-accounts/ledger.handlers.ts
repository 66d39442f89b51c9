import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AccountChangeResult, BalanceView, GrantCreditsResult, HistoryPage, LedgerSubjects, RefundConsumptionsResult, RefundPurchaseResult, Reply, ReservationView,
} from '@credit-hub/contracts';
import { AccountCommands } from './account-commands';

/**
 * The ledger's request/reply handlers (NATS, queue group `ledger`): one line each, the subject's
 * command kind handed to `AccountCommands.handle`, which validates, runs the command in the one
 * pipeline and answers. Consumes (`ledger.commands.consume-credits.v1` and its batch subject)
 * are served by ConsumeSubscription (a plain nats.js subscription) over the same dispatcher.
 */
@Controller()
export class LedgerHandlers {
  constructor(private readonly accounts: AccountCommands) {}

  /** `ledger.commands.grant-credits.v1` → `Reply<GrantCreditsResult>`. */
  @MessagePattern(LedgerSubjects.grantCredits)
  grant(@Payload() command: unknown): Promise<Reply<GrantCreditsResult>> {
    return this.accounts.handle('grant', command);
  }

  /** `ledger.commands.reserve-credits.v1` → `Reply<ReservationView>`. */
  @MessagePattern(LedgerSubjects.reserveCredits)
  reserve(@Payload() command: unknown): Promise<Reply<ReservationView>> {
    return this.accounts.handle('reserve', command);
  }

  /** `ledger.commands.capture-reservation.v1` (+ `email`) → `Reply<ReservationView>`. */
  @MessagePattern(LedgerSubjects.captureReservation)
  capture(@Payload() command: unknown): Promise<Reply<ReservationView>> {
    return this.accounts.handle('capture', command);
  }

  /** `ledger.commands.release-reservation.v1` (+ `email`) → `Reply<ReservationView>`. */
  @MessagePattern(LedgerSubjects.releaseReservation)
  release(@Payload() command: unknown): Promise<Reply<ReservationView>> {
    return this.accounts.handle('release', command);
  }

  /** `ledger.commands.refund-consumptions.v1` → `Reply<RefundConsumptionsResult>`. */
  @MessagePattern(LedgerSubjects.refundConsumptions)
  refundConsumptions(@Payload() command: unknown): Promise<Reply<RefundConsumptionsResult>> {
    return this.accounts.handle('refund consumptions', command);
  }

  /** `ledger.commands.refund-purchase.v1` → `Reply<RefundPurchaseResult>`. */
  @MessagePattern(LedgerSubjects.refundPurchase)
  refundPurchase(@Payload() command: unknown): Promise<Reply<RefundPurchaseResult>> {
    return this.accounts.handle('refund purchase', command);
  }

  /** `ledger.commands.revert-purchase-refund.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.revertPurchaseRefund)
  revert(@Payload() command: unknown): Promise<Reply<AccountChangeResult>> {
    return this.accounts.handle('revert purchase refund', command);
  }

  /** `ledger.commands.freeze-account.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.freezeAccount)
  freeze(@Payload() command: unknown): Promise<Reply<AccountChangeResult>> {
    return this.accounts.handle('freeze', command);
  }

  /** `ledger.commands.unfreeze-account.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.unfreezeAccount)
  unfreeze(@Payload() command: unknown): Promise<Reply<AccountChangeResult>> {
    return this.accounts.handle('unfreeze', command);
  }

  /** `ledger.commands.claw-back-purchase.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.clawBackPurchase)
  clawBack(@Payload() command: unknown): Promise<Reply<AccountChangeResult>> {
    return this.accounts.handle('claw back', command);
  }

  /** `ledger.commands.suspend-plan-credits.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.suspendPlanCredits)
  suspend(@Payload() command: unknown): Promise<Reply<AccountChangeResult>> {
    return this.accounts.handle('suspend plan', command);
  }

  /** `ledger.commands.resume-plan-credits.v1` → `Reply<AccountChangeResult>`. */
  @MessagePattern(LedgerSubjects.resumePlanCredits)
  resume(@Payload() command: unknown): Promise<Reply<AccountChangeResult>> {
    return this.accounts.handle('resume plan', command);
  }

  /** `ledger.queries.get-balance.v1` → `Reply<BalanceView>`. */
  @MessagePattern(LedgerSubjects.getBalance)
  balance(@Payload() query: unknown): Promise<Reply<BalanceView>> {
    return this.accounts.handle('balance', query);
  }

  /** `ledger.queries.get-history.v1` → `Reply<HistoryPage>`. */
  @MessagePattern(LedgerSubjects.getHistory)
  getHistory(@Payload() query: unknown): Promise<Reply<HistoryPage>> {
    return this.accounts.handle('history', query);
  }
}
