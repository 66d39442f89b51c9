import { Verdict } from './checks';
import { call } from './http';
import { Load } from './load';
import { HubSystem } from './system';

/**
 * What the load's own records must agree with at the end of a fault run: every acknowledged
 * consume is in the ledger with the event id the client was given (none lost), no consume took
 * effect twice or without being acknowledged, every client saw only well-formed answers, every
 * delivered purchase was credited once, and every refund ended exactly once.
 */

/** Acknowledged consumes are in the ledger with their answer's event id; refused ones are not; none twice. */
export async function consumeVerdict(system: HubSystem, load: Load, runId: string): Promise<Verdict> {
  const rows = await system.query<{ reference_id: string; event_id: string }>(
    'ledger',
    `SELECT reference_id, event_id::text AS event_id FROM ledger_consumptions WHERE reference_id LIKE $1`,
    [`${runId}-w%`],
  );
  const recorded = new Map(rows.map((r) => [r.reference_id, r.event_id]));
  const events = await system.query<{ reference_id: string; n: string }>(
    'ledger',
    `SELECT data->>'referenceId' AS reference_id, count(*)::text AS n FROM ledger_events
      WHERE type = 'CreditsConsumed' AND data->>'referenceId' LIKE $1 GROUP BY 1`,
    [`${runId}-w%`],
  );
  const eventsPerReference = new Map(events.map((r) => [r.reference_id, Number(r.n)]));
  let lost = 0;
  let wrongEvent = 0;
  let appliedTwice = 0;
  let effectWithoutAcknowledgement = 0;
  const failures: string[] = [];
  for (const record of load.consumes.values()) {
    const eventId = recorded.get(record.referenceId);
    const count = eventsPerReference.get(record.referenceId) ?? 0;
    if (count > 1) appliedTwice++;
    if (record.state === 'acknowledged') {
      if (!eventId || count === 0) lost++;
      else if (eventId !== record.eventId) wrongEvent++;
    } else if (eventId || count > 0) {
      effectWithoutAcknowledgement++;
    }
  }
  const unknown = [...eventsPerReference.keys()].filter((reference) => !load.consumes.has(reference)).length;
  if (lost > 0) failures.push(`${lost} acknowledged consumes are not in the ledger`);
  if (wrongEvent > 0) failures.push(`${wrongEvent} acknowledged consumes have another event id in the ledger`);
  if (appliedTwice > 0) failures.push(`${appliedTwice} referenceIds have more than one CreditsConsumed event`);
  if (effectWithoutAcknowledgement > 0) failures.push(`${effectWithoutAcknowledgement} consumes took effect though the client's last answer refused them or never came`);
  if (unknown > 0) failures.push(`${unknown} consumed referenceIds were never sent by the load`);
  const open = load.open().length;
  if (open > 0) failures.push(`${open} consumes still had no definitive answer after the fault ended`);
  const acknowledged = load.acknowledged().length;
  return {
    name: '0 acknowledged consumes lost, 0 applied twice',
    ok: failures.length === 0,
    figures: { sent: load.consumes.size, acknowledged, refused: load.consumes.size - acknowledged - open, open, lost, appliedTwice, effectWithoutAcknowledgement },
    failures,
  };
}

/** Each load customer's ledger balance = what they bought − what the client was told they spent. */
export async function balanceVerdict(system: HubSystem, load: Load, customers: string[]): Promise<Verdict> {
  const spent = new Map<string, number>();
  for (const record of load.acknowledged()) spent.set(record.email, (spent.get(record.email) ?? 0) + record.credits);
  const failures: string[] = [];
  for (const email of customers) {
    const [account] = await system.query<{ balance: string }>('ledger', 'SELECT balance::text AS balance FROM ledger_accounts WHERE stream_id = $1', [`account-${email}`]);
    const [bought] = await system.query<{ credits: string }>(
      'ledger',
      `SELECT coalesce(sum((data->>'credits')::bigint), 0)::text AS credits FROM ledger_events WHERE stream_id = $1 AND type = 'CreditsPurchased'`,
      [`account-${email}`],
    );
    const expected = Number(bought?.credits ?? 0) - (spent.get(email) ?? 0);
    if (Number(account?.balance ?? 0) !== expected) failures.push(`${email}: balance ${account?.balance ?? 'none'}, expected ${expected}`);
  }
  return { name: "every load customer's balance = bought − acknowledged", ok: failures.length === 0, figures: { customers: customers.length }, failures };
}

/** What the clients saw: never a 500, never a hang past the timeout, every error problem+json, every 503 with Retry-After. */
export function answersVerdict(load: Load): Verdict {
  const byKind: Record<string, number> = {};
  for (const anomaly of load.anomalies) byKind[anomaly.kind] = (byKind[anomaly.kind] ?? 0) + 1;
  return {
    name: 'clients got only 2xx, 4xx refusals or 503 with Retry-After (no 500, no hang)',
    ok: load.anomalies.length === 0,
    figures: { outcomes: load.outcomes, anomalies: byKind },
    failures: groupAnomalies(load),
  };
}

/** Anomalies grouped by kind, route and status: count, time span, and the first one's body. */
function groupAnomalies(load: Load): string[] {
  const groups = new Map<string, { count: number; firstMs: number; lastMs: number; detail: string }>();
  for (const a of load.anomalies) {
    const key = `${a.kind} on ${a.what}: ${a.status}`;
    const group = groups.get(key) ?? { count: 0, firstMs: a.atMs, lastMs: a.atMs, detail: a.detail };
    group.count++;
    group.lastMs = a.atMs;
    groups.set(key, group);
  }
  return [...groups].map(([key, g]) => `${g.count}× ${key} (${(g.firstMs / 1000).toFixed(1)}–${(g.lastMs / 1000).toFixed(1)} s), e.g. ${g.detail.slice(0, 160)}`);
}

/** Every purchase whose webhook was acknowledged is credited exactly once. */
export async function purchaseVerdict(system: HubSystem, load: Load): Promise<Verdict> {
  const failures: string[] = [];
  const delivered = load.purchases.filter((p) => p.delivered && p.sessionId);
  const credited = await system.query<{ session: string; n: string }>(
    'ledger',
    `SELECT data->>'checkoutSessionId' AS session, count(*)::text AS n FROM ledger_events WHERE type = 'CreditsPurchased' GROUP BY 1`,
  );
  const perSession = new Map(credited.map((r) => [r.session, Number(r.n)]));
  const missing = delivered.filter((p) => !perSession.has(p.sessionId as string)).length;
  const twice = credited.filter((r) => Number(r.n) > 1).length;
  if (missing > 0) failures.push(`${missing} purchases acknowledged by the webhook endpoint were never credited`);
  if (twice > 0) failures.push(`${twice} checkout sessions were credited more than once`);
  return {
    name: 'every acknowledged purchase credited exactly once',
    ok: failures.length === 0,
    figures: { attempted: load.purchases.length, delivered: delivered.length, missing, creditedTwice: twice },
    failures,
  };
}

interface RefundRow {
  id: string;
  email: string;
  kind: 'credits' | 'money';
  status: string;
  credits_refunded: number;
  money_refunded_minor: number | null;
  stripe_refund_id: string | null;
}

/** Statuses a refund request never leaves. */
export const refundTerminalStatuses = ['completed', 'compensated', 'rejected', 'denied'];

/** The stand-in's refunds (Stripe's view), with the refund request id each was made for. */
export async function standinRefunds(system: HubSystem): Promise<{ id: string; refundRequestId: string | undefined; amount: number }[]> {
  const all: { id: string; refundRequestId: string | undefined; amount: number }[] = [];
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const answer = await call(system.urls.standin, 'GET', `/v1/refunds?limit=100${after ? `&starting_after=${after}` : ''}`, {
      headers: { authorization: 'Bearer sk_test_local_standin' },
    });
    const data = (answer.body?.data ?? []) as { id: string; amount: number; metadata?: Record<string, string> }[];
    for (const refund of data) all.push({ id: refund.id, refundRequestId: refund.metadata?.['refundRequestId'], amount: refund.amount });
    if (!answer.body?.has_more || data.length === 0) break;
    after = data[data.length - 1]?.id;
  }
  return all;
}

/**
 * Every refund request of the run ended (after `timeoutMs`), exactly once: a completed credit
 * refund's credits equal the ledger's ConsumptionRefunded for it; a completed money refund has
 * one PurchaseRefunded and one Stripe refund; a compensated one has its credits back.
 */
export async function refundVerdict(system: HubSystem, emailLike: string, timeoutMs: number): Promise<Verdict> {
  const deadline = Date.now() + timeoutMs;
  let rows: RefundRow[] = [];
  for (;;) {
    rows = await system.query<RefundRow>(
      'refunds',
      `SELECT id::text AS id, email, kind, status, credits_refunded, money_refunded_minor, stripe_refund_id FROM refund_requests WHERE email LIKE $1`,
      [emailLike],
    );
    if (rows.every((r) => refundTerminalStatuses.includes(r.status)) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const failures: string[] = [];
  const ledger = await system.query<{ request: string; type: string; credits: string; n: string }>(
    'ledger',
    `SELECT data->>'refundRequestId' AS request, type, sum((data->>'credits')::bigint)::text AS credits, count(*)::text AS n
       FROM ledger_events WHERE type IN ('ConsumptionRefunded', 'PurchaseRefunded', 'PurchaseRefundReverted') GROUP BY 1, 2`,
  );
  const ledgerOf = (request: string, type: string) => ledger.find((r) => r.request === request && r.type === type);
  const stripe = await standinRefunds(system);
  const statuses: Record<string, number> = {};
  for (const row of rows) {
    statuses[`${row.kind} ${row.status}`] = (statuses[`${row.kind} ${row.status}`] ?? 0) + 1;
    if (!refundTerminalStatuses.includes(row.status)) failures.push(`refund ${row.id} (${row.kind}) still ${row.status} after ${timeoutMs} ms`);
    const stripeRefunds = stripe.filter((r) => r.refundRequestId === row.id);
    if (stripeRefunds.length > 1) failures.push(`refund ${row.id}: ${stripeRefunds.length} Stripe refunds`);
    if (row.kind === 'credits' && row.status === 'completed') {
      const refunded = Number(ledgerOf(row.id, 'ConsumptionRefunded')?.credits ?? 0);
      if (refunded !== row.credits_refunded) failures.push(`refund ${row.id}: ${row.credits_refunded} credits recorded, the ledger refunded ${refunded}`);
    }
    if (row.kind === 'money') {
      const removed = ledgerOf(row.id, 'PurchaseRefunded');
      const reverted = ledgerOf(row.id, 'PurchaseRefundReverted');
      if (Number(removed?.n ?? 0) > 1) failures.push(`refund ${row.id}: ${removed?.n} PurchaseRefunded events`);
      if (row.status === 'completed' && Number(removed?.n ?? 0) !== 1) failures.push(`refund ${row.id}: completed without one PurchaseRefunded`);
      if (row.status === 'completed' && (row.money_refunded_minor ?? 0) > 0 && stripeRefunds.length !== 1) failures.push(`refund ${row.id}: completed with ${stripeRefunds.length} Stripe refunds`);
      if (row.status === 'compensated' && Number(reverted?.n ?? 0) !== 1) failures.push(`refund ${row.id}: compensated without one PurchaseRefundReverted`);
      if (row.status === 'compensated' && stripeRefunds.length > 0) failures.push(`refund ${row.id}: compensated although Stripe refunded`);
    }
  }
  return { name: 'every refund finished exactly once', ok: failures.length === 0, figures: { requests: rows.length, statuses, stripeRefunds: stripe.length }, failures };
}
