/**
 * When and how long to wait before trying a request again. Pure: the clock and the random source
 * come in, so the policy is tested without waiting.
 *
 * A retry sends the very same request (same body, so the same referenceId or grantId): the hub is
 * idempotent on those keys, so a retry after a lost answer is never a double spend.
 */

/** Knobs of the policy; the client's defaults are in `defaultRetryPolicy`. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: no retry). */
  retries: number;
  /** Backoff before retry n (1-based) is up to `baseDelayMs × 2^(n-1)`, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown at once. */
  retryAfterMaxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 5_000, retryAfterMaxMs: 30_000 };

/**
 * Milliseconds to wait before retry number `retry` (1-based), or null to give up. `retryAfterMs`,
 * when the server sent one, is honoured as the wait; otherwise the wait is exponential with
 * "equal jitter" (half fixed, half random), so many clients failing together spread out.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number): number | null {
  if (retry > policy.retries) return null;
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.retryAfterMaxMs ? retryAfterMs : null;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * `Retry-After` in milliseconds: delta-seconds (`"2"`) or an HTTP date; undefined when absent or
 * unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  // An HTTP date names its day and month ("Fri, 20 Nov 2026 12:00:03 GMT"); "-1" is no date.
  const date = /[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
