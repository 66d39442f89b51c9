import { Streams } from '@credit-hub/contracts';
import { ensureStreams } from '@credit-hub/messaging';
import { Command } from 'commander';
import { ConsumerInfo, JetStreamManager, NatsConnection, StreamInfo } from 'nats';
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
Exit codes: 0 ok; 1 a hub stream is missing; 3 NATS unreachable.`,
    )
    .action((options: { all?: boolean; json?: boolean }) => run(() => streamsInfo(options, output)));

  streams
    .command('ensure')
    .description('create the hub streams if missing (as the services do at boot), with --replicas on a cluster')
    .option('--replicas <n>', 'replicas of each stream (3 on the deploy/nats cluster)', '1')
    .option('--json', 'print the streams after as a JSON array')
    .addHelpText(
      'after',
      `
The services create the streams at boot with 1 replica (libs/messaging ensureStreams). On a 3-node
cluster run this once before the first deployment (a Kubernetes Job in deploy/k8s does) so the
streams exist with 3 replicas; an existing stream with another replica count is updated to --replicas.
Exit codes: 0 ok; 3 NATS unreachable or the server refused.`,
    )
    .action((options: { replicas: string; json?: boolean }) => run(() => streamsEnsure(options, output)));
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
      lines.push(`${r.name}: MISSING (the services create it at boot; or npm run ops -- streams ensure)`);
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

async function streamsEnsure(options: { replicas: string; json?: boolean }, output: Output): Promise<number> {
  const replicas = parsePositiveInteger('--replicas', options.replicas);
  const reports = await withNats(async (nc) => {
    await ensureStreams(nc, hubStreams(), replicas);
    const jsm = await nc.jetstreamManager();
    for (const definition of hubStreams()) {
      const info = await jsm.streams.info(definition.name);
      if (info.config.num_replicas !== replicas) {
        output.err(`${definition.name}: ${info.config.num_replicas} → ${replicas} replicas`);
        await jsm.streams.update(definition.name, { ...info.config, num_replicas: replicas });
      }
    }
    const list: StreamReport[] = [];
    for (const definition of hubStreams()) list.push(await streamReport(jsm, definition.name));
    return list;
  });
  if (options.json) output.out(JSON.stringify(reports));
  else for (const line of renderStreams(reports)) output.out(line);
  return ExitCode.ok;
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; message?: string; api_error?: { err_code?: number } };
  return e.api_error?.err_code === 10059 || e.code === '404' || /not found/i.test(e.message ?? '');
}
