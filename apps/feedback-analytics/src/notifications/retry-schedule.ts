/**
 * When a failed delivery is tried again. Pure: times are numbers of ms passed in, so the schedule
 * is tested without a clock.
 */

/**
 * A safety bound on attempts per delivery, whatever the schedule and horizon (a misconfigured
 * `200` ms schedule over 3 days would otherwise be 1.3 million attempts).
 */
export const attemptsPerDeliveryMax = 100;

/** Parses `WEBHOOK_RETRY_DELAYS_MS` (already checked by its pattern): `5000,30000` → [5000, 30000]. */
export function parseRetryDelays(text: string): number[] {
  const delays = text.split(',').map((part) => Number(part));
  if (delays.length === 0 || delays.some((delay) => !Number.isSafeInteger(delay) || delay < 0)) {
    throw new Error(`retry delays must be whole numbers of ms, got ${JSON.stringify(text)}`);
  }
  return delays;
}

/** The delay after the `failures`-th consecutive failure (1-based); the last delay repeats. */
export function retryDelayMs(delays: readonly number[], failures: number): number {
  if (!Number.isSafeInteger(failures) || failures < 1) throw new Error(`failures must be >= 1, got ${failures}`);
  return delays[Math.min(failures, delays.length) - 1];
}

/**
 * The time of the next attempt after a failed one, or null when the delivery is to be marked
 * failed: the next attempt would fall after `retryUntilMs`, or `attempts` reached the bound.
 */
export function nextAttemptAtMs(input: {
  nowMs: number;
  failures: number;
  attempts: number;
  retryUntilMs: number;
  delays: readonly number[];
}): number | null {
  if (input.attempts >= attemptsPerDeliveryMax) return null;
  const next = input.nowMs + retryDelayMs(input.delays, input.failures);
  return next > input.retryUntilMs ? null : next;
}
