import {
  RefundCategory,
  RefundEventSubjects,
  RefundEventType,
  RefundEventV1,
  RefundKind,
  RefundRequestView,
  RefundStatus,
} from '@credit-hub/contracts';
import { Queryable, withCorrelationHeader, writeOutbox } from '@credit-hub/messaging';
import { PastRefund } from '../policy/refund-decisions';

/**
 * SQL of refund requests. Every function takes the connection to run on, so callers put several
 * in one transaction. Money: integer minor units; credits: integers.
 */

/** A row of `refund_requests` as pg returns it. */
export interface RefundRequestRow {
  id: string;
  email: string;
  domain: string;
  request_key: string;
  kind: RefundKind;
  status: RefundStatus;
  tried: string;
  did_not_work: string;
  would_bring_back: string;
  category: RefundCategory;
  rating: number | null;
  credits_requested: number;
  credits_refunded: number;
  lot_id: string | null;
  amount_minor: number | null;
  currency: string | null;
  payment_intent_id: string | null;
  money_refunded_minor: number | null;
  stripe_refund_id: string | null;
  review_reason: string | null;
  failure_reason: string | null;
  last_error: string | null;
  attempts: number;
  lease_until: Date | null;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  /** A credit refund's window: the ledger refunds consumptions from this time on (null for money). */
  consumed_since: Date | null;
}

/** A new request as the decision made it. */
export interface NewRefundRequest {
  id: string;
  email: string;
  domain: string;
  requestKey: string;
  kind: RefundKind;
  status: 'requested' | 'held';
  feedback: { tried: string; didNotWork: string; wouldBringBack: string; category: RefundCategory; rating: number | null };
  creditsRequested: number;
  lotId: string | null;
  amountMinor: number | null;
  currency: string | null;
  reviewReason: string | null;
  /** A credit refund's window start (null for money). */
  consumedSince: Date | null;
  now: Date;
  /** The driver's lease (null when nothing is to be driven: held). */
  leaseUntil: Date | null;
}

interface Rows<R> {
  rows: R[];
}

async function rows<R>(db: Queryable, sql: string, parameters: unknown[]): Promise<R[]> {
  return ((await db.query(sql, parameters)) as Rows<R>).rows;
}

/** Class id of the per-customer advisory locks ('RFND'); the second key is hashtext(email|domain). */
const customerLockClass = 0x52464e44;

/**
 * Serialises the refund requests of one customer on one domain until the transaction ends, so
 * concurrent requests see each other's rows (per-window limit, reserved consumptions).
 */
export async function lockCustomer(db: Queryable, email: string, domain: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [customerLockClass, `${email}\u001f${domain}`]);
}

export async function findByKey(db: Queryable, email: string, domain: string, requestKey: string): Promise<RefundRequestRow | undefined> {
  return (await rows<RefundRequestRow>(db, 'SELECT * FROM refund_requests WHERE email = $1 AND domain = $2 AND request_key = $3', [email, domain, requestKey]))[0];
}

export async function findById(db: Queryable, id: string): Promise<RefundRequestRow | undefined> {
  return (await rows<RefundRequestRow>(db, 'SELECT * FROM refund_requests WHERE id = $1', [id]))[0];
}

/**
 * In one round trip: the request made earlier with `requestKey` (a repeat), and the customer's
 * refunds on the domain since `since` (limits and thresholds).
 */
export async function customerRefunds(
  db: Queryable,
  email: string,
  domain: string,
  since: Date,
  requestKey: string,
): Promise<{ earlier: RefundRequestRow | undefined; history: PastRefund[] }> {
  const found = await rows<RefundRequestRow>(
    db,
    'SELECT * FROM refund_requests WHERE email = $1 AND domain = $2 AND (created_at >= $3 OR request_key = $4)',
    [email, domain, since, requestKey],
  );
  return {
    earlier: found.find((r) => r.request_key === requestKey),
    history: found
      .filter((r) => r.created_at >= since)
      .map((r) => ({ createdAtMs: r.created_at.getTime(), status: r.status, kind: r.kind, credits: r.status === 'completed' ? r.credits_refunded : r.credits_requested })),
  };
}

/** The customer's refunds on the domain created since `since` (limits and thresholds). */
export async function pastRefunds(db: Queryable, email: string, domain: string, since: Date): Promise<PastRefund[]> {
  const found = await rows<{ created_at: Date; status: RefundStatus; kind: RefundKind; credits: number }>(
    db,
    `SELECT created_at, status, kind, CASE WHEN status = 'completed' THEN credits_refunded ELSE credits_requested END AS credits
       FROM refund_requests WHERE email = $1 AND domain = $2 AND created_at >= $3`,
    [email, domain, since],
  );
  return found.map((r) => ({ createdAtMs: r.created_at.getTime(), status: r.status, kind: r.kind, credits: r.credits }));
}

/**
 * Records a new request in ONE statement (one round trip, atomic on its own): the row, its first
 * transition and its events in the outbox. The events are built here from the row as it will be
 * stored (its times are `request.now`).
 */
export async function insertRequestWithEffects(db: Queryable, request: NewRefundRequest, events: RefundEventType[]): Promise<RefundRequestRow> {
  const row = newRow(request);
  const outbox = outboxRows(row, events);
  const [stored] = await rows<RefundRequestRow>(
    db,
    `WITH r AS (
       INSERT INTO refund_requests (id, email, domain, request_key, kind, status, tried, did_not_work, would_bring_back, category, rating,
                                    credits_requested, lot_id, amount_minor, currency, review_reason, attempts, lease_until,
                                    next_attempt_at, created_at, updated_at, consumed_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $18, $18, $19)
       RETURNING *
     ), t AS (
       INSERT INTO refund_request_transitions (refund_request_id, from_status, to_status, detail) SELECT id, NULL, status, review_reason FROM r
     ), o AS (
       INSERT INTO outbox (message_id, subject, payload, headers)
       SELECT x.message_id, x.subject, x.payload, x.headers FROM r, unnest($20::text[], $21::text[], $22::jsonb[], $23::jsonb[]) AS x(message_id, subject, payload, headers)
     )
     SELECT * FROM r`,
    [
      request.id, request.email, request.domain, request.requestKey, request.kind, request.status,
      request.feedback.tried, request.feedback.didNotWork, request.feedback.wouldBringBack, request.feedback.category, request.feedback.rating,
      request.creditsRequested, request.lotId, request.amountMinor, request.currency, request.reviewReason, request.leaseUntil, request.now,
      request.consumedSince,
      outbox.map((o) => o.messageId), outbox.map((o) => o.subject), outbox.map((o) => JSON.stringify(o.payload)), outbox.map((o) => JSON.stringify(o.headers)),
    ],
  );
  return stored;
}

/** The row a new request will be once stored (its times are `request.now`). */
function newRow(request: NewRefundRequest): RefundRequestRow {
  return {
    id: request.id, email: request.email, domain: request.domain, request_key: request.requestKey, kind: request.kind, status: request.status,
    tried: request.feedback.tried, did_not_work: request.feedback.didNotWork, would_bring_back: request.feedback.wouldBringBack,
    category: request.feedback.category, rating: request.feedback.rating, credits_requested: request.creditsRequested, credits_refunded: 0,
    lot_id: request.lotId, amount_minor: request.amountMinor, currency: request.currency, payment_intent_id: null, money_refunded_minor: null,
    stripe_refund_id: null, review_reason: request.reviewReason, failure_reason: null, last_error: null, attempts: 1, lease_until: request.leaseUntil,
    next_attempt_at: request.now, created_at: request.now, updated_at: request.now, completed_at: null, consumed_since: request.consumedSince,
  };
}

/**
 * Completes a credit refund in ONE statement (the hot path of the instant refund): `requested →
 * completed` (only from `requested`) with the credits the ledger refunded, its transition, and
 * `RefundCompleted` in the outbox. Returns the completed row, or undefined when another driver
 * finished it first.
 */
export async function completeCreditRefund(db: Queryable, row: RefundRequestRow, creditsRefunded: number, now: Date): Promise<RefundRequestRow | undefined> {
  const completed: RefundRequestRow = { ...row, status: 'completed', credits_refunded: creditsRefunded, lease_until: null, completed_at: now, updated_at: now };
  const [event] = outboxRows(completed, ['RefundCompleted']);
  const [moved] = await rows<RefundRequestRow>(
    db,
    `WITH moved AS (
       UPDATE refund_requests SET status = 'completed', credits_refunded = $2, lease_until = NULL, completed_at = $3, updated_at = $3
        WHERE id = $1 AND status = 'requested' RETURNING *
     ), log AS (
       INSERT INTO refund_request_transitions (refund_request_id, from_status, to_status) SELECT id, 'requested', 'completed' FROM moved
     ), o AS (
       INSERT INTO outbox (message_id, subject, payload, headers) SELECT $4, $5, $6::jsonb, $7::jsonb FROM moved
     )
     SELECT * FROM moved`,
    [row.id, creditsRefunded, now, event.messageId, event.subject, JSON.stringify(event.payload), JSON.stringify(event.headers)],
  );
  return moved;
}

/** Columns a transition may set along with the status. */
export interface TransitionChanges {
  creditsRefunded?: number;
  amountMinor?: number;
  currency?: string;
  paymentIntentId?: string | null;
  moneyRefundedMinor?: number;
  stripeRefundId?: string;
  failureReason?: string;
  /** Keep the lease (the driver goes on to the next step) or release it (finished, or waiting). */
  leaseUntil: Date | null;
  completed?: boolean;
}

/**
 * Moves a request from `from` to `to` (and only from `from`: a driver that lost the race changes
 * nothing and gets undefined), logging the transition.
 */
export async function transition(
  db: Queryable,
  id: string,
  from: RefundStatus,
  to: RefundStatus,
  changes: TransitionChanges,
  detail: string | null = null,
): Promise<RefundRequestRow | undefined> {
  const [row] = await rows<RefundRequestRow>(
    db,
    `UPDATE refund_requests SET status = $3,
            credits_refunded = COALESCE($4, credits_refunded), amount_minor = COALESCE($5, amount_minor),
            currency = COALESCE($6, currency), payment_intent_id = CASE WHEN $7::boolean THEN $8 ELSE payment_intent_id END,
            money_refunded_minor = COALESCE($9, money_refunded_minor), stripe_refund_id = COALESCE($10, stripe_refund_id),
            failure_reason = COALESCE($11, failure_reason), lease_until = $12,
            completed_at = CASE WHEN $13::boolean THEN clock_timestamp() ELSE completed_at END,
            updated_at = clock_timestamp()
      WHERE id = $1 AND status = $2
      RETURNING *`,
    [
      id, from, to, changes.creditsRefunded ?? null, changes.amountMinor ?? null, changes.currency ?? null,
      changes.paymentIntentId !== undefined, changes.paymentIntentId ?? null, changes.moneyRefundedMinor ?? null,
      changes.stripeRefundId ?? null, changes.failureReason ?? null, changes.leaseUntil, changes.completed === true,
    ],
  );
  if (row) await logTransition(db, id, from, to, detail ?? changes.failureReason ?? null);
  return row;
}

/** Releases the lease of a request that must wait, and says when to try again. */
export async function postpone(db: Queryable, id: string, nextAttemptAt: Date, reason: string): Promise<void> {
  await db.query(
    'UPDATE refund_requests SET lease_until = NULL, next_attempt_at = $2, last_error = $3, updated_at = clock_timestamp() WHERE id = $1',
    [id, nextAttemptAt, reason.slice(0, 1000)],
  );
}

/** Claims up to `limit` unfinished requests that are due and owned by nobody; returns their ids. */
export async function claimDue(db: Queryable, limit: number, leaseUntil: Date): Promise<string[]> {
  const found = await rows<{ id: string }>(
    db,
    `UPDATE refund_requests SET lease_until = $2, attempts = attempts + 1
      WHERE id IN (SELECT id FROM refund_requests
                    WHERE status IN ('requested', 'credits_removed', 'stripe_refunded', 'compensating')
                      AND next_attempt_at <= clock_timestamp() AND (lease_until IS NULL OR lease_until < clock_timestamp())
                    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [limit, leaseUntil],
  );
  return found.map((r) => r.id);
}

async function logTransition(db: Queryable, id: string, from: RefundStatus | null, to: RefundStatus, detail: string | null): Promise<void> {
  await db.query('INSERT INTO refund_request_transitions (refund_request_id, from_status, to_status, detail) VALUES ($1, $2, $3, $4)', [
    id, from, to, detail?.slice(0, 1000) ?? null,
  ]);
}

/** The request as builders, the portal and events see it. */
export function toView(row: RefundRequestRow): RefundRequestView {
  return {
    id: row.id,
    email: row.email,
    domain: row.domain,
    kind: row.kind,
    status: row.status,
    feedback: { tried: row.tried, didNotWork: row.did_not_work, wouldBringBack: row.would_bring_back, category: row.category, rating: row.rating },
    creditsRequested: row.credits_requested,
    creditsRefunded: row.credits_refunded,
    moneyRefunded: row.money_refunded_minor !== null && row.currency !== null ? { amountMinor: row.money_refunded_minor, currency: row.currency } : null,
    lotId: row.lot_id,
    stripeRefundId: row.stripe_refund_id,
    reviewReason: row.review_reason,
    failureReason: ['rejected', 'compensating', 'compensated', 'denied'].includes(row.status) ? row.failure_reason : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

const eventSubjects: Record<RefundEventType, string> = {
  RefundRequested: RefundEventSubjects.refundRequested,
  RefundHeld: RefundEventSubjects.refundHeld,
  RefundCompleted: RefundEventSubjects.refundCompleted,
  RefundFailed: RefundEventSubjects.refundFailed,
  RefundDenied: RefundEventSubjects.refundDenied,
};

/** The outbox rows of refund events about `row` (as it is after the change they report). */
function outboxRows(row: RefundRequestRow, types: RefundEventType[]): { messageId: string; subject: string; payload: RefundEventV1; headers: Record<string, string> }[] {
  const request = toView(row);
  return types.map((type) => {
    const event: RefundEventV1 = { eventId: `${row.id}:${type}`, type, schemaVersion: 1, occurredAt: row.updated_at.toISOString(), request };
    return { messageId: event.eventId, subject: eventSubjects[type], payload: event, headers: withCorrelationHeader({ 'X-Event-Type': type }) ?? {} };
  });
}

/** Writes refund events to the outbox, in the transaction of the change they report. */
export async function publishEvents(db: Queryable, row: RefundRequestRow, types: RefundEventType[]): Promise<void> {
  await writeOutbox(db, outboxRows(row, types));
}
