import { StreamDefinition, Streams } from '@credit-hub/contracts';
import { confirmWrite } from '@credit-hub/service-kit';
import { Command } from 'commander';
import { ConsumerInfo, DiscardPolicy, JetStreamManager, NatsConnection, RetentionPolicy, StorageType, StreamConfig, StreamInfo } from 'nats';
import { connectOps } from '../connections';
import { readEnvironment } from '../env';
import { ExitCode, humanBytes, Output, parsePositiveInteger } from '../output';

export interface ConsumerReport {
  name: string;
  durable: boolean;
  filterSubject: string | null;
  numPending: number;
  numAckPending: number;
  numRedelivered: number;
  numWaiting: number;
  deliveredStreamSeq: number;
  ackFloorStreamSeq: number;
  leader: string | null;
}

export interface StreamReport {
  name: string;
  found: boolean;
  subjects: string[];
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  firstTime: string | null;
  lastTime: string | null;
  replicas: number;
  storage: string;
  /** Cluster: the leader and each replica's state (current, lag). */
  cluster: { leader: string | null; replicas: { name: string; current: boolean; lag: number | null; offline: boolean }[] } | null;
  consumers: ConsumerReport[];
}

/** `ops streams info|ensure`: the JetStream streams of the hub and their consumers. */
export function streamsCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const streams = program.command('streams').description('the JetStream streams (LEDGER, BILLING, REFUNDS, ENTITLEMENTS) and their consumers');
  streams
    .command('info')
    .description('messages, bytes, first/last sequence, replicas; each consumer with num_pending, num_ack_pending, num_redelivered')
    .option('--all', 'every stream on the server, not only the hub streams of this HUB_NAMESPACE')
    .option('--json', 'print a JSON array')
    .addHelpText(
      'after',
      `
Hub streams: LEDGER, BILLING, REFUNDS, ENTITLEMENTS (with HUB_NAMESPACE=x: LEDGER_X, …). num_pending is what a
consumer has not been delivered yet; num_ack_pending what it holds unacknowledged; num_redelivered
what was delivered more than once (handler failures, ack timeouts).
Environment: NATS_URL (default nats://127.0.0.1:4222), HUB_NAMESPACE; NATS_USER, NATS_PASSWORD and
NATS_TLS_CA_FILE for a secured cluster (deploy/nats: user ops).
Exit codes: 0 ok; 1 a hub stream is missing; 69 NATS unreachable.`,
    )
    .action((options: { all?: boolean; json?: boolean }) => run(() => streamsInfo(options, output)));

  streams
    .command('ensure')
    .description('create the hub streams if missing (as the services do at boot); raise replicas with --replicas; never lowers or changes retention without --force')
    .option('--replicas <n>', 'replicas of each stream (3 on the deploy/nats cluster); default: 1 for a stream it creates, unchanged for one that exists')
    .option('--force', 'also apply changes that can lose redundancy or data: fewer replicas, another retention, discard or storage')
    .option('--dry-run', 'print what it would change, change nothing')
    .option('--yes', 'apply without asking (needed when stdin is not a terminal)')
    .option('--json', 'print the streams after as a JSON array (the plan goes to stderr)')
    .addHelpText(
      'after',
      `
First prints what it would change, stream by stream, then (after --yes or a yes on the terminal) does it:
  - a missing stream is created (file storage, limits retention, discard old, the hub's duplicate window)
    with --replicas (default 1);
  - subjects and the duplicate window are set to the hub's definitions;
  - replicas are raised to --replicas; LOWERED only with --force (fewer copies of every event);
  - retention, discard or storage other than the hub's are changed only with --force.
A change held back for want of --force is listed and the command exits 1 (nothing of it changed).
The services create missing streams at boot with 1 replica. On a 3-node cluster run it once before
the first deployment (a Kubernetes Job in deploy/k8s does, with --yes).
Exit codes: 0 nothing to change, or changed; 1 a change held back (needs --force); 64 usage or no --yes
off a terminal; 69 NATS unreachable; 70 the server refused a change.`,
    )
    .action((options: EnsureOptions) => run(() => streamsEnsure(options, output)));
}

interface EnsureOptions {
  replicas?: string;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** One change `streams ensure` would make to one stream; `needsForce` ones are applied only with --force. */
export interface StreamChange {
  stream: string;
  change: string;
  needsForce: boolean;
}

/** What the hub's definition of a stream sets (libs/messaging ensureStreams creates the same). */
function hubConfig(definition: StreamDefinition, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: definition.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: definition.duplicateWindowNanos,
    num_replicas: replicas,
  };
}

/**
 * The changes that would make `current` (null: missing) match the hub's definition, with
 * `replicas` asked for (undefined: keep the current count). Pure, for the unit tests.
 */
export function planStreamChanges(definition: StreamDefinition, current: StreamConfig | null, replicas: number | undefined): StreamChange[] {
  const stream = definition.name;
  if (current === null) return [{ stream, change: `create with ${replicas ?? 1} replica${(replicas ?? 1) === 1 ? '' : 's'}, subjects ${definition.subjects.join(' ')}`, needsForce: false }];
  const changes: StreamChange[] = [];
  if (current.subjects.join(',') !== definition.subjects.join(',')) changes.push({ stream, change: `subjects ${current.subjects.join(' ')} → ${definition.subjects.join(' ')}`, needsForce: false });
  if (current.duplicate_window !== definition.duplicateWindowNanos) {
    changes.push({ stream, change: `duplicate window ${current.duplicate_window / 1e9} s → ${definition.duplicateWindowNanos / 1e9} s`, needsForce: false });
  }
  if (replicas !== undefined && replicas !== current.num_replicas) {
    const lower = replicas < current.num_replicas;
    changes.push({ stream, change: `replicas ${current.num_replicas} → ${replicas}${lower ? ' (LOWER: fewer copies of every event)' : ''}`, needsForce: lower });
  }
  const target = hubConfig(definition, replicas ?? current.num_replicas);
  for (const field of ['retention', 'discard', 'storage'] as const) {
    if (current[field] !== target[field]) changes.push({ stream, change: `${field} ${String(current[field])} → ${String(target[field])}`, needsForce: true });
  }
  return changes;
}

async function withNats<T>(work: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectOps(readEnvironment());
  try {
    return await work(nc);
  } finally {
    await nc.close().catch(() => undefined);
  }
}

const hubStreams = () => [Streams.ledger, Streams.billing, Streams.refunds, Streams.entitlements];

async function streamsInfo(options: { all?: boolean; json?: boolean }, output: Output): Promise<number> {
  const reports = await withNats(async (nc) => {
    const jsm = await nc.jetstreamManager();
    const names = options.all ? (await jsm.streams.names().next()).sort() : hubStreams().map((s) => s.name);
    const list: StreamReport[] = [];
    for (const name of names) list.push(await streamReport(jsm, name));
    return list;
  });
  if (options.json) output.out(JSON.stringify(reports));
  else for (const line of renderStreams(reports)) output.out(line);
  return reports.some((r) => !r.found) ? ExitCode.found : ExitCode.ok;
}

async function streamReport(jsm: JetStreamManager, name: string): Promise<StreamReport> {
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(name);
  } catch (error) {
    if (isNotFound(error)) {
      return { name, found: false, subjects: [], messages: 0, bytes: 0, firstSeq: 0, lastSeq: 0, firstTime: null, lastTime: null, replicas: 0, storage: '', cluster: null, consumers: [] };
    }
    throw error;
  }
  const consumers: ConsumerInfo[] = await jsm.consumers.list(name).next();
  const s = info.state;
  return {
    name,
    found: true,
    subjects: info.config.subjects ?? [],
    messages: s.messages,
    bytes: s.bytes,
    firstSeq: s.first_seq,
    lastSeq: s.last_seq,
    firstTime: s.messages > 0 ? s.first_ts : null,
    lastTime: s.messages > 0 ? s.last_ts : null,
    replicas: info.config.num_replicas,
    storage: String(info.config.storage),
    cluster: info.cluster
      ? {
          leader: info.cluster.leader ?? null,
          replicas: (info.cluster.replicas ?? []).map((r) => ({ name: r.name, current: r.current, lag: r.lag ?? null, offline: r.offline ?? false })),
        }
      : null,
    consumers: consumers
      .map((c) => ({
        name: c.name,
        durable: Boolean(c.config.durable_name),
        filterSubject: c.config.filter_subject ?? c.config.filter_subjects?.join(',') ?? null,
        numPending: c.num_pending,
        numAckPending: c.num_ack_pending,
        numRedelivered: c.num_redelivered,
        numWaiting: c.num_waiting,
        deliveredStreamSeq: c.delivered.stream_seq,
        ackFloorStreamSeq: c.ack_floor.stream_seq,
        leader: c.cluster?.leader ?? null,
      }))
      .sort((a, b) => Number(b.durable) - Number(a.durable) || a.name.localeCompare(b.name)),
  };
}

function renderStreams(reports: StreamReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    if (!r.found) {
      lines.push(`${r.name}: MISSING (the services create it at boot; or npm run ops -- streams ensure --replicas <n>, which creates it and changes nothing else)`);
      continue;
    }
    const cluster = r.cluster
      ? `, leader ${r.cluster.leader ?? '?'}${r.cluster.replicas.map((p) => `, ${p.name} ${p.offline ? 'OFFLINE' : p.current ? 'current' : `lag ${p.lag ?? '?'}`}`).join('')}`
      : '';
    lines.push(`${r.name} [${r.subjects.join(' ')}]: ${r.messages} messages, ${humanBytes(r.bytes)}, seq ${r.firstSeq}..${r.lastSeq}, ` +
      `last ${r.lastTime ?? '-'}, ${r.replicas} replica${r.replicas === 1 ? '' : 's'} (${r.storage})${cluster}`);
    if (r.consumers.length === 0) lines.push('  no consumers');
    for (const c of r.consumers) {
      lines.push(`  ${c.durable ? 'durable  ' : 'ephemeral'} ${c.name.padEnd(28)} pending ${String(c.numPending).padStart(7)}  ack pending ${String(c.numAckPending).padStart(5)}  ` +
        `redelivered ${String(c.numRedelivered).padStart(5)}  delivered seq ${c.deliveredStreamSeq}, ack floor ${c.ackFloorStreamSeq}`);
    }
  }
  return lines;
}

async function streamsEnsure(options: EnsureOptions, output: Output): Promise<number> {
  const replicas = options.replicas === undefined ? undefined : parsePositiveInteger('--replicas', options.replicas);
  return withNats(async (nc) => {
    const jsm = await nc.jetstreamManager();
    const current = new Map<string, StreamConfig | null>();
    const changes: StreamChange[] = [];
    for (const definition of hubStreams()) {
      let config: StreamConfig | null = null;
      try {
        config = (await jsm.streams.info(definition.name)).config;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      current.set(definition.name, config);
      changes.push(...planStreamChanges(definition, config, replicas));
    }
    const applied = changes.filter((c) => !c.needsForce || options.force);
    const held = changes.filter((c) => c.needsForce && !options.force);
    for (const c of held) output.err(`${c.stream}: NOT changing ${c.change}: needs --force`);
    if (applied.length === 0) output.err(held.length === 0 ? 'streams ensure: nothing to change' : 'streams ensure: nothing else to change');
    else if (options.dryRun) for (const c of applied) output.err(`${c.stream}: would ${c.change} (--dry-run: not changed)`);
    else {
      const stop = await confirmWrite({ command: 'streams ensure', yes: options.yes === true, changes: applied.map((c) => `${c.stream}: ${c.change}`) });
      if (stop !== null) return stop;
      await applyStreamChanges(jsm, applied, current, replicas, options.force === true);
      for (const c of applied) output.err(`${c.stream}: ${c.change}: done`);
    }
    const list: StreamReport[] = [];
    for (const definition of hubStreams()) list.push(await streamReport(jsm, definition.name));
    if (options.json) output.out(JSON.stringify(list));
    else for (const line of renderStreams(list)) output.out(line);
    return held.length > 0 ? ExitCode.found : ExitCode.ok;
  });
}

/** Applies the planned changes: creates missing streams, updates the others (replicas lowered only with `force`). */
async function applyStreamChanges(
  jsm: JetStreamManager,
  applied: StreamChange[],
  current: Map<string, StreamConfig | null>,
  replicas: number | undefined,
  force: boolean,
): Promise<void> {
  for (const definition of hubStreams()) {
    if (!applied.some((c) => c.stream === definition.name)) continue;
    const config = current.get(definition.name) ?? null;
    if (config === null) {
      await jsm.streams.add(hubConfig(definition, replicas ?? 1)).catch((error: Error) => {
        if (!/already in use|exists/i.test(error.message)) throw error; // a service created it meanwhile
      });
      continue;
    }
    const keepReplicas = replicas === undefined || (replicas < config.num_replicas && !force) ? config.num_replicas : replicas;
    await jsm.streams.update(definition.name, {
      ...config,
      subjects: definition.subjects,
      duplicate_window: definition.duplicateWindowNanos,
      ...(force ? hubConfig(definition, keepReplicas) : {}),
      num_replicas: keepReplicas,
    });
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; message?: string; api_error?: { err_code?: number } };
  return e.api_error?.err_code === 10059 || e.code === '404' || /not found/i.test(e.message ?? '');
}
