import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { validateEnvironment } from '@credit-hub/service-kit';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/** The default retry schedule: 5 s, 30 s, 2 min, 10 min, 1 h, 2 h, 4 h, then every 8 h until the horizon. */
export const retryDelaysMsDefault = [5_000, 30_000, 2 * minuteMs, 10 * minuteMs, hourMs, 2 * hourMs, 4 * hourMs, 8 * hourMs];

/**
 * The webhook settings of feedback-analytics, validated at boot like every service's environment
 * (a bad value stops the service with exit code 78, naming the variable). Every bound of the
 * delivery worker is here (STYLE.md rule 9).
 */
export class WebhooksConfig {
  /** The catalog file (the one billing reads): each domain's `lowBalanceThreshold`. Relative to the working directory. */
  @IsString()
  @Length(1, 1024)
  CATALOG_FILE = 'deploy/catalog/demo.json';

  /**
   * Delays between attempts, ms, comma-separated: the n-th failure waits the n-th delay, the last
   * one repeats. Tests shorten it (`200,400,800`).
   */
  @Matches(/^\d{1,9}(,\d{1,9}){0,49}$/, { message: 'WEBHOOK_RETRY_DELAYS_MS must be 1-50 comma-separated whole numbers of ms' })
  WEBHOOK_RETRY_DELAYS_MS = retryDelaysMsDefault.join(',');

  /** How long after its creation (or replay) a delivery is retried before it is marked failed; 3 days. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(30 * dayMs)
  WEBHOOK_RETRY_HORIZON_MS = 3 * dayMs;

  /** Bound on one attempt: connect, send, and the response's status line and body. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** How often the worker looks for due deliveries when nothing woke it, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(20)
  @Max(60_000)
  WEBHOOK_WORKER_POLL_MS = 1_000;

  /** Deliveries one worker claims and sends at once (its concurrency). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  WEBHOOK_WORKER_BATCH_SIZE = 16;

  /** Finished deliveries (and their attempts) are deleted this many days after they finished. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  WEBHOOK_LOG_RETENTION_DAYS = 30;

  /**
   * Whether endpoints may be private or loopback addresses (127.0.0.1, 10.x, localhost, …). True for
   * local development and tests; production sets false, so a builder cannot make the hub call
   * into its own network (SSRF): such URLs are refused at registration and at every send (after DNS).
   */
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'WEBHOOKS_ALLOW_PRIVATE_URLS must be true or false' })
  WEBHOOKS_ALLOW_PRIVATE_URLS = true;
}

/** The validated settings; a provider factory, so a bad value stops the boot with a ConfigurationError. */
export function loadWebhooksConfig(): WebhooksConfig {
  return validateEnvironment(WebhooksConfig, process.env);
}
