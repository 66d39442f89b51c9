import { Logger } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

/** A logger that keeps what it was told instead of printing it. */
function quietLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const logger = new Logger('periodic-task.spec') as Logger & { errors: string[] };
  logger.errors = errors;
  logger.error = (message: unknown) => void errors.push(String(message));
  return logger;
}

describe('PeriodicTask', () => {
  afterEach(() => jest.useRealTimers());

  it('runs the work every interval once started, and no more after stop', async () => {
    jest.useFakeTimers();
    let runs = 0;
    const task = new PeriodicTask('count', 1_000, async () => void runs++, quietLogger());
    task.start();
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(runs).toBe(3);
    await task.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(3);
  });

  it('never runs the work twice at once: runNow waits for the run in hand', async () => {
    let active = 0;
    let most = 0;
    const task = new PeriodicTask('serial', 60_000, async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
    }, quietLogger());
    await Promise.all([task.runNow(), task.runNow(), task.runNow()]);
    expect(most).toBe(1);
  });

  it('logs a failed run by name and tries again on the next tick', async () => {
    jest.useFakeTimers();
    const logger = quietLogger();
    let calls = 0;
    const task = new PeriodicTask('flaky', 100, async () => {
      calls++;
      if (calls === 1) throw new Error('database away');
    }, logger);
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(logger.errors).toEqual(['flaky failed: database away']);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    expect(logger.errors).toHaveLength(1);
    await task.stop();
  });

  it('stop waits for the run in hand to finish', async () => {
    let finished = false;
    let release!: () => void;
    const task = new PeriodicTask('slow', 60_000, () => new Promise<void>((resolve) => (release = () => { finished = true; resolve(); })), quietLogger());
    const running = task.runNow();
    const stopped = task.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
    await running;
  });
});
