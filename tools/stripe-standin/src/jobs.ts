// The queue of clock-driven work (trial reminders, period ends, payment retries), kept in the state
// and run by `advanceClock` in `(at, seq)` order.
import type { JobKind, ScheduledJob, StandinState } from './state';

let nextSeq = 1;

/** Queues `job` (without `seq`, which orders jobs due at the same second by creation). */
export function scheduleJob(state: StandinState, job: Omit<ScheduledJob, 'seq' | 'account'>): void {
  state.jobs.push({ ...job, account: state.account, seq: nextSeq++ });
}

/** Drops the queued jobs of `subscription` (of `kinds` only, when given; of `invoice` only, when given). */
export function cancelJobs(state: StandinState, subscription: string, kinds?: readonly JobKind[], invoice?: string): void {
  const keep = state.jobs.filter(
    (job) => job.account !== state.account || job.subscription !== subscription || (kinds !== undefined && !kinds.includes(job.kind)) || (invoice !== undefined && job.invoice !== invoice),
  );
  state.jobs.splice(0, state.jobs.length, ...keep);
}

/** Removes and returns the earliest job due at or before `until`, or undefined. */
export function takeDueJob(state: StandinState, until: number): ScheduledJob | undefined {
  let best = -1;
  state.jobs.forEach((job, index) => {
    if (job.at > until) return;
    const current = state.jobs[best];
    if (best < 0 || job.at < current.at || (job.at === current.at && job.seq < current.seq)) best = index;
  });
  return best < 0 ? undefined : state.jobs.splice(best, 1)[0];
}
