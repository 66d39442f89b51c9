import { LatencySummary } from './stats';

/**
 * Configurations and results of the load child (load-child.ts), which runs each load from its
 * own process so the load generator never shares an event loop with what it measures.
 */

/** The consume a load sends: each request on its own account (or the one hot account) with a fresh referenceId. */
export interface ConsumeBody {
  accounts: string[];
  domain: string;
  credits: number;
  actionType: string;
  /** Unique per run and load point; the request counter is appended. */
  referencePrefix: string;
}

export interface HttpLoadConfig {
  mode: 'http';
  /** Gateway base URL. */
  url: string;
  apiKey: string;
  connections: number;
  durationSec: number;
  body: ConsumeBody;
  /** The batch route instead (`POST /api/portfolio/credits/consume/batch`): this many consumes per request. */
  batchSize?: number;
}

export interface NatsLoadConfig {
  mode: 'nats';
  natsUrl: string;
  subject: string;
  durationSec: number;
  /** Closed loop: this many requests in flight, each sent when the previous one of its worker answered. */
  concurrency: number;
  /** Open loop instead: send at this rate whatever the answers, at most `maxInFlight` outstanding. */
  ratePerSec?: number;
  maxInFlight?: number;
  body: ConsumeBody;
}

export interface RelayConfig {
  mode: 'relay';
  databaseUrl: string;
  natsUrl: string;
  channel: string;
  lockKey: number;
}

export interface CopyFoldConfig {
  mode: 'copyfold';
  databaseUrl: string;
}

/** Floor (e): the naive consume service (naive-service.ts) on its scratch database. */
export interface NaiveServiceConfig {
  mode: 'naive';
  databaseUrl: string;
  poolSize: number;
}

export type LoadConfig = HttpLoadConfig | NatsLoadConfig | RelayConfig | CopyFoldConfig | NaiveServiceConfig;

export interface LoadResult {
  mode: 'http' | 'nats';
  concurrency: number;
  durationSec: number;
  /** Requests answered (any status) and requests sent. */
  responses: number;
  sent: number;
  /** Accepted consumes (HTTP 2xx, or an `ok` reply). */
  ok: number;
  okPerSec: number;
  responsesPerSec: number;
  /** HTTP status → count, or refusal code → count. */
  statuses: Record<string, number>;
  /** Non-2xx answers (HTTP) or refusals (NATS). */
  notOk: number;
  /** Transport errors and timeouts (no answer). */
  errors: number;
  timeouts: number;
  /** Latency of accepted consumes, ms. */
  latency: LatencySummary;
  /** CPU time the load child itself used (user + system), s. */
  cpuSeconds?: number;
  /** Open loop only: requests not sent because `maxInFlight` were outstanding. */
  skipped?: number;
  /** autocannon's own figures (HTTP only), for comparison with ours. */
  autocannon?: { requestsPerSecAverage: number; latencyP50: number; latencyP99: number; latencyMax: number; non2xx: number; errors: number; timeouts: number };
}

export interface CopyFoldResult {
  events: number;
  accounts: number;
  negativeBalances: number;
  elapsedMs: number;
  eventsPerSecond: number;
  maxRssMb: number;
}
