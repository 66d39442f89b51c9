import { attemptsPerDeliveryMax, nextAttemptAtMs, parseRetryDelays, retryDelayMs } from './retry-schedule';
import { retryDelaysMsDefault } from './webhooks.config';

describe('retry schedule', () => {
  const delays = [200, 400, 800];

  it('parses the configured delays', () => {
    expect(parseRetryDelays('200,400,800')).toEqual(delays);
    expect(parseRetryDelays(retryDelaysMsDefault.join(','))).toEqual([5_000, 30_000, 120_000, 600_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000]);
  });

  it.each([
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 800], // the last delay repeats
    [50, 800],
  ])('waits after failure %i: %i ms', (failures, expected) => {
    expect(retryDelayMs(delays, failures)).toBe(expected);
  });

  it('refuses a failure count below 1 (a bug)', () => {
    expect(() => retryDelayMs(delays, 0)).toThrow();
  });

  it.each([
    // nowMs, failures, attempts, retryUntilMs, expected
    [1000, 1, 1, 1200, 1200], // exactly at the horizon: still tried
    [1000, 1, 1, 1199, null], // 1 ms past it: failed
    [1000, 3, 3, 10_000, 1800],
    [1000, 1, attemptsPerDeliveryMax - 1, 10_000, 1200],
    [1000, 1, attemptsPerDeliveryMax, 10_000, null], // the bound on attempts
  ])('at %i after failure %i (attempt %i), horizon %i → %p', (nowMs, failures, attempts, retryUntilMs, expected) => {
    expect(nextAttemptAtMs({ nowMs, failures, attempts, retryUntilMs, delays })).toBe(expected);
  });

  it('tries 16 times over the default 3 days (7 quick retries, then every 8 h)', () => {
    const defaults = retryDelaysMsDefault;
    const horizon = 3 * 24 * 3600 * 1000;
    let now = 0;
    let attempts = 1;
    for (;;) {
      const next = nextAttemptAtMs({ nowMs: now, failures: attempts, attempts, retryUntilMs: horizon, delays: defaults });
      if (next === null) break;
      now = next;
      attempts++;
    }
    expect(attempts).toBe(16);
  });
});
