import { Controller, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BalanceView,
  ConsumeCreditsCommand,
  ConsumeCreditsResult,
  GetBalanceQuery,
  LedgerSubjects,
  normalizeDomain,
  normalizeEmail,
  Reply,
  replyOk,
  replyRefused,
  validatePayload,
} from '@credit-hub/contracts';
import { CreditAccountStore } from './credit-account.store';

/**
 * The ledger's request/reply handlers (NATS, queue group `ledger`). One shape each: validate,
 * build the command, let the store decide and append, answer. No business `if`s here.
 */
@Controller()
export class LedgerHandlers {
  private readonly logger = new Logger('LedgerHandlers');

  constructor(private readonly accounts: CreditAccountStore) {}

  /** `ledger.commands.consume-credits.v1` → `Reply<ConsumeCreditsResult>`. */
  @MessagePattern(LedgerSubjects.consumeCredits)
  async consume(@Payload() payload: unknown): Promise<Reply<ConsumeCreditsResult>> {
    const validated = validatePayload(ConsumeCreditsCommand, payload);
    if (!validated.ok) return { ok: false, refusal: validated.refusal };
    const command = validated.value;
    command.email = normalizeEmail(command.email);
    command.domain = normalizeDomain(command.domain);
    return this.guard('consume', () => this.accounts.consume(command));
  }

  /** `ledger.queries.get-balance.v1` → `Reply<BalanceView>`. */
  @MessagePattern(LedgerSubjects.getBalance)
  async balance(@Payload() payload: unknown): Promise<Reply<BalanceView>> {
    const validated = validatePayload(GetBalanceQuery, payload);
    if (!validated.ok) return { ok: false, refusal: validated.refusal };
    const { email, domain } = validated.value;
    return this.guard('balance', async () =>
      replyOk(await this.accounts.balance(normalizeEmail(email), domain ? normalizeDomain(domain) : undefined)),
    );
  }

  /** Turns an unexpected failure (database down) into a retryable refusal; the cause is logged. */
  private async guard<T>(what: string, work: () => Promise<Reply<T>>): Promise<Reply<T>> {
    try {
      return await work();
    } catch (error) {
      this.logger.error(`${what} failed: ${(error as Error).message}`, (error as Error).stack);
      return replyRefused('service_unavailable', `the ledger could not complete ${what}; retry with the same referenceId`);
    }
  }
}
