import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/**
 * The gateway's rate limits, validated at boot like the rest of its environment (a bad value
 * stops the gateway with a message naming the variable). Limits are per gateway process (the
 * counters live in its memory): with several gateways behind a balancer, divide by their number.
 */
export class RateLimitConfig {
  /** Requests one live API key may make per window, over all its endpoints together. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  GATEWAY_RATE_LIMIT_PER_KEY = 5000;

  /**
   * Requests one client address may make per window without a live API key: the Stripe webhook,
   * the refund portal's pages, and every request with a missing, unknown or revoked key (so a
   * flood of made-up keys is limited too, and costs at most this many key lookups).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  GATEWAY_RATE_LIMIT_ANONYMOUS = 1000;

  /** Length of the sliding window both limits count over, in milliseconds. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  GATEWAY_RATE_LIMIT_WINDOW_MS = 1000;
}
