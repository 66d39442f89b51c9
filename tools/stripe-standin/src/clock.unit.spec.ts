import { addInterval, DAY_SECONDS, SimClock, wallClockNow } from './clock';
import { changedAttributes } from './events';
import { parseFormEncoded } from './form';
import { scheduleJob, takeDueJob } from './jobs';
import { mergeMetadata } from './params';
import { createState } from './state';

const at = (iso: string): number => Date.parse(iso) / 1000;

describe('addInterval', () => {
  it('adds days and weeks as fixed seconds', () => {
    expect(addInterval(at('2025-03-01T10:00:00Z'), 'day', 3)).toBe(at('2025-03-04T10:00:00Z'));
    expect(addInterval(at('2025-03-01T10:00:00Z'), 'week')).toBe(at('2025-03-08T10:00:00Z'));
  });

  it('keeps the day of month and clamps to the last day, in UTC', () => {
    expect(addInterval(at('2025-01-15T12:34:56Z'), 'month')).toBe(at('2025-02-15T12:34:56Z'));
    expect(addInterval(at('2025-01-31T00:00:00Z'), 'month')).toBe(at('2025-02-28T00:00:00Z'));
    expect(addInterval(at('2024-01-31T00:00:00Z'), 'month')).toBe(at('2024-02-29T00:00:00Z'));
    expect(addInterval(at('2025-12-31T23:00:00Z'), 'month', 2)).toBe(at('2026-02-28T23:00:00Z'));
    expect(addInterval(at('2024-02-29T00:00:00Z'), 'year')).toBe(at('2025-02-28T00:00:00Z'));
  });
});

describe('SimClock', () => {
  it('runs with the wall clock plus an offset, and can be pinned', () => {
    const clock = new SimClock();
    expect(Math.abs(clock.now() - wallClockNow())).toBeLessThanOrEqual(1);
    clock.pin(123);
    expect(clock.now()).toBe(123);
    clock.resumeAt(wallClockNow() + 10 * DAY_SECONDS);
    expect(clock.offset).toBe(10 * DAY_SECONDS);
    expect(clock.now() - wallClockNow()).toBe(10 * DAY_SECONDS);
  });
});

describe('takeDueJob', () => {
  it('returns due jobs by time, then by scheduling order, and leaves later ones', () => {
    const state = createState({ id: 'ca_test', object: 'application', name: 'test' });
    scheduleJob(state, { at: 20, kind: 'period_end', subscription: 'b' });
    scheduleJob(state, { at: 10, kind: 'trial_will_end', subscription: 'a' });
    scheduleJob(state, { at: 20, kind: 'payment_retry', subscription: 'c' });
    scheduleJob(state, { at: 30, kind: 'period_end', subscription: 'd' });
    const taken = [takeDueJob(state, 25), takeDueJob(state, 25), takeDueJob(state, 25), takeDueJob(state, 25)].map((job) => job?.subscription);
    expect(taken).toEqual(['a', 'b', 'c', undefined]);
    expect(state.jobs.map((job) => job.subscription)).toEqual(['d']);
  });
});

describe('changedAttributes and mergeMetadata', () => {
  it('reports the old values of changed top-level fields only', () => {
    expect(changedAttributes({ a: 1, b: { c: 2 }, d: 'x' }, { a: 1, b: { c: 3 }, d: 'y' })).toEqual({ b: { c: 2 }, d: 'x' });
  });

  it('merges metadata as Stripe does: set, remove with empty string, clear with metadata=""', () => {
    expect(mergeMetadata({ keep: '1', drop: '2' }, parseFormEncoded('metadata[drop]=&metadata[add]=3'))).toEqual({ keep: '1', add: '3' });
    expect(mergeMetadata({ keep: '1' }, parseFormEncoded('metadata='))).toEqual({});
    expect(mergeMetadata({ keep: '1' }, parseFormEncoded('other=x'))).toEqual({ keep: '1' });
  });
});
