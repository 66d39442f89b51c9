import { EntityManager } from 'typeorm';
import { SubscriptionStatus, SubscriptionView } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { projectEntitlement } from '../entitlements';
import { isoOf } from '../stripe/stripe-objects';
import { PlanTerms, statusRanks, SubscriptionState } from './subscription-state';

/** Billing's row of a subscription, times in unix seconds (Stripe's clock). */
export interface SubscriptionRecord extends SubscriptionState {
  id: string;
  customerId: string;
  terms: PlanTerms;
  checkoutSessionId: string | null;
  graceEndsAt: number | null;
  planCreditsBlocked: boolean;
  trialWillEndAt: number | null;
  /** The connected account the subscription lives on (null: the platform's own account). */
  connectedAccountId: string | null;
}

interface SubscriptionRow {
  id: string;
  customer_id: string;
  email: string;
  domain: string;
  offering_id: string;
  credits_per_period: number;
  rollover: boolean;
  amount_minor: number;
  currency: string;
  interval: 'month' | 'year';
  checkout_session_id: string | null;
  status: SubscriptionStatus;
  trial_start: number | null;
  trial_end: number | null;
  current_period_start: number | null;
  current_period_end: number | null;
  cancel_at_period_end: boolean;
  ended_at: number | null;
  grace_ends_at: number | null;
  plan_credits_blocked: boolean;
  trial_will_end_at: number | null;
  last_event_created: number;
  connected_account_id: string | null;
}

const epoch = (column: string) => `extract(epoch from ${column})::float8 AS ${column}`;

/** Columns of a subscription row, times as unix seconds (float8 arrives as a JS number). */
export const subscriptionColumns = [
  'id', 'customer_id', 'email', 'domain', 'offering_id', 'credits_per_period', 'rollover', 'amount_minor', 'currency', 'interval',
  'checkout_session_id', 'status', epoch('trial_start'), epoch('trial_end'), epoch('current_period_start'), epoch('current_period_end'),
  'cancel_at_period_end', epoch('ended_at'), epoch('grace_ends_at'), 'plan_credits_blocked', epoch('trial_will_end_at'),
  'last_event_created::float8 AS last_event_created', 'connected_account_id',
].join(', ');

function toRecord(row: SubscriptionRow): SubscriptionRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    terms: {
      domain: row.domain,
      offeringId: row.offering_id,
      email: row.email,
      creditsPerPeriod: row.credits_per_period,
      rollover: row.rollover,
      amountMinor: row.amount_minor,
      currency: row.currency,
      interval: row.interval,
    },
    checkoutSessionId: row.checkout_session_id,
    status: row.status,
    trialStart: row.trial_start,
    trialEnd: row.trial_end,
    currentPeriodStart: row.current_period_start,
    currentPeriodEnd: row.current_period_end,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    endedAt: row.ended_at,
    graceEndsAt: row.grace_ends_at,
    planCreditsBlocked: row.plan_credits_blocked,
    trialWillEndAt: row.trial_will_end_at,
    lastEventCreated: row.last_event_created,
    connectedAccountId: row.connected_account_id,
  };
}

/** The row of `id`, locked for the transaction (`FOR UPDATE`), or undefined. */
export async function loadSubscriptionForUpdate(manager: EntityManager, id: string): Promise<SubscriptionRecord | undefined> {
  const rows: SubscriptionRow[] = await manager.query(`SELECT ${subscriptionColumns} FROM subscriptions WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Subscriptions of `email` on `domain`, newest first (bounded). */
export async function listSubscriptions(db: Queryable, email: string, domain: string): Promise<SubscriptionRecord[]> {
  const rows = (await db.query(
    `SELECT ${subscriptionColumns} FROM subscriptions WHERE email = $1 AND domain = $2 ORDER BY created_at DESC, id LIMIT 100`,
    [email, domain],
  )) as SubscriptionRow[];
  return rows.map(toRecord);
}

/** Inserts or overwrites the row of `record`, and re-derives the customer's entitlements on its domain. */
export async function saveSubscription(manager: EntityManager, record: SubscriptionRecord): Promise<void> {
  const t = record.terms;
  await manager.query(
    `INSERT INTO subscriptions (id, customer_id, email, domain, offering_id, credits_per_period, rollover, amount_minor, currency, interval,
       checkout_session_id, status, status_rank, trial_start, trial_end, current_period_start, current_period_end, cancel_at_period_end,
       ended_at, grace_ends_at, plan_credits_blocked, trial_will_end_at, last_event_created, connected_account_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, to_timestamp($14), to_timestamp($15), to_timestamp($16), to_timestamp($17),
       $18, to_timestamp($19), to_timestamp($20), $21, to_timestamp($22), $23, $24)
     ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, email = EXCLUDED.email, domain = EXCLUDED.domain,
       offering_id = EXCLUDED.offering_id, credits_per_period = EXCLUDED.credits_per_period, rollover = EXCLUDED.rollover,
       amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, interval = EXCLUDED.interval,
       checkout_session_id = EXCLUDED.checkout_session_id, status = EXCLUDED.status, status_rank = EXCLUDED.status_rank,
       trial_start = EXCLUDED.trial_start, trial_end = EXCLUDED.trial_end, current_period_start = EXCLUDED.current_period_start,
       current_period_end = EXCLUDED.current_period_end, cancel_at_period_end = EXCLUDED.cancel_at_period_end,
       ended_at = EXCLUDED.ended_at, grace_ends_at = EXCLUDED.grace_ends_at, plan_credits_blocked = EXCLUDED.plan_credits_blocked,
       trial_will_end_at = EXCLUDED.trial_will_end_at, last_event_created = EXCLUDED.last_event_created, updated_at = now()`,
    [
      record.id, record.customerId, t.email, t.domain, t.offeringId, t.creditsPerPeriod, t.rollover, t.amountMinor, t.currency, t.interval,
      record.checkoutSessionId, record.status, statusRanks[record.status], record.trialStart, record.trialEnd, record.currentPeriodStart,
      record.currentPeriodEnd, record.cancelAtPeriodEnd, record.endedAt, record.graceEndsAt, record.planCreditsBlocked, record.trialWillEndAt,
      record.lastEventCreated, record.connectedAccountId,
    ],
  );
  // The entitlements projection moves in the same transaction; "now" is the newest
  // Stripe time this row has seen (the grace end once its credits are blocked).
  const now = Math.max(record.lastEventCreated, record.planCreditsBlocked && record.graceEndsAt !== null ? record.graceEndsAt : 0);
  await projectEntitlement(manager, t.domain, t.email, now);
}

/** Remembers which of our customers (email) a Stripe customer is. */
export async function rememberCustomer(db: Queryable, customerId: string, email: string): Promise<void> {
  await db.query(`INSERT INTO stripe_customers (customer_id, email) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING`, [customerId, email]);
}

const isoOrNull = (seconds: number | null): string | null => (seconds === null ? null : isoOf(seconds));

/** The API view of a subscription. */
export function subscriptionView(record: SubscriptionRecord): SubscriptionView {
  return {
    subscriptionId: record.id,
    email: record.terms.email,
    domain: record.terms.domain,
    offeringId: record.terms.offeringId,
    status: record.status,
    creditsPerPeriod: record.terms.creditsPerPeriod,
    rollover: record.terms.rollover,
    trialEnd: isoOrNull(record.trialEnd),
    currentPeriodStart: isoOrNull(record.currentPeriodStart),
    currentPeriodEnd: isoOrNull(record.currentPeriodEnd),
    cancelAtPeriodEnd: record.cancelAtPeriodEnd,
    graceEndsAt: isoOrNull(record.graceEndsAt),
    planCreditsBlocked: record.planCreditsBlocked,
    trialWillEndAt: isoOrNull(record.trialWillEndAt),
    endedAt: isoOrNull(record.endedAt),
  };
}
