import { Injectable, Logger } from '@nestjs/common';
import { ConsumeCreditsCommand, ConsumeCreditsResult, Reply, replyRefused } from '@credit-hub/contracts';
import { dataErrorOf } from '@credit-hub/service-kit';
import { CreditAccountStore } from './credit-account.store';

/**
 * The consume entry of the ledger pipeline (ledger.pipeline.ts), by its former name: a validated
 * consume goes to the pipeline, which batches it with the commands that arrive while earlier
 * batches commit (natural batching; a batch of consumes only is written by
 * `CreditAccountStore.consumeBatch`). Never throws: a failure caused by the data (`dataErrorOf`:
 * SQLSTATE class 22, class 23 but 23505) is `validation_failed` for this command only, any other
 * failure a retryable `service_unavailable`.
 */
@Injectable()
export class ConsumeBatcher {
  private readonly logger = new Logger('ConsumeBatcher');

  constructor(private readonly accounts: CreditAccountStore) {}

  /** Resolves with the command's answer once its batch is committed (or it was refused). */
  async submit(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
    try {
      return await this.accounts.consume(command);
    } catch (error) {
      const dataError = dataErrorOf(error);
      if (dataError) {
        this.logger.warn(`consume refused by the database: SQLSTATE ${dataError.sqlState}`);
        return replyRefused('validation_failed', dataError.detail);
      }
      this.logger.error(`consume failed: ${(error as Error).message}`);
      return replyRefused('service_unavailable', 'the ledger could not complete consume; retry with the same referenceId');
    }
  }
}
