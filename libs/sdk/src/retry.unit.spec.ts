import { defaultRetryPolicy, parseRetryAfterMs, retryDelayMs } from './retry';

const policy = { ...defaultRetryPolicy, retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, retryAfterMaxMs: 10_000 };

describe('retryDelayMs', () => {
  it.each([
    // retry, random, expected: half the ceiling fixed, half random; the ceiling doubles up to maxDelayMs
    [1, 0, 50],
    [1, 1, 100],
    [2, 0, 100],
    [2, 0.5, 150],
    [3, 1, 400],
  ])('retry %i with random %f waits %i ms', (retry, random, expected) => {
    expect(retryDelayMs(policy, retry, undefined, () => random)).toBe(expected);
  });

  it('caps the backoff at maxDelayMs', () => {
    expect(retryDelayMs({ ...policy, retries: 10 }, 10, undefined, () => 1)).toBe(1_000);
  });

  it('gives up after the last retry (retries + 1 attempts in all)', () => {
    expect(retryDelayMs(policy, 3, undefined, () => 0)).not.toBeNull();
    expect(retryDelayMs(policy, 4, undefined, () => 0)).toBeNull();
    expect(retryDelayMs({ ...policy, retries: 0 }, 1, undefined, () => 0)).toBeNull();
  });

  it('waits exactly Retry-After when the server sent one, and gives up when it is longer than allowed', () => {
    expect(retryDelayMs(policy, 1, 2_000, () => 0)).toBe(2_000);
    expect(retryDelayMs(policy, 1, 10_000, () => 0)).toBe(10_000);
    expect(retryDelayMs(policy, 1, 10_001, () => 0)).toBeNull();
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-20T12:00:00Z');

  it.each([
    [null, undefined],
    ['0', 0],
    ['2', 2_000],
    [' 7 ', 7_000],
    ['Fri, 20 Nov 2026 12:00:03 GMT', 3_000],
    ['Fri, 20 Nov 2026 11:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
  ])('reads %p as %p ms', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });
});
