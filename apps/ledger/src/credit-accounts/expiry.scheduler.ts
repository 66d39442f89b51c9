import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CreditAccountStore } from './credit-account.store';

/** How often the ledger looks for holds and lots past their expiry, ms. */
const scanIntervalMs = 1000;
/** Accounts handled per scan (bounded; the next scan takes the rest). */
const accountsPerScanMax = 200;

/**
 * Emits the expiry events when they fall due: `ReservationReleased` (reason `expired`) for holds
 * not captured in time, and `CreditsExpired` for lots past their expiry time. Each account is
 * handled by the store's ordinary command path (row lock, decide, append), so several ledger
 * instances scanning at once cannot expire anything twice, and the events are the record: a
 * replay folds them, it never re-decides them. The timer is @nestjs/schedule's (ScheduleModule in
 * LedgerModule), which stops it when the application shuts down.
 */
@Injectable()
export class ExpiryScheduler implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ExpiryScheduler');
  private running?: Promise<number>;
  private stopped = false;

  constructor(private readonly accounts: CreditAccountStore) {}

  /** Every `scanIntervalMs`: starts a scan, unless one is still running or the service is stopping. */
  @Interval('ledger-expiry', scanIntervalMs)
  tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.scan().finally(() => (this.running = undefined));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** One scan: every account with something due now. Returns the number of events appended. */
  async scan(): Promise<number> {
    let appended = 0;
    try {
      const { rows } = await this.accounts.pool.query(
        `SELECT stream_id FROM ledger_lots WHERE expires_at <= now() AND credits_remaining > credits_held
         UNION SELECT stream_id FROM ledger_reservations WHERE status = 'active' AND expires_at <= now()
         LIMIT $1`,
        [accountsPerScanMax],
      );
      for (const row of rows) {
        if (this.stopped) break;
        appended += await this.accounts.expire(row.stream_id);
      }
    } catch (error) {
      this.logger.warn(`expiry scan failed, next in ${scanIntervalMs} ms: ${(error as Error).message}`);
    }
    return appended;
  }
}
