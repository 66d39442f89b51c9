/**
 * Command line of `npm run bench`. Every duration and count has a default sized so the whole
 * bench finishes in under 10 minutes on 2 cores; `--smoke` shrinks them so it finishes in under
 * a minute (a test can run it; it writes its results under tmp/ and leaves docs/ alone).
 */

export type PhaseName = 'floors' | 'gateway' | 'nats' | 'analytics' | 'outbox' | 'replay' | 'entitlements';
export const allPhases: readonly PhaseName[] = ['floors', 'gateway', 'nats', 'analytics', 'outbox', 'replay', 'entitlements'];

export interface BenchOptions {
  smoke: boolean;
  /** Use the system of `npm start` (gateway 127.0.0.1:3000, tmp/demo-api-key) instead of starting one. */
  againstRunning: boolean;
  /** Seconds of each measured load point. */
  durationSec: number;
  /** Seconds of warm-up before the first point of a load series (not measured). */
  warmupSec: number;
  /** Most seconds to wait for the system to be idle again (consumers caught up) between load points. */
  settleSecMax: number;
  concurrencies: number[];
  /** Clients on the one hot account. */
  hotClients: number;
  /** Accounts in the raw PostgreSQL floor's table. */
  floorAccounts: number;
  /** Connections of the raw PostgreSQL floor. */
  floorConnections: number;
  /** Requests in flight of the raw NATS request/reply floor. */
  natsFloorInFlight: number;
  /** JetStream publishes in flight of the raw publish floor. */
  jetstreamInFlight: number;
  replayEvents: number;
  replayAccounts: number;
  /** Outbox rows inserted in one go for the relay's maximum rate. */
  relayRows: number;
  /** Consumes per second driven for the outbox lag. */
  lagRate: number;
  /** Synthetic ledger events published at once for the analytics consumer's maximum rate (own system only). */
  analyticsBurst: number;
  /** Clients of the batch API point, and consumes per request. */
  batchClients: number;
  batchSize: number;
  /** Services started with \`node --cpu-prof\` (profiles and their summary under bench/results/profiles/<run>/); none: no profiling. */
  cpuProf: string[];
  phases: PhaseName[];
  /** Directory of the JSON results. */
  outDir: string;
  /** Regenerate docs/performance.md and docs/performance-chart.svg. */
  writeDocs: boolean;
  /** Leave the system, databases and streams in place at the end (debugging). */
  keep: boolean;
  gatewayUrl: string;
  apiKeyFile: string;
  /** Subject namespace of the running system (`HUB_NAMESPACE`); empty for `npm start`. */
  namespace: string;
  /** Database name prefix of the running system (`hub` for `npm start`). */
  databasePrefix: string;
  postgresUrl: string;
  natsUrl: string;
}

export const usage = `usage: npm run bench [-- options]

  --smoke                  tiny durations and counts (whole run < 60 s); results under tmp/bench, docs untouched
  --against-running        measure the system of \`npm start\` (127.0.0.1:3000, tmp/demo-api-key) instead of starting one
  --duration=<s>           seconds per load point (default 10)
  --warmup=<s>             warm-up seconds before each load series (default 2)
  --settle=<s>             most seconds to wait for consumers to catch up between points (default 20)
  --concurrency=1,16,64    client counts of the load series
  --replay-events=<n>      events generated for the replay (default 1000000)
  --replay-accounts=<n>    accounts they belong to (default 10000)
  --relay-rows=<n>         outbox rows for the relay's maximum rate (default 50000)
  --lag-rate=<n>           consumes/s driven while measuring the outbox lag (default 1000)
  --analytics-burst=<n>    synthetic events for the LEDGER consumers' rates (default 20000)
  --batch-size=<n>         consumes per request of the batch API point (8 clients; default 100)
  --cpu-prof[=<service,…>] start the gateway and the ledger (or the services named) with node --cpu-prof: profiles and their summary
                           (top functions by self time) in bench/results/profiles/<run>/; e.g. with
                           --only=gateway --concurrency=64 for the 64-client load; docs untouched
  --only=<phase,…>         phases to run: ${allPhases.join(',')}
  --out=<dir>              where the JSON results go (default bench/results)
  --docs / --no-docs       regenerate docs/performance.md (default: yes, except with --smoke or --cpu-prof)
  --keep                   leave the bench system, databases and streams behind (debugging)
  --gateway-url=<url>      with --against-running (default http://127.0.0.1:3000)
  --api-key-file=<path>    with --against-running (default tmp/demo-api-key)
  --namespace=<ns>         with --against-running: its HUB_NAMESPACE (default none)
  --database-prefix=<p>    with --against-running: its database prefix (default hub)
`;

export class UsageError extends Error {}

const profilable = ['gateway', 'ledger', 'billing', 'refunds', 'feedback-analytics'];

function cpuProfServices(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (value === 'true') return ['gateway', 'ledger'];
  const services = value.split(',');
  for (const service of services) if (!profilable.includes(service)) throw new UsageError(`--cpu-prof: unknown service ${service} (one of ${profilable.join(', ')})`);
  return services;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument ${arg}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = new Set([
    'smoke', 'against-running', 'duration', 'warmup', 'settle', 'concurrency', 'replay-events', 'replay-accounts', 'relay-rows',
    'lag-rate', 'analytics-burst', 'only', 'out', 'docs', 'no-docs', 'keep', 'gateway-url', 'api-key-file', 'namespace',
    'database-prefix', 'help', 'batch-size', 'cpu-prof',
  ]);
  for (const name of flags.keys()) if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
  const smoke = flags.has('smoke');
  const number = (name: string, fallback: number, min: number): number => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new UsageError(`--${name} must be a number >= ${min}`);
    return value;
  };
  const phases = flags.has('only')
    ? flags
        .get('only')!
        .split(',')
        .map((p) => {
          if (!allPhases.includes(p as PhaseName)) throw new UsageError(`--only: unknown phase ${p}`);
          return p as PhaseName;
        })
    : [...allPhases];
  const concurrencies = (flags.get('concurrency') ?? '1,16,64').split(',').map((c) => {
    const value = Number(c);
    if (!Number.isInteger(value) || value < 1 || value > 1024) throw new UsageError('--concurrency must list whole numbers 1-1024');
    return value;
  });
  const namespace = flags.get('namespace') ?? '';
  if (namespace !== '' && !/^[A-Za-z0-9]{1,32}$/.test(namespace)) throw new UsageError('--namespace must be 1-32 letters or digits');
  return {
    smoke,
    againstRunning: flags.has('against-running'),
    durationSec: number('duration', smoke ? 1 : 10, 0.2),
    warmupSec: number('warmup', smoke ? 0.3 : 2, 0),
    settleSecMax: number('settle', smoke ? 3 : 20, 0),
    concurrencies,
    hotClients: Math.max(...concurrencies),
    floorAccounts: smoke ? 1000 : 10_000,
    floorConnections: 8,
    natsFloorInFlight: 64,
    // At least the relay's batch (500 publishes awaited together), so the floor is not the smaller window.
    jetstreamInFlight: 512,
    replayEvents: Math.round(number('replay-events', smoke ? 10_000 : 1_000_000, 100)),
    replayAccounts: Math.round(number('replay-accounts', smoke ? 300 : 10_000, 1)),
    relayRows: Math.round(number('relay-rows', smoke ? 1000 : 50_000, 1)),
    lagRate: number('lag-rate', 1000, 1),
    analyticsBurst: Math.round(number('analytics-burst', smoke ? 300 : 20_000, 0)),
    batchClients: 8,
    batchSize: Math.round(number('batch-size', 100, 1)),
    cpuProf: cpuProfServices(flags.get('cpu-prof')),
    phases,
    outDir: flags.get('out') ?? (smoke ? 'tmp/bench' : 'bench/results'),
    // A profiled run is slowed by the profiler: its figures never replace the page's.
    writeDocs: flags.has('no-docs') ? false : flags.has('docs') || (!smoke && !flags.has('cpu-prof')),
    keep: flags.has('keep'),
    gatewayUrl: flags.get('gateway-url') ?? 'http://127.0.0.1:3000',
    apiKeyFile: flags.get('api-key-file') ?? 'tmp/demo-api-key',
    namespace,
    databasePrefix: flags.get('database-prefix') ?? 'hub',
    postgresUrl: env['POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432',
    natsUrl: env['NATS_URL'] || 'nats://127.0.0.1:4222',
  };
}
