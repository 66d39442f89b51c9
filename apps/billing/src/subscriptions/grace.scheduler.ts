import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OutboxMessage } from '@credit-hub/messaging';
import { PeriodicTask } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { StripeClock } from '../stripe/stripe-clock';
import { blockIfGraceOver, SubscriptionSync } from './subscription-sync';
import { loadSubscriptionForUpdate } from './subscription.store';

/** Subscriptions blocked per run at most; the next run takes the rest. */
const blocksPerRunMax = 100;

/**
 * Ends payment graces that no Stripe event ended: every `BILLING_SCHEDULER_INTERVAL_MS` it reads
 * "now" on Stripe's clock (StripeClock: the stand-in's simulated clock in tests, the wall clock
 * against Stripe) and, for each plan whose grace ended by then and is still unpaid, publishes
 * `billing.events.plan-credits-blocked.v1` (the ledger refuses the plan's credits with
 * `payment_past_due` until a payment succeeds). Webhook handlers block too, judging by the
 * event's `created`; the row's flag, written under the subscription's lock, makes it once.
 */
@Injectable()
export class GraceScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly task: PeriodicTask;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: StripeClock,
    private readonly sync: SubscriptionSync,
    config: BillingConfig,
  ) {
    this.task = new PeriodicTask('GraceScheduler', config.BILLING_SCHEDULER_INTERVAL_MS, async () => {
      await this.blockDue();
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Blocks every plan whose grace is over by Stripe's now; returns the subscriptions blocked. */
  async blockDue(): Promise<string[]> {
    const now = await this.clock.nowSeconds();
    const due: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM subscriptions WHERE grace_ends_at <= to_timestamp($1) AND NOT plan_credits_blocked ORDER BY grace_ends_at LIMIT $2`,
      [now, blocksPerRunMax],
    );
    const blocked: string[] = [];
    for (const { id } of due) {
      const done = await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`subscription:${id}`]);
        const record = await loadSubscriptionForUpdate(manager, id);
        const messages: OutboxMessage[] = [];
        if (!record || !blockIfGraceOver(record, now, `grace:${id}:${record.graceEndsAt}`, messages)) return false;
        await this.sync.save(manager, record, messages);
        return true;
      });
      if (done) blocked.push(id);
    }
    return blocked;
  }
}
