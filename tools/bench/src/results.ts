import { RealBurstResult, SyntheticBurstResult } from './analytics-bench';
import { EntitlementsBenchResult } from './entitlements-bench';
import { JetStreamFloorResult, PgFloorResult } from './floors';
import { CopyFoldResult, LoadResult } from './load-types';
import { RelayBenchResult, SystemLagResult } from './outbox-bench';
import { NaiveFloorResult } from './naive-bench';
import { ProfileSummary } from './profile-summary';
import { ReplayBenchResult } from './replay-bench';
import { Backlog } from './settle';

/** The JSON the bench writes to bench/results/<timestamp>.json (and latest.json). */

export interface Machine {
  nproc: number;
  /** 1-, 5- and 15-minute load averages when the run started and ended: other work on the machine shows here. */
  loadAverage?: { start: number[]; end: number[] };
  cpuModel: string;
  memoryGb: number;
  node: string;
  postgres: string;
  nats: string;
  kernel: string;
}

export interface LoadPoint {
  label: string;
  clients: number;
  accounts: 'distinct' | 'hot';
  result: LoadResult;
  /** The wait for the system to catch up with the previous point before this one started. */
  settleBefore: { waitedMs: number; settled: boolean; backlog: Backlog };
  /** Average cores used during the point: each service, postgres, nats-server, the load generator, the machine, and others (the rest). */
  cpu?: Record<string, number>;
  /** CPU ms per accepted consume: each process of `cpu` (not machine, others), and `sum` over the hub's processes (`hubProcesses`: not the load generator). */
  cpuMsPerConsume?: Record<string, number>;
  /** Group-commit transactions the ledger wrote during the point and consumes per transaction (from its /metrics). */
  ledgerBatches?: { batches: number; meanSize: number };
  /** Mean time of a consume inside the ledger (queued → committed), ms, from its /metrics. */
  ledgerMeanMs?: number;
}

/**
 * The hot account after its load, from the event store: the balance moved by exactly the credits
 * of the CreditsConsumed events appended, never below 0, and every accepted consume is one of
 * them (a load stopped at its deadline can leave up to one unanswered request per client, which
 * the ledger may still have committed).
 */
export interface HotConsistency {
  funded: number;
  balanceAfter: number;
  debited: number;
  /** CreditsConsumed events appended to the account's stream during the load, and their credits. */
  recordedConsumes: number;
  recordedCredits: number;
  accepted: number;
  /** recordedConsumes - accepted: committed, but the answer was not awaited when the load stopped. */
  unansweredAtStop: number;
  consistent: boolean;
}

/** Concurrent consumes racing for the last credits of one account. */
export interface OverdrawProbe {
  funded: number;
  creditsEach: number;
  requests: number;
  concurrency: number;
  accepted: number;
  refusedInsufficient: number;
  other: Record<string, number>;
  balanceAfter: number;
  expectedAccepted: number;
  /** Exactly floor(funded / creditsEach) accepted, the rest refused 402, the remainder left: no overdraw. */
  exact: boolean;
}

/** The batch API under load: `clients` closed-loop clients, each request `batchSize` consumes. */
export interface BatchPoint {
  clients: number;
  batchSize: number;
  /** Requests: their statuses and latency (a request's latency covers its whole batch). */
  result: LoadResult;
  /** CreditsConsumed events the ledger appended for the batch accounts during the point (counted in the event store). */
  consumesRecorded: number;
  consumesPerSec: number;
  cpu?: Record<string, number>;
  cpuMsPerConsume?: Record<string, number>;
}

export interface LoadSeries {
  points: LoadPoint[];
  /** The batch API point, or why it was skipped (e.g. the route answered 404: not in this build). */
  batch?: BatchPoint | { skipped: string };
  hot?: LoadPoint & { consistency: HotConsistency };
  overdrawProbe?: OverdrawProbe;
}

export interface ServiceMemory {
  pid?: number;
  rssMb?: number;
  peakMb?: number;
}

export interface TargetResult {
  target: string;
  measured: string;
  /** null: not measured in this run (phase skipped or failed). */
  met: boolean | null;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  elapsedSec: number;
  mode: 'full' | 'smoke';
  system: 'started by the bench' | 'npm start (already running)';
  options: Record<string, unknown>;
  machine: Machine;
  floors: { pg?: PgFloorResult; nats?: LoadResult; jetstream?: JetStreamFloorResult; copyFold?: CopyFoldResult; naive?: NaiveFloorResult };
  gateway?: LoadSeries;
  nats?: LoadSeries;
  analytics?: { realBurst?: RealBurstResult; synthetic?: SyntheticBurstResult };
  /** systemCpu: CPU during the lag point, per process and per consume driven (see cpuPerConsume). */
  outbox?: { system?: SystemLagResult; relay?: RelayBenchResult; systemCpu?: { cpu: Record<string, number>; cpuMsPerConsume: Record<string, number> } };
  replay?: ReplayBenchResult;
  entitlements?: EntitlementsBenchResult;
  services: Record<string, ServiceMemory>;
  /** Top functions by self time of the CPU profiles of a `--cpu-prof` run (that run's, or the latest one's under bench/results/profiles). */
  profile?: ProfileSummary;
  targets: TargetResult[];
  errors: { phase: string; message: string }[];
}
