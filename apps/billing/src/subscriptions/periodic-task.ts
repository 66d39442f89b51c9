import { Logger } from '@nestjs/common';

/**
 * Runs `work` every `intervalMs`, never two at once; `stop()` waits for the run in hand. A failed
 * run is logged and the next one tries again (the work is idempotent).
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
