import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { StripeClock } from '../stripe/stripe-clock';
import { loadEntitlement, settleEntitlement } from './entitlement.store';

/** Rows settled per run at most; the next run takes the rest. */
const rowsPerRunMax = 100;

/**
 * Publishes entitlement transitions no webhook announced yet: every `BILLING_SCHEDULER_INTERVAL_MS`
 * it reads "now" on Stripe's clock and, for each projection row whose next boundary (`changes_at`:
 * the trial end of a cancelled trial, the period end of a cancelled plan, a grace end) has passed,
 * re-derives the state under the row's lock and publishes `entitlements.events.changed.v1` once
 * (the later webhook of the same moment finds the state already published and adds nothing).
 */
@Injectable()
export class EntitlementScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly task: PeriodicTask;
  private readonly logger = new Logger('EntitlementScheduler');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: StripeClock,
    config: BillingConfig,
  ) {
    this.task = new PeriodicTask('EntitlementScheduler', config.BILLING_SCHEDULER_INTERVAL_MS, async () => {
      await this.settleDue();
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Settles every row whose boundary passed by Stripe's now; returns how many published a change. */
  async settleDue(): Promise<number> {
    const now = await this.clock.nowSeconds();
    const due: { domain: string; email: string }[] = await this.dataSource.query(
      `SELECT domain, email FROM entitlements WHERE changes_at <= to_timestamp($1) ORDER BY changes_at LIMIT $2`,
      [now, rowsPerRunMax],
    );
    let published = 0;
    for (const { domain, email } of due) {
      // One row at a time, each in its own transaction: a row that fails is logged and retried at
      // the next run, and never holds back the transitions due after it.
      try {
        const message = await this.dataSource.transaction(async (manager) => {
          const row = await loadEntitlement(manager, domain, email, true);
          if (!row || row.changesAt === null || row.changesAt > now) return undefined;
          return settleEntitlement(manager, domain, email, row.facts, now, row.changesAt);
        });
        if (message) published += 1;
      } catch (error) {
        this.logger.warn(`settling the entitlements of ${email} on ${domain} failed; retried next run: ${(error as Error).message}`);
      }
    }
    return published;
  }
}
