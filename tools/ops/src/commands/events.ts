import { accountStreamId, LedgerEventEnvelope, LedgerEventType, LedgerEventTypeSubjects, normalizeDomain, Streams } from '@credit-hub/contracts';
import { Command } from 'commander';
import { DeliverPolicy } from 'nats';
import { connectOps } from '../connections';
import { readEnvironment } from '../env';
import { ExitCode, Output, parsePositiveInteger, parseSince, UsageError } from '../output';

interface TailOptions {
  customer?: string;
  domain?: string;
  type?: string[];
  fromStart?: boolean;
  since?: string;
  count?: string;
  json?: boolean;
}

/** One printed event. */
export interface TailLine {
  time: string;
  type: string;
  customer: string | null;
  domain: string | null;
  /** Signed change of the balance (consumed: negative); 0 for events that move no credits. */
  credits: number;
  balanceAfter: number | null;
  streamSeq: number;
  position: number | null;
  eventId: string;
}

/** `ops events tail`: follow the LEDGER stream live through an ephemeral ordered consumer. */
export function eventsCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const events = program.command('events').description('the ledger events on JetStream');
  events
    .command('tail')
    .description('follow LEDGER events live, one line per event: time, type, customer, domain, credits, balance after')
    .option('--customer <email>', "only this customer's account")
    .option('--domain <domain>', 'only events on this domain')
    .option('--type <type>', 'only this event type, e.g. CreditsConsumed (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--from-start', 'start at the first message of the stream instead of new events only')
    .option('--since <time>', 'start at this time (ISO-8601, or an age: 15m, 12h, 3d)')
    .option('--count <n>', 'stop after printing this many events')
    .option('--json', 'one JSON object per line (NDJSON)')
    .addHelpText(
      'after',
      `
Reads through an ephemeral ordered consumer (no durable state on the server, nothing acknowledged: it
disturbs no service). Filters apply to the event body, so every event of the stream is read.
Stops on Ctrl-C (exit 0) or after --count events. "following …" goes to stderr once the consumer is
ready, so scripts can wait for it.
Environment: NATS_URL, HUB_NAMESPACE (NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE on a secured cluster).`,
    )
    .action((options: TailOptions) => run(() => tail(options, output)));
}

async function tail(options: TailOptions, output: Output): Promise<number> {
  const count = options.count === undefined ? undefined : parsePositiveInteger('--count', options.count);
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const streamId = options.customer === undefined ? undefined : accountStreamId(options.customer);
  const domain = options.domain === undefined ? undefined : normalizeDomain(options.domain);
  const types = options.type ? new Set(options.type) : undefined;
  for (const type of types ?? []) {
    if (!Object.hasOwn(LedgerEventTypeSubjects, type)) throw new UsageError(`--type must be one of ${Object.keys(LedgerEventTypeSubjects).join(', ')}`);
  }
  const nc = await connectOps(readEnvironment());
  try {
    const js = nc.jetstream();
    // One --type narrows on the server by subject; otherwise the whole stream (it holds only ledger.events.>).
    // A single filter_subject, not filter_subjects (NATS 2.10+); "from start" as start sequence 1 because
    // nats.js' ordered consumer sends deliver_policy all with opt_start_seq, which NATS 2.9 refuses.
    const only = types !== undefined && types.size === 1 ? LedgerEventTypeSubjects[[...types][0] as LedgerEventType] : undefined;
    const consumer = await js.consumers.get(Streams.ledger.name, {
      name_prefix: 'ops_tail',
      ...(only ? { filterSubjects: only } : {}),
      ...(since
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() }
        : options.fromStart
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 }
          : { deliver_policy: DeliverPolicy.New }),
    });
    const messages = await withTimeout(consumer.consume({ max_messages: 256 }), 10_000, 'creating the ordered consumer');
    const stop = () => void messages.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    output.err(`following ${Streams.ledger.name}${streamId ? ` for ${streamId}` : ''}${domain ? ` on ${domain}` : ''} (Ctrl-C to stop)`);
    let printed = 0;
    for await (const message of messages) {
      let envelope: LedgerEventEnvelope;
      try {
        envelope = JSON.parse(Buffer.from(message.data).toString('utf8')) as LedgerEventEnvelope;
      } catch {
        output.err(`seq ${message.seq}: not JSON, skipped`);
        continue;
      }
      const line = toLine(envelope, message.seq);
      if (streamId !== undefined && envelope.streamId !== streamId) continue;
      if (domain !== undefined && line.domain !== domain) continue;
      if (types !== undefined && !types.has(line.type)) continue;
      output.out(options.json ? JSON.stringify(line) : render(line));
      printed++;
      if (count !== undefined && printed >= count) break;
    }
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    return ExitCode.ok;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The line of one event: signed credits as the history projection computes them. */
export function toLine(envelope: LedgerEventEnvelope, streamSeq: number): TailLine {
  const d = (envelope.data ?? {}) as unknown as Record<string, unknown>;
  const credits = typeof d['credits'] === 'number' ? (d['credits'] as number) : 0;
  let signed = 0;
  switch (envelope.type) {
    case 'CreditsPurchased': case 'CreditsGranted': case 'ConsumptionRefunded': case 'PurchaseRefundReverted':
      signed = credits;
      break;
    case 'CreditsConsumed': case 'CreditsExpired': case 'PurchaseRefunded': case 'ReservationCaptured':
      signed = -credits;
      break;
    case 'CreditsClawedBack':
      signed = -(credits + (typeof d['owedCredits'] === 'number' ? (d['owedCredits'] as number) : 0));
      break;
    default:
      signed = 0;
  }
  const email = typeof d['email'] === 'string' ? (d['email'] as string) : envelope.streamId?.replace(/^account-/, '') ?? null;
  return {
    time: envelope.occurredAt,
    type: envelope.type,
    customer: email,
    domain: typeof d['domain'] === 'string' ? (d['domain'] as string) : null,
    credits: signed,
    balanceAfter: typeof d['balanceAfter'] === 'number' ? (d['balanceAfter'] as number) : null,
    streamSeq,
    position: typeof envelope.position === 'number' ? envelope.position : null,
    eventId: envelope.eventId,
  };
}

function render(line: TailLine): string {
  const credits = line.credits > 0 ? `+${line.credits}` : String(line.credits);
  return [
    line.time,
    line.type.padEnd(22),
    (line.customer ?? '-').padEnd(28),
    (line.domain ?? '-').padEnd(20),
    credits.padStart(8),
    `balance ${line.balanceAfter ?? '-'}`,
  ].join('  ');
}
