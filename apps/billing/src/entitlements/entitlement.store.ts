import { Caps, EntitlementEventSubjects, EntitlementsChangedV1, EntitlementState, SubscriptionStatus } from '@credit-hub/contracts';
import { Queryable, writeOutbox } from '@credit-hub/messaging';
import { isoOf } from '../stripe/stripe-objects';
import { capsOf, entitlementAt, nextCertainChange, stateChanged, SubscriptionFacts } from './entitlement-rules';

/**
 * The `entitlements` projection (one row per domain and customer): the facts of the subscription
 * it derives from, the state last published on `entitlements.events.changed.v1` and its version,
 * the Stripe time it was last evaluated at, and the next boundary (`changes_at`) for the scheduler.
 * Written in the transaction of the subscription's own row (or by the scheduler at a boundary),
 * so the projection and billing's subscriptions never disagree.
 */

/** A row of the projection, times in unix seconds (Stripe's clock). */
export interface EntitlementRow {
  domain: string;
  email: string;
  facts: SubscriptionFacts;
  published: EntitlementState | null;
  version: number;
  /** Stripe time of the last evaluation: later evaluations never go before it. */
  evaluatedAt: number;
  changesAt: number | null;
}

interface Row {
  domain: string;
  email: string;
  subscription_id: string;
  offering_id: string;
  status: SubscriptionStatus;
  trial_end: number | null;
  current_period_end: number | null;
  cancel_at_period_end: boolean;
  grace_ends_at: number | null;
  plan_credits_blocked: boolean;
  published: EntitlementState | null;
  version: number;
  evaluated_at: string | number;
  changes_at: number | null;
}

const epoch = (column: string) => `extract(epoch from ${column})::float8 AS ${column}`;

/** Columns of a projection row, times as unix seconds. */
export const entitlementColumns = [
  'domain', 'email', 'subscription_id', 'offering_id', 'status', epoch('trial_end'), epoch('current_period_end'), 'cancel_at_period_end',
  epoch('grace_ends_at'), 'plan_credits_blocked', 'published', 'version', 'evaluated_at', epoch('changes_at'),
].join(', ');

/** A database row as an EntitlementRow. */
export function toEntitlementRow(row: Row): EntitlementRow {
  return {
    domain: row.domain,
    email: row.email,
    facts: {
      subscriptionId: row.subscription_id,
      offeringId: row.offering_id,
      status: row.status,
      trialEnd: row.trial_end,
      currentPeriodEnd: row.current_period_end,
      cancelAtPeriodEnd: row.cancel_at_period_end,
      graceEndsAt: row.grace_ends_at,
      planCreditsBlocked: row.plan_credits_blocked,
    },
    published: row.published,
    version: row.version,
    evaluatedAt: Number(row.evaluated_at),
    changesAt: row.changes_at,
  };
}

/** The projection row of `email` on `domain` (primary key read), or undefined. */
export async function loadEntitlement(db: Queryable, domain: string, email: string, forUpdate = false): Promise<EntitlementRow | undefined> {
  const rows = (await db.query(`SELECT ${entitlementColumns} FROM entitlements WHERE domain = $1 AND email = $2${forUpdate ? ' FOR UPDATE' : ''}`, [domain, email])) as Row[];
  return rows[0] ? toEntitlementRow(rows[0]) : undefined;
}

/**
 * The subscription the customer's entitlements on `domain` derive from: the newest one still
 * running, else the newest one (bounded to one row by the `subscriptions_customer` index).
 */
export async function currentSubscriptionFacts(db: Queryable, domain: string, email: string): Promise<SubscriptionFacts | undefined> {
  const rows = (await db.query(
    `SELECT id, offering_id, status, ${epoch('trial_end')}, ${epoch('current_period_end')}, cancel_at_period_end, ${epoch('grace_ends_at')}, plan_credits_blocked
       FROM subscriptions WHERE email = $1 AND domain = $2
      ORDER BY (status IN ('canceled', 'incomplete_expired')), created_at DESC, id LIMIT 1`,
    [email, domain],
  )) as { id: string; offering_id: string; status: SubscriptionStatus; trial_end: number | null; current_period_end: number | null; cancel_at_period_end: boolean; grace_ends_at: number | null; plan_credits_blocked: boolean }[];
  const row = rows[0];
  if (!row) return undefined;
  return {
    subscriptionId: row.id,
    offeringId: row.offering_id,
    status: row.status,
    trialEnd: row.trial_end,
    currentPeriodEnd: row.current_period_end,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    graceEndsAt: row.grace_ends_at,
    planCreditsBlocked: row.plan_credits_blocked,
  };
}

/** The caps of `state` on `domain`, read from the catalog tables (write path; the read path caches them). */
async function capsInCatalog(db: Queryable, domain: string, state: EntitlementState): Promise<Caps> {
  const rows = (await db.query(
    `SELECT d.free_caps, o.caps FROM domains d LEFT JOIN offerings o ON o.domain = d.domain AND o.offering_id = $2 WHERE d.domain = $1`,
    [domain, state.offeringId ?? ''],
  )) as { free_caps: Caps; caps: Caps | null }[];
  const row = rows[0];
  return capsOf(state, { freeCaps: row?.free_caps ?? {}, planCaps: () => row?.caps ?? {} });
}

/**
 * Brings the projection row of `email` on `domain` to `facts` evaluated at Stripe time `now`
 * (never before the row's last evaluation), inside the caller's transaction: locks the row,
 * publishes `entitlements.events.changed.v1` (through the outbox) when the state differs from the
 * one published last, and stores the next certain boundary. `effectiveAt`: when the change took
 * effect, if earlier than `now` (a boundary the scheduler found passed). Returns the published
 * message, or undefined when nothing visible changed.
 */
export async function settleEntitlement(
  db: Queryable, domain: string, email: string, facts: SubscriptionFacts, now: number, effectiveAt?: number,
): Promise<EntitlementsChangedV1 | undefined> {
  await db.query(
    `INSERT INTO entitlements (domain, email, subscription_id, offering_id, status, cancel_at_period_end, plan_credits_blocked)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (domain, email) DO NOTHING`,
    [domain, email, facts.subscriptionId, facts.offeringId, facts.status, facts.cancelAtPeriodEnd, facts.planCreditsBlocked],
  );
  const row = (await loadEntitlement(db, domain, email, true)) as EntitlementRow;
  const at = Math.max(now, row.evaluatedAt);
  const state = entitlementAt(facts, at);
  const next = nextCertainChange(facts, at);
  const changed = stateChanged(row.published, state);
  const version = changed ? row.version + 1 : row.version;
  let message: EntitlementsChangedV1 | undefined;
  if (changed) {
    message = {
      email, domain, version, ...state, previous: row.published, caps: await capsInCatalog(db, domain, state), subscriptionId: facts.subscriptionId,
      at: isoOf(Math.min(at, effectiveAt ?? at)),
    };
    await writeOutbox(db, [{ messageId: `entitlements:${domain}:${email}:${version}`, subject: EntitlementEventSubjects.changed, payload: message }]);
  }
  await db.query(
    `UPDATE entitlements SET subscription_id = $3, offering_id = $4, status = $5, trial_end = to_timestamp($6), current_period_end = to_timestamp($7),
       cancel_at_period_end = $8, grace_ends_at = to_timestamp($9), plan_credits_blocked = $10, published = $11::jsonb, version = $12,
       evaluated_at = $13, changes_at = to_timestamp($14), updated_at = now()
     WHERE domain = $1 AND email = $2`,
    [
      domain, email, facts.subscriptionId, facts.offeringId, facts.status, facts.trialEnd, facts.currentPeriodEnd, facts.cancelAtPeriodEnd,
      facts.graceEndsAt, facts.planCreditsBlocked, JSON.stringify(state), version, Math.floor(at), next?.at ?? null,
    ],
  );
  return message;
}

/**
 * After a subscription of `email` on `domain` was written (same transaction): re-derives the
 * customer's entitlements from their current subscription at Stripe time `now`.
 */
export async function projectEntitlement(db: Queryable, domain: string, email: string, now: number): Promise<void> {
  const facts = await currentSubscriptionFacts(db, domain, email);
  if (facts) await settleEntitlement(db, domain, email, facts, now);
}
