import { Logger } from '@nestjs/common';

/**
 * Runs `work` every `intervalMs` milliseconds (measured from the end of one run to the start of the
 * next), never two at once; `stop()` waits for the run in hand. A failed run is logged under `name`
 * (the error's message only) and the next one tries again, so `work` must be idempotent. The timer is
 * `unref`'d: it never keeps a process alive on its own. Nothing is thrown from `runNow` or `stop`.
 *
 * For work whose schedule lives in the database (billing's grace periods, dispute evidence,
 * entitlement periods): the task only wakes up and asks what is due.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly logger = new Logger(name),
  ) {}

  /** Schedules the first run `intervalMs` from now; a second call while started does nothing. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Runs the work now (tests, and callers that know something became due); resolves when done. */
  async runNow(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.work()
      .catch((error: Error) => this.logger.error(`${this.name} failed: ${error.message}`))
      .finally(() => (this.running = undefined));
    await this.running;
  }

  /** Cancels the next run and resolves when the run in hand (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runNow().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
