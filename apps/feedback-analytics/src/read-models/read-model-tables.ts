/**
 * The read models: projections of streams LEDGER, BILLING and REFUNDS, each fed by its own
 * durable consumer (`analytics-rm-ledger`, `analytics-rm-billing`, `analytics-rm-refunds`; inbox
 * names alike). Table names are unqualified so the rebuild can project into a shadow schema
 * (search_path). Every projection is order-independent across streams (upserts of separate
 * columns, LEAST/COALESCE), so the rebuild equals the live result whatever the interleaving.
 */
export const readModelTables: { name: string; columns: string; key: string }[] = [
  // Lots (lot id → seller domain, kind, initial credits and price): revenue and lot-only events.
  { name: 'rm_lots', columns: `lot_id text NOT NULL, domain text NOT NULL, kind text NOT NULL, credits bigint NOT NULL, amount_minor bigint NOT NULL, currency text NOT NULL`, key: 'lot_id' },
  // Credits per domain, UTC day, kind, action type ('' when the kind has none).
  { name: 'rm_credits_daily', columns: `domain text NOT NULL, day date NOT NULL, kind text NOT NULL, action_type text NOT NULL, credits bigint NOT NULL, events bigint NOT NULL`, key: 'domain, day, kind, action_type' },
  // Revenue per domain, UTC day, currency (minor units): recognised on consumption, and pack sales
  // (gross paid, the platform's Stripe Connect application fee) on the day of payment.
  {
    name: 'rm_revenue_daily',
    columns: `domain text NOT NULL, day date NOT NULL, currency text NOT NULL, recognised_minor bigint NOT NULL, reversed_minor bigint NOT NULL, refunded_minor bigint NOT NULL,
              gross_minor bigint NOT NULL DEFAULT 0, platform_fee_minor bigint NOT NULL DEFAULT 0`,
    key: 'domain, day, currency',
  },
  // Checkout sessions: created (BILLING) and completed (LEDGER CreditsPurchased), whichever arrives first.
  { name: 'rm_checkouts', columns: `checkout_session_id text NOT NULL, domain text NOT NULL, created_at timestamptz, completed_at timestamptz`, key: 'checkout_session_id' },
  // Subscriptions that started with a trial, and when they first became active (paid) after it.
  { name: 'rm_trials', columns: `subscription_id text NOT NULL, domain text NOT NULL, trial_started_at timestamptz, converted_at timestamptz`, key: 'subscription_id' },
  // Days a customer consumed or bought on a domain ("came back" after a refund).
  { name: 'rm_activity', columns: `email text NOT NULL, domain text NOT NULL, day date NOT NULL`, key: 'email, domain, day' },
  // Refund requests (latest snapshot from REFUNDS) with their feedback.
  {
    name: 'rm_refunds',
    columns: `refund_request_id text NOT NULL, domain text NOT NULL, email text NOT NULL, kind text NOT NULL, status text NOT NULL,
              category text NOT NULL, rating int, tried text NOT NULL, did_not_work text NOT NULL, would_bring_back text NOT NULL,
              credits_refunded bigint NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL`,
    key: 'refund_request_id',
  },
  // Consumption events (ledger event id → action type), so a ConsumptionRefunded counts under the action type it refunds.
  { name: 'rm_consumptions', columns: `event_id text NOT NULL, domain text NOT NULL, action_type text NOT NULL`, key: 'event_id' },
  // Money refunds of purchases (PurchaseRefunded), so a PurchaseRefundReverted (which carries no amount) takes back exactly that amount.
  {
    name: 'rm_purchase_refunds',
    columns: `lot_id text NOT NULL, refund_request_id text NOT NULL, domain text NOT NULL, day date NOT NULL, currency text NOT NULL,
              amount_minor bigint NOT NULL, reverted boolean NOT NULL`,
    key: 'lot_id, refund_request_id',
  },
  // Disputes and payment failures per domain and UTC day.
  { name: 'rm_billing_daily', columns: `domain text NOT NULL, day date NOT NULL, kind text NOT NULL, events bigint NOT NULL`, key: 'domain, day, kind' },
];

/** CREATE TABLE statements (plus the feedback full-text index) for the read models. */
export function readModelTablesSql(): string[] {
  return [
    ...readModelTables.map((table) => `CREATE TABLE ${table.name} (${table.columns}, PRIMARY KEY (${table.key}))`),
    `CREATE INDEX rm_refunds_domain_created ON rm_refunds (domain, created_at DESC)`,
    `CREATE INDEX rm_refunds_feedback_fts ON rm_refunds USING gin (to_tsvector('simple', tried || ' ' || did_not_work || ' ' || would_bring_back))`,
  ];
}
