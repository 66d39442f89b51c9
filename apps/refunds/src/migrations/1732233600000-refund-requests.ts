import { outboxTableSql } from '@credit-hub/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** NOTIFY channel of the refunds outbox trigger; the relay LISTENs on it. */
export const refundsOutboxChannel = 'refunds_outbox';

const statuses = `'requested', 'held', 'credits_removed', 'stripe_refunded', 'compensating', 'completed', 'compensated', 'rejected', 'denied'`;
const categories = `'quality', 'speed', 'price', 'bug', 'missing_feature', 'other'`;

/**
 * Refund requests with their feedback, which are also the saga state (`status` is the step;
 * `lease_until` says which driver owns it; `next_attempt_at` when a retry is due), the
 * consumptions each credit refund takes (reserved while in flight, actual once the ledger
 * answered), a log of every transition, and the outbox to stream REFUNDS.
 */
export class RefundRequests1732233600000 implements MigrationInterface {
  name = 'RefundRequests1732233600000';

  async up(runner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE refund_requests (
         id uuid PRIMARY KEY,
         email text NOT NULL CHECK (email = lower(btrim(email))),
         domain text NOT NULL,
         request_key text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
         kind text NOT NULL CHECK (kind IN ('credits', 'money')),
         status text NOT NULL CHECK (status IN (${statuses})),
         tried text NOT NULL CHECK (length(tried) BETWEEN 1 AND 2000),
         did_not_work text NOT NULL CHECK (length(did_not_work) BETWEEN 1 AND 2000),
         would_bring_back text NOT NULL CHECK (length(would_bring_back) BETWEEN 1 AND 2000),
         category text NOT NULL CHECK (category IN (${categories})),
         rating int NULL CHECK (rating BETWEEN 1 AND 5),
         credits_requested int NOT NULL CHECK (credits_requested >= 0),
         credits_refunded int NOT NULL DEFAULT 0 CHECK (credits_refunded >= 0),
         lot_id text NULL,
         amount_minor int NULL CHECK (amount_minor >= 0),
         currency text NULL CHECK (currency ~ '^[a-z]{3}$'),
         payment_intent_id text NULL,
         money_refunded_minor int NULL CHECK (money_refunded_minor >= 0),
         stripe_refund_id text NULL,
         review_reason text NULL,
         failure_reason text NULL,
         -- Why the saga last had to wait (a service did not answer); for operators, never shown to customers.
         last_error text NULL,
         attempts int NOT NULL DEFAULT 0,
         lease_until timestamptz NULL,
         next_attempt_at timestamptz NOT NULL DEFAULT now(),
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         completed_at timestamptz NULL,
         UNIQUE (email, domain, request_key),
         CHECK ((kind = 'money') = (lot_id IS NOT NULL))
       )`,
      // The builder's list: newest first per domain (keyset pagination on created_at, id).
      `CREATE INDEX refund_requests_domain_created ON refund_requests (domain, created_at DESC, id DESC)`,
      // The per-window limit and review thresholds of one customer on one domain.
      `CREATE INDEX refund_requests_customer ON refund_requests (email, domain, created_at)`,
      // The resumer's work: unfinished sagas.
      `CREATE INDEX refund_requests_unfinished ON refund_requests (next_attempt_at)
         WHERE status IN ('requested', 'credits_removed', 'stripe_refunded', 'compensating')`,
      `CREATE TABLE refund_request_items (
         refund_request_id uuid NOT NULL REFERENCES refund_requests (id),
         consumption_event_id uuid NOT NULL REFERENCES refundable_consumptions (event_id),
         credits int NOT NULL CHECK (credits >= 0),
         PRIMARY KEY (refund_request_id, consumption_event_id)
       )`,
      `CREATE INDEX refund_request_items_consumption ON refund_request_items (consumption_event_id)`,
      `CREATE TABLE refund_request_transitions (
         id bigserial PRIMARY KEY,
         refund_request_id uuid NOT NULL REFERENCES refund_requests (id),
         from_status text NULL,
         to_status text NOT NULL,
         detail text NULL,
         at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
      `CREATE INDEX refund_request_transitions_request ON refund_request_transitions (refund_request_id, id)`,
      // What the ledger refunded per refund request, from its ConsumptionRefunded events (LEDGER).
      `CREATE TABLE ledger_consumption_refunds (
         event_id uuid PRIMARY KEY,
         refund_request_id text NOT NULL,
         consumption_event_id uuid NOT NULL,
         domain text NOT NULL,
         reference_id text NOT NULL,
         credits int NOT NULL CHECK (credits > 0),
         refunded_at timestamptz NOT NULL
       )`,
      `CREATE INDEX ledger_consumption_refunds_request ON ledger_consumption_refunds (refund_request_id)`,
      // The ledger's answer names consumptions by (domain, referenceId).
      `CREATE INDEX refundable_consumptions_reference ON refundable_consumptions (domain, reference_id)`,
      ...outboxTableSql(refundsOutboxChannel),
    ];
    for (const statement of statements) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const statements = [
      'DROP TABLE IF EXISTS outbox',
      'DROP FUNCTION IF EXISTS outbox_notify()',
      'DROP INDEX IF EXISTS refundable_consumptions_reference',
      'DROP TABLE IF EXISTS ledger_consumption_refunds',
      'DROP TABLE IF EXISTS refund_request_transitions',
      'DROP TABLE IF EXISTS refund_request_items',
      'DROP TABLE IF EXISTS refund_requests',
    ];
    for (const statement of statements) await runner.query(statement);
  }
}
