import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { attemptsPerDeliveryMax, parseRetryDelays, retryDelayMs } from './retry-schedule';
import { sendWebhook, WebhookAttemptResult } from './webhook-sender';
import { sqlRows } from './webhook-store';
import { WebhooksConfig } from './webhooks.config';

/** A delivery claimed by this worker for one attempt. */
interface ClaimedDelivery {
  id: string;
  payload: string;
  attempt_count: number;
  failures_since_start: number;
  replay: boolean;
  url: string;
  secret: string;
}

/** Extra time a claim is held beyond the attempt's own timeout, before another worker may take it over. */
const leaseMarginMs = 30_000;
/** How often finished deliveries past their retention are deleted, and how many at most each time. */
const pruneIntervalMs = 60 * 60 * 1000;
const pruneBatchSizeMax = 1000;

/**
 * Sends due deliveries. Each round claims at most `WEBHOOK_WORKER_BATCH_SIZE` due rows with
 * `FOR UPDATE SKIP LOCKED` and leases them (their `next_attempt_at` moves to the lease's end), so
 * several instances share the work and a crashed worker's deliveries come back after the lease.
 * The HTTP attempts run outside any transaction; each result is recorded with its attempt row in
 * one short transaction, only while this worker still holds the lease. Wakes on `wake()` (a
 * consumer wrote deliveries) or every `WEBHOOK_WORKER_POLL_MS`.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDeliveryWorker');
  private readonly delays: number[];
  private running = false;
  private woken = false;
  private wakeSleeper?: () => void;
  private loop?: Promise<void>;
  private prunedAtMs = 0;
  /** Attempts made since start; read by tests and metrics. */
  attemptCount = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: WebhooksConfig,
  ) {
    this.delays = parseRetryDelays(config.WEBHOOK_RETRY_DELAYS_MS);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming; resolves when the attempts in flight are recorded (each bounded by the timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeSleeper?.();
    await this.loop;
  }

  /** Asks for a round now (deliveries were just written). */
  wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      let claimed = 0;
      try {
        claimed = await this.deliverDue();
        await this.pruneIfDue();
      } catch (error) {
        this.logger.warn(`delivery round failed, retrying in ${this.config.WEBHOOK_WORKER_POLL_MS} ms: ${(error as Error).message}`);
      }
      if (claimed < this.config.WEBHOOK_WORKER_BATCH_SIZE && !this.woken) await this.sleep(this.config.WEBHOOK_WORKER_POLL_MS);
    }
  }

  /** One round: claim due deliveries, attempt them all, record every result. Returns how many it claimed. */
  async deliverDue(): Promise<number> {
    const leaseId = randomUUID();
    const claimed = await this.claim(leaseId);
    await Promise.all(claimed.map((delivery) => this.attempt(delivery, leaseId)));
    return claimed.length;
  }

  private claim(leaseId: string): Promise<ClaimedDelivery[]> {
    return sqlRows<ClaimedDelivery>(
      this.dataSource,
      `WITH due AS (
         SELECT id, replay_requested FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
          ORDER BY next_attempt_at LIMIT $1
          FOR UPDATE SKIP LOCKED)
       UPDATE webhook_deliveries d
          SET lease_id = $2, next_attempt_at = clock_timestamp() + $3 * interval '1 millisecond', replay_requested = false
         FROM due, webhook_endpoints e
        WHERE d.id = due.id AND e.id = d.endpoint_id
       RETURNING d.id, d.payload, d.attempt_count, d.failures_since_start, due.replay_requested AS replay, e.url, e.secret`,
      [this.config.WEBHOOK_WORKER_BATCH_SIZE, leaseId, this.config.WEBHOOK_TIMEOUT_MS + leaseMarginMs],
    );
  }

  private async attempt(delivery: ClaimedDelivery, leaseId: string): Promise<void> {
    const result = await sendWebhook(
      { url: delivery.url, webhookId: delivery.id, body: delivery.payload, secret: delivery.secret },
      { timeoutMs: this.config.WEBHOOK_TIMEOUT_MS, allowPrivateUrls: this.config.WEBHOOKS_ALLOW_PRIVATE_URLS },
    );
    this.attemptCount++;
    try {
      await this.record(delivery, leaseId, result);
    } catch (error) {
      // The lease runs out and the delivery is tried again: at least once, never lost.
      this.logger.error(`recording attempt of delivery ${delivery.id} failed: ${(error as Error).message}`);
    }
  }

  /**
   * Records one attempt: the delivery's new state and the attempt row, in one transaction, only
   * if this worker still holds the lease. A delivery cancelled meanwhile (endpoint deleted) keeps
   * its status; the attempt is logged all the same.
   */
  private async record(delivery: ClaimedDelivery, leaseId: string, result: WebhookAttemptResult): Promise<void> {
    const attempts = delivery.attempt_count + 1;
    const failures = delivery.failures_since_start + 1;
    // null: no further attempt (success, or the bound on attempts reached); the horizon is checked in SQL.
    const delayMs = result.succeeded || attempts >= attemptsPerDeliveryMax ? null : retryDelayMs(this.delays, failures);
    await this.dataSource.transaction(async (manager) => {
      const [updated] = await sqlRows<{ attempt_count: number; next_attempt_at: Date | null; status: string }>(
        manager,
        `UPDATE webhook_deliveries d
            SET attempt_count = d.attempt_count + 1,
                failures_since_start = CASE WHEN $3::boolean THEN 0 ELSE d.failures_since_start + 1 END,
                status = CASE WHEN d.status <> 'pending' THEN d.status
                              WHEN $3::boolean THEN 'succeeded'
                              WHEN $4::bigint IS NULL OR n.next_at > d.retry_until THEN 'failed'
                              ELSE 'pending' END,
                next_attempt_at = CASE WHEN d.status <> 'pending' OR $3 OR $4::bigint IS NULL OR n.next_at > d.retry_until THEN NULL
                                       ELSE n.next_at END,
                completed_at = CASE WHEN d.status <> 'pending' THEN d.completed_at
                                    WHEN $3 OR $4::bigint IS NULL OR n.next_at > d.retry_until THEN clock_timestamp()
                                    ELSE NULL END,
                lease_id = NULL
           FROM (SELECT clock_timestamp() + COALESCE($4::bigint, 0) * interval '1 millisecond' AS next_at) n
          WHERE d.id = $1 AND d.lease_id = $2
         RETURNING d.attempt_count, d.next_attempt_at, d.status`,
        [delivery.id, leaseId, result.succeeded, delayMs],
      );
      if (!updated) {
        this.logger.warn(`delivery ${delivery.id}: lease lost before the attempt was recorded (another worker took over)`);
        return;
      }
      await sqlRows(
        manager,
        `INSERT INTO webhook_attempts (delivery_id, attempt, trigger, started_at, duration_ms, response_status, error, outcome, next_retry_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          delivery.id,
          updated.attempt_count,
          delivery.replay ? 'replay' : 'scheduled',
          result.startedAt,
          result.durationMs,
          result.responseStatus,
          result.error,
          result.succeeded ? 'succeeded' : 'failed',
          updated.next_attempt_at,
        ],
      );
      if (updated.status === 'failed') this.logger.warn(`delivery ${delivery.id} failed for good after ${updated.attempt_count} attempts`);
    });
  }

  /** Deletes finished deliveries (and their attempts) older than the retention, a bounded batch per hour. */
  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.prunedAtMs < pruneIntervalMs) return;
    this.prunedAtMs = Date.now();
    const deleted = await sqlRows(
      this.dataSource,
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries
          WHERE status <> 'pending' AND completed_at < clock_timestamp() - $1 * interval '1 day'
          LIMIT $2)
       RETURNING id`,
      [this.config.WEBHOOK_LOG_RETENTION_DAYS, pruneBatchSizeMax],
    );
    if (deleted.length > 0) this.logger.log(`pruned ${deleted.length} finished deliveries`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}
