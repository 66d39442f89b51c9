import { Injectable, Logger } from '@nestjs/common';
import { ConsumeCreditsCommand, ConsumeCreditsResult, Reply, replyRefused } from '@credit-hub/contracts';
import { dataErrorOf, Metrics, runOutsideCorrelation } from '@credit-hub/service-kit';
import { Counter, Histogram } from 'prom-client';
import { LedgerConfig } from '../ledger.config';
import { CreditAccountStore } from './credit-account.store';

interface Waiting {
  command: ConsumeCreditsCommand;
  resolve: (reply: Reply<ConsumeCreditsResult>) => void;
}

/**
 * Group commit for consumes (after TigerBeetle: one commit pays for many transfers). Commands that
 * arrive within `LEDGER_BATCH_WAIT_MS` (or until `LEDGER_BATCH_SIZE_MAX` are waiting) go to the
 * database as one transaction; at most `LEDGER_BATCH_CONCURRENCY` batches are in flight, and while
 * they are, new commands queue for the next one, so under load batches grow by themselves and at
 * low load a command waits at most the window. A failed batch is retried once, then its commands
 * run one by one through the single-command path, so one bad command cannot fail its neighbours.
 * A failure caused by the data (`dataErrorOf`: SQLSTATE class 22, class 23 but 23505) is not
 * retried: the batch is split at once, and only the command carrying the data gets its refusal
 * (`validation_failed`, not retryable).
 * With `LEDGER_BATCH_SIZE_MAX=1` every consume takes the single-command path.
 */
@Injectable()
export class ConsumeBatcher {
  private readonly logger = new Logger('ConsumeBatcher');
  private queue: Waiting[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  /** Batches written since start, and commands in them (read by metrics and the bench). */
  batches = 0;
  batchedCommands = 0;

  private readonly latency: Histogram<'outcome'>;
  private readonly outcomes: Counter<'outcome'>;
  private readonly batchSizes: Histogram<never>;

  constructor(
    private readonly accounts: CreditAccountStore,
    private readonly config: LedgerConfig,
    metrics: Metrics,
  ) {
    this.latency = metrics.histogram('ledger_consume_duration_seconds', 'Consume latency in the ledger, queue to commit', ['outcome'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
    this.outcomes = metrics.counter('ledger_consume_total', 'Consumes by outcome: accepted, repeated, or the refusal code', ['outcome']);
    this.batchSizes = metrics.histogram('ledger_consume_batch_size', 'Commands per group-commit transaction', [], [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  }

  /** Queues a validated command; resolves with its answer once its batch is committed. Times and counts it. */
  async submit(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
    const stop = this.latency.startTimer();
    const reply = await this.enqueue(command);
    const outcome = reply.ok ? (reply.value.repeated ? 'repeated' : 'accepted') : reply.refusal.code;
    stop({ outcome });
    this.outcomes.inc({ outcome });
    return reply;
  }

  private enqueue(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
    if (this.config.LEDGER_BATCH_SIZE_MAX <= 1) return this.single(command);
    return new Promise((resolve) => {
      this.queue.push({ command, resolve });
      if (this.queue.length >= this.config.LEDGER_BATCH_SIZE_MAX) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.config.LEDGER_BATCH_WAIT_MS);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 && this.inFlight < this.config.LEDGER_BATCH_CONCURRENCY) {
      const batch = this.queue.splice(0, this.config.LEDGER_BATCH_SIZE_MAX);
      this.inFlight++;
      // A batch serves many requests: its log lines must not carry the first one's correlation id.
      void runOutsideCorrelation(() => this.write(batch)).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.flush();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const replies = await this.accounts.consumeBatch(batch.map((w) => w.command));
        this.batches++;
        this.batchedCommands += batch.length;
        this.batchSizes.observe(batch.length);
        batch.forEach((w, i) => w.resolve(replies[i]));
        return;
      } catch (error) {
        this.logger.warn(`batch of ${batch.length} failed (attempt ${attempt}): ${(error as Error).message}`);
        // The same data fails the same way again: isolate the offending command now.
        if (dataErrorOf(error)) break;
      }
    }
    await Promise.all(batch.map(async (w) => w.resolve(await this.single(w.command))));
  }

  private async single(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
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
