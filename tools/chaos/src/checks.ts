import { connect } from 'nats';
import { HubSystem } from './system';

/**
 * The end-of-run comparisons of a fault run: every event id in PostgreSQL reached every
 * consumer's effect exactly once, the analytics read model sums to the ledger's, outboxes are
 * drained, streams hold each event once, consumers caught up, and the projections equal the replay.
 * Each check returns figures plus a list of failures (empty: the check holds).
 */

/** A ledger event as the comparisons need it. */
interface EventRow {
  event_id: string;
  type: string;
  domain: string | null;
  credits: string | null;
}

/** Which ledger events a consumer's inbox must hold: the consumer's own reading of the stream. */
interface ConsumerExpectation {
  /** Display name. */
  name: string;
  database: 'analytics' | 'refunds';
  /** The consumer's name in its inbox table. */
  inbox: string;
  wants: (event: EventRow) => boolean;
}

/**
 * The consumers of stream LEDGER and what each one records in its inbox (see each consumer):
 * feedback-analytics claims every event (known types projected, unknown ones ignored). The refunds
 * service reads no stream: it asks the ledger (`ledger.queries.get-refundable.v1`).
 */
const ledgerConsumers: ConsumerExpectation[] = [
  { name: 'feedback-analytics', database: 'analytics', inbox: 'feedback-analytics', wants: () => true },
];

/** Per event type: events in the ledger the consumer must have, what its inbox has, and the gaps. */
export interface TypeCoverage {
  expected: number;
  delivered: number;
  missing: number;
}

export interface ConsumerCoverage {
  consumer: string;
  byType: Record<string, TypeCoverage>;
  /** Inbox ids that are no ledger event at all. */
  unknownIds: number;
  failures: string[];
}

export interface Verdict {
  name: string;
  ok: boolean;
  figures: Record<string, unknown>;
  failures: string[];
}

async function ledgerEvents(system: HubSystem): Promise<EventRow[]> {
  return system.query<EventRow>(
    'ledger',
    `SELECT event_id::text AS event_id, type, data->>'domain' AS domain, data->>'credits' AS credits FROM ledger_events ORDER BY position`,
  );
}

/** Ledger events vs the inbox of each LEDGER consumer, per event type. */
export async function consumerCoverage(system: HubSystem): Promise<ConsumerCoverage[]> {
  const events = await ledgerEvents(system);
  const known = new Set(events.map((event) => event.event_id));
  const results: ConsumerCoverage[] = [];
  for (const consumer of ledgerConsumers) {
    const inbox = new Set(
      (await system.query<{ id: string }>(consumer.database, 'SELECT message_id AS id FROM inbox WHERE consumer = $1', [consumer.inbox])).map((r) => r.id),
    );
    const byType: Record<string, TypeCoverage> = {};
    for (const event of events) {
      if (!consumer.wants(event)) continue;
      const entry = (byType[event.type] ??= { expected: 0, delivered: 0, missing: 0 });
      entry.expected++;
      if (inbox.has(event.event_id)) entry.delivered++;
      else entry.missing++;
    }
    const unknown = [...inbox].filter((id) => !known.has(id));
    const unknownIds = unknown.length;
    const failures = Object.entries(byType)
      .filter(([, c]) => c.missing > 0)
      .map(([type, c]) => `${consumer.name}: ${c.missing} of ${c.expected} ${type} events never reached its inbox`);
    if (unknownIds > 0) failures.push(`${consumer.name}: ${unknownIds} inbox ids are no ledger event (${unknown.slice(0, 3).join(', ')})`);
    results.push({ consumer: consumer.name, byType, unknownIds, failures });
  }
  // BILLING → ledger: every payment billing recorded reached the ledger's payments inbox.
  const payments = (await system.query<{ id: string }>('billing', `SELECT message_id AS id FROM outbox WHERE subject LIKE '%billing.events.payment-succeeded.v1'`)).map((r) => r.id);
  const ledgerInbox = new Set((await system.query<{ id: string }>('ledger', `SELECT message_id AS id FROM inbox WHERE consumer = 'ledger-payments'`)).map((r) => r.id));
  const missingPayments = payments.filter((id) => !ledgerInbox.has(id)).length;
  results.push({
    consumer: 'ledger (payments from BILLING)',
    byType: { PaymentSucceeded: { expected: payments.length, delivered: payments.length - missingPayments, missing: missingPayments } },
    unknownIds: [...ledgerInbox].filter((id) => !payments.includes(id)).length,
    failures: missingPayments > 0 ? [`ledger: ${missingPayments} of ${payments.length} payments never reached its inbox`] : [],
  });
  return results;
}

/** Effects applied once: the read models' sums equal the ledger's, per domain. */
export async function effectTotals(system: HubSystem): Promise<Verdict> {
  const failures: string[] = [];
  const ledgerUsage = await system.query<{ domain: string; credits: string; n: string }>(
    'ledger',
    `SELECT data->>'domain' AS domain, sum((data->>'credits')::bigint)::text AS credits, count(*)::text AS n
       FROM ledger_events WHERE type = 'CreditsConsumed' GROUP BY 1 ORDER BY 1`,
  );
  const analyticsUsage = await system.query<{ domain: string; credits: string; n: string }>(
    'analytics',
    `SELECT domain, sum(credits_consumed)::text AS credits, sum(consumptions)::text AS n FROM usage_daily GROUP BY 1 ORDER BY 1`,
  );
  compareByDomain('usage', ledgerUsage, analyticsUsage, failures);
  const ledgerPurchases = await system.query<{ domain: string; credits: string; n: string }>(
    'ledger',
    `SELECT data->>'domain' AS domain, sum((data->>'credits')::bigint)::text AS credits, count(*)::text AS n
       FROM ledger_events WHERE type = 'CreditsPurchased' GROUP BY 1 ORDER BY 1`,
  );
  const analyticsPurchases = await system.query<{ domain: string; credits: string; n: string }>(
    'analytics',
    `SELECT domain, sum(credits_purchased)::text AS credits, sum(purchases)::text AS n FROM purchases_daily GROUP BY 1 ORDER BY 1`,
  );
  compareByDomain('purchases', ledgerPurchases, analyticsPurchases, failures);
  // The refunds service keeps no copy of the ledger's consumptions: it asks the ledger.
  return {
    name: 'read models equal the ledger',
    ok: failures.length === 0,
    figures: { ledgerUsage, analyticsUsage, ledgerPurchases, analyticsPurchases },
    failures,
  };
}

function compareByDomain(what: string, ledger: { domain: string; credits: string; n: string }[], analytics: { domain: string; credits: string; n: string }[], failures: string[]): void {
  const domains = new Set([...ledger, ...analytics].map((r) => r.domain));
  for (const domain of domains) {
    const l = ledger.find((r) => r.domain === domain);
    const a = analytics.find((r) => r.domain === domain);
    if (l?.credits !== a?.credits || l?.n !== a?.n) {
      failures.push(`${what} of ${domain}: ledger ${l?.credits ?? 0} credits in ${l?.n ?? 0} events, analytics ${a?.credits ?? 0} in ${a?.n ?? 0}`);
    }
  }
}

/** Unpublished outbox rows of each service that has an outbox. */
export async function outboxBacklog(system: HubSystem): Promise<Record<string, number>> {
  const backlog: Record<string, number> = {};
  for (const database of ['ledger', 'billing', 'refunds'] as const) {
    backlog[database] = await system.count(database, 'SELECT count(*) FROM outbox WHERE published_at IS NULL').catch(() => -1);
  }
  return backlog;
}

/** Polls until every outbox is drained; returns the time it took, or undefined after `timeoutMs`. */
export async function waitOutboxDrained(system: HubSystem, timeoutMs: number): Promise<{ drainedAfterMs: number | undefined; backlog: Record<string, number> }> {
  const started = Date.now();
  let backlog = await outboxBacklog(system);
  while (Object.values(backlog).some((n) => n !== 0)) {
    if (Date.now() - started > timeoutMs) return { drainedAfterMs: undefined, backlog };
    await new Promise((resolve) => setTimeout(resolve, 250));
    backlog = await outboxBacklog(system);
  }
  return { drainedAfterMs: Date.now() - started, backlog };
}

/** Streams hold each outbox row once, and every durable consumer has nothing left to read. */
export async function streamsAndConsumers(system: HubSystem): Promise<Verdict> {
  const failures: string[] = [];
  const figures: Record<string, unknown> = {};
  const nc = await connect({ servers: system.started.natsUrl, timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    for (const [stream, database] of [['LEDGER', 'ledger'], ['BILLING', 'billing'], ['REFUNDS', 'refunds']] as const) {
      const rows = await system.count(database, 'SELECT count(*) FROM outbox').catch(() => 0);
      const info = await jsm.streams.info(system.stream(stream)).catch(() => undefined);
      const messages = info?.state.messages ?? 0;
      figures[`${stream} messages / outbox rows`] = `${messages} / ${rows}`;
      if (messages !== rows) failures.push(`stream ${stream} holds ${messages} messages for ${rows} outbox rows`);
      for await (const consumer of jsm.consumers.list(system.stream(stream))) {
        figures[`${stream} consumer ${consumer.name} pending / ack pending`] = `${consumer.num_pending} / ${consumer.num_ack_pending}`;
        if (consumer.num_pending > 0 || consumer.num_ack_pending > 0) {
          failures.push(`consumer ${consumer.name} on ${stream} has ${consumer.num_pending} pending and ${consumer.num_ack_pending} unacknowledged`);
        }
      }
    }
  } finally {
    await nc.close();
  }
  return { name: 'streams hold each event once; consumers caught up', ok: failures.length === 0, figures, failures };
}

/** The replay's dry run: every projection equals the fold of its events, no invariant broken. */
export async function replayVerdict(system: HubSystem): Promise<Verdict> {
  const { code, report, stderr } = await system.replayDryRun();
  const failures: string[] = [];
  if (!report) failures.push(`replay printed no report (exit ${String(code)}): ${stderr.slice(0, 300)}`);
  else {
    for (const d of report.differences.slice(0, 10)) failures.push(`replay: ${d.streamId} differs in ${d.table}: ${d.detail}`);
    for (const v of report.violations.slice(0, 10)) failures.push(`replay: invariant broken for ${v.streamId}: ${v.detail}`);
    if (report.differences.length > 10 || report.violations.length > 10) failures.push(`replay: ${report.differences.length} differences, ${report.violations.length} violations in all`);
  }
  if (code !== 0 && failures.length === 0) failures.push(`replay exited ${String(code)}`);
  return {
    name: 'projection = replay for every account',
    ok: failures.length === 0,
    figures: { events: report?.events, accounts: report?.accounts, differences: report?.differences.length, violations: report?.violations.length },
    failures,
  };
}

/** Versions are gapless and start at 1 in every stream (no partial append survived). */
export async function noPartialState(system: HubSystem): Promise<Verdict> {
  const gaps = await system.count(
    'ledger',
    `SELECT count(*) FROM (SELECT stream_id, max(version) AS top, count(*) AS n, min(version) AS low FROM ledger_events GROUP BY stream_id) s
      WHERE top <> n OR low <> 1`,
  );
  const accountsBehind = await system.count(
    'ledger',
    `SELECT count(*) FROM ledger_accounts a
       JOIN (SELECT stream_id, max(version) AS top FROM ledger_events GROUP BY stream_id) e USING (stream_id)
      WHERE a.version <> e.top`,
  );
  const outboxWithoutEvent = await system.count('ledger', `SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM ledger_events e WHERE e.event_id::text = o.message_id)`);
  const eventWithoutOutbox = await system.count('ledger', `SELECT count(*) FROM ledger_events e WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = e.event_id::text)`);
  const failures: string[] = [];
  if (gaps > 0) failures.push(`${gaps} streams have a version gap`);
  if (accountsBehind > 0) failures.push(`${accountsBehind} accounts' projected version differs from their last event`);
  if (outboxWithoutEvent > 0) failures.push(`${outboxWithoutEvent} outbox rows name no event`);
  if (eventWithoutOutbox > 0) failures.push(`${eventWithoutOutbox} events have no outbox row`);
  return { name: 'no partial state', ok: failures.length === 0, figures: { gaps, accountsBehind, outboxWithoutEvent, eventWithoutOutbox }, failures };
}

/** Every comparison of the end of a run, after waiting for outboxes and consumers to settle. */
export async function settleAndCompare(system: HubSystem, settleTimeoutMs = 30_000): Promise<{ drainedAfterMs: number | undefined; verdicts: Verdict[] }> {
  const drained = await waitOutboxDrained(system, settleTimeoutMs);
  // Consumers need a moment after the last publish: poll until they have nothing pending.
  const deadline = Date.now() + settleTimeoutMs;
  let streams = await streamsAndConsumers(system);
  while (!streams.ok && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    streams = await streamsAndConsumers(system);
  }
  const coverage = await consumerCoverage(system);
  const verdicts: Verdict[] = [
    {
      name: `outbox drained within ${settleTimeoutMs / 1000} s of the end`,
      ok: drained.drainedAfterMs !== undefined,
      figures: { drainedAfterMs: drained.drainedAfterMs, backlog: drained.backlog },
      failures: drained.drainedAfterMs === undefined ? [`outbox backlog after ${settleTimeoutMs} ms: ${JSON.stringify(drained.backlog)}`] : [],
    },
    streams,
    {
      name: 'every event reached every consumer exactly once',
      ok: coverage.every((c) => c.failures.length === 0),
      figures: Object.fromEntries(coverage.map((c) => [c.consumer, c.byType])),
      failures: coverage.flatMap((c) => c.failures),
    },
    await effectTotals(system),
    await noPartialState(system),
    await replayVerdict(system),
  ];
  return { drainedAfterMs: drained.drainedAfterMs, verdicts };
}
