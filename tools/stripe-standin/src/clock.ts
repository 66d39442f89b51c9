// The stand-in's simulated clock (a stand-in-wide Stripe "test clock"): real time plus an offset that
// `POST /test/clock/advance` moves forward. Every object timestamp and event `created` reads it; webhook
// signatures do not (Stripe signs at delivery time and receivers compare with their wall clock).

/** Seconds in one day. */
export const DAY_SECONDS = 24 * 60 * 60;

/** Wall-clock time in unix seconds. */
export function wallClockNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** Simulated time in unix seconds: wall clock + offset, or a pinned instant while due work runs. */
export class SimClock {
  private offsetSeconds = 0;
  private pinnedAt: number | undefined;

  /** The simulated current time, unix seconds. */
  now(): number {
    return this.pinnedAt ?? wallClockNow() + this.offsetSeconds;
  }

  /** Seconds the simulated clock runs ahead of the wall clock. */
  get offset(): number {
    return this.offsetSeconds;
  }

  /** Freezes `now()` at `at` (used while the work due at `at` runs and its events are delivered). */
  pin(at: number): void {
    this.pinnedAt = at;
  }

  /** Unpins and sets the offset so that `now()` is `at` and runs on from there with the wall clock. */
  resumeAt(at: number): void {
    this.pinnedAt = undefined;
    this.offsetSeconds = at - wallClockNow();
  }
}

/** Units of a recurring price. */
export type Interval = 'day' | 'week' | 'month' | 'year';

/** The recurring intervals Stripe accepts. */
export const INTERVALS: readonly Interval[] = ['day', 'week', 'month', 'year'];

/**
 * `time` (unix seconds) plus `count` intervals, in UTC. Months and years keep the day of month and
 * clamp to the month's last day (Jan 31 + 1 month = Feb 28/29), as Stripe's billing cycle does.
 */
export function addInterval(time: number, interval: Interval, count = 1): number {
  if (interval === 'day') return time + count * DAY_SECONDS;
  if (interval === 'week') return time + count * 7 * DAY_SECONDS;
  const date = new Date(time * 1000);
  const months = interval === 'year' ? 12 * count : count;
  const targetMonth = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  const moved = Date.UTC(
    date.getUTCFullYear(),
    targetMonth,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
  return Math.floor(moved / 1000);
}
