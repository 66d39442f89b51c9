import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plans, subscriptions, disputes and external refunds.
 * - `offerings` sell plans too (interval, trial days, rollover) and may word their own checkout
 *   text; `domains` get a payment grace.
 * - `checkout_sessions` remember the mode, the plan terms and the text shown on the checkout
 *   page as sold (consent facts for dispute evidence), and the payment intent once paid.
 * - `subscriptions`: Stripe's subscriptions synced forward-only; `plan_grants`: one row per
 *   period whose credits billing asked the ledger to grant (the idempotency of those grants).
 * - `disputes` and `charge_refunds` (refunds seen on charges, ours or made in the dashboard).
 * Times Stripe decides (periods, trial end, grace) are on Stripe's clock, as timestamptz.
 */
export class SubscriptionsDisputes1732600000000 implements MigrationInterface {
  name = 'SubscriptionsDisputes1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `ALTER TABLE domains ADD COLUMN grace_days integer NOT NULL DEFAULT 3 CHECK (grace_days BETWEEN 0 AND 30)`,
      `ALTER TABLE offerings DROP CONSTRAINT offerings_kind_check`,
      `ALTER TABLE offerings ADD CONSTRAINT offerings_kind_check CHECK (kind IN ('pack', 'plan'))`,
      `ALTER TABLE offerings
         ADD COLUMN interval text NULL CHECK (interval IN ('month', 'year')),
         ADD COLUMN trial_days integer NULL CHECK (trial_days BETWEEN 0 AND 730),
         ADD COLUMN rollover boolean NULL,
         ADD COLUMN checkout_message text NULL CHECK (length(checkout_message) BETWEEN 1 AND 1200),
         ADD CONSTRAINT offerings_plan_terms CHECK ((kind = 'plan') = (interval IS NOT NULL AND trial_days IS NOT NULL AND rollover IS NOT NULL))`,
      `ALTER TABLE checkout_sessions
         ADD COLUMN mode text NOT NULL DEFAULT 'payment' CHECK (mode IN ('payment', 'subscription')),
         ADD COLUMN interval text NULL CHECK (interval IN ('month', 'year')),
         ADD COLUMN trial_days integer NULL,
         ADD COLUMN rollover boolean NULL,
         ADD COLUMN checkout_message text NULL,
         ADD COLUMN payment_intent_id text NULL,
         ADD COLUMN subscription_id text NULL,
         ADD COLUMN customer_id text NULL`,
      `CREATE INDEX checkout_sessions_payment_intent ON checkout_sessions (payment_intent_id) WHERE payment_intent_id IS NOT NULL`,
      `CREATE INDEX checkout_sessions_subscription ON checkout_sessions (subscription_id) WHERE subscription_id IS NOT NULL`,
      // Stripe customer ↔ our customer (email): the portal is minted for the email's own customers only.
      `CREATE TABLE stripe_customers (
         customer_id text PRIMARY KEY CHECK (customer_id LIKE 'cus\\_%'),
         email text NOT NULL CHECK (email = lower(btrim(email))),
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX stripe_customers_email ON stripe_customers (email)`,
      `CREATE TABLE subscriptions (
         id text PRIMARY KEY CHECK (id LIKE 'sub\\_%'),
         customer_id text NOT NULL,
         email text NOT NULL CHECK (email = lower(btrim(email))),
         domain text NOT NULL,
         offering_id text NOT NULL,
         credits_per_period integer NOT NULL CHECK (credits_per_period > 0),
         rollover boolean NOT NULL,
         amount_minor integer NOT NULL CHECK (amount_minor >= 0),
         currency char(3) NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
         interval text NOT NULL,
         checkout_session_id text NULL,
         status text NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused')),
         status_rank integer NOT NULL,
         trial_start timestamptz NULL,
         trial_end timestamptz NULL,
         current_period_start timestamptz NULL,
         current_period_end timestamptz NULL,
         cancel_at_period_end boolean NOT NULL DEFAULT false,
         ended_at timestamptz NULL,
         grace_ends_at timestamptz NULL,
         plan_credits_blocked boolean NOT NULL DEFAULT false,
         trial_will_end_at timestamptz NULL,
         last_event_created bigint NOT NULL DEFAULT 0,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX subscriptions_customer ON subscriptions (email, domain, created_at)`,
      `CREATE INDEX subscriptions_grace ON subscriptions (grace_ends_at) WHERE grace_ends_at IS NOT NULL AND NOT plan_credits_blocked`,
      `CREATE TABLE plan_grants (
         grant_id text PRIMARY KEY,
         subscription_id text NOT NULL REFERENCES subscriptions (id),
         invoice_id text NULL,
         period_start timestamptz NOT NULL,
         period_end timestamptz NOT NULL,
         credits integer NOT NULL CHECK (credits > 0),
         expires_at timestamptz NULL,
         reason text NOT NULL CHECK (reason IN ('trial', 'first_period', 'renewal', 'grace')),
         stripe_event_id text NOT NULL,
         granted_at timestamptz NOT NULL DEFAULT now(),
         CHECK (period_end > period_start)
       )`,
      `CREATE INDEX plan_grants_subscription ON plan_grants (subscription_id, period_start)`,
      `CREATE TABLE disputes (
         id text PRIMARY KEY CHECK (id LIKE 'du\\_%'),
         charge_id text NOT NULL,
         payment_intent_id text NULL,
         email text NOT NULL CHECK (email = lower(btrim(email))),
         domain text NOT NULL,
         amount_minor integer NOT NULL CHECK (amount_minor >= 0),
         currency char(3) NOT NULL,
         reason text NOT NULL,
         status text NOT NULL,
         stripe_created timestamptz NOT NULL,
         opened_published boolean NOT NULL DEFAULT false,
         outcome text NULL CHECK (outcome IN ('won', 'lost')),
         closed_at timestamptz NULL,
         evidence_status text NOT NULL DEFAULT 'pending' CHECK (evidence_status IN ('pending', 'staged', 'skipped', 'failed')),
         evidence_attempts integer NOT NULL DEFAULT 0,
         evidence_error text NULL,
         evidence_next_attempt_at timestamptz NOT NULL DEFAULT now(),
         last_event_created bigint NOT NULL DEFAULT 0,
         created_at timestamptz NOT NULL DEFAULT now(),
         CHECK ((outcome IS NULL) = (closed_at IS NULL))
       )`,
      `CREATE INDEX disputes_customer ON disputes (email, stripe_created)`,
      `CREATE INDEX disputes_evidence_due ON disputes (evidence_next_attempt_at) WHERE evidence_status = 'pending'`,
      `CREATE TABLE charge_refunds (
         refund_id text PRIMARY KEY CHECK (refund_id LIKE 're\\_%'),
         charge_id text NOT NULL,
         payment_intent_id text NULL,
         amount_minor integer NOT NULL CHECK (amount_minor > 0),
         currency char(3) NOT NULL,
         origin text NOT NULL CHECK (origin IN ('ours', 'external')),
         refund_request_id text NULL,
         stripe_event_id text NOT NULL,
         recorded_at timestamptz NOT NULL DEFAULT now(),
         CHECK ((origin = 'ours') = (refund_request_id IS NOT NULL))
       )`,
      // Where an event came from (a delivery, or reconciliation) and Stripe's created time.
      `ALTER TABLE stripe_events
         ADD COLUMN source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'reconcile')),
         ADD COLUMN stripe_created bigint NULL`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      'ALTER TABLE stripe_events DROP COLUMN source, DROP COLUMN stripe_created',
      'DROP TABLE IF EXISTS charge_refunds',
      'DROP TABLE IF EXISTS disputes',
      'DROP TABLE IF EXISTS plan_grants',
      'DROP TABLE IF EXISTS subscriptions',
      'DROP TABLE IF EXISTS stripe_customers',
      'DROP INDEX IF EXISTS checkout_sessions_subscription',
      'DROP INDEX IF EXISTS checkout_sessions_payment_intent',
      `ALTER TABLE checkout_sessions DROP COLUMN mode, DROP COLUMN interval, DROP COLUMN trial_days, DROP COLUMN rollover,
         DROP COLUMN checkout_message, DROP COLUMN payment_intent_id, DROP COLUMN subscription_id, DROP COLUMN customer_id`,
      `ALTER TABLE offerings DROP CONSTRAINT offerings_plan_terms, DROP COLUMN interval, DROP COLUMN trial_days, DROP COLUMN rollover, DROP COLUMN checkout_message`,
      `ALTER TABLE offerings DROP CONSTRAINT offerings_kind_check`,
      `ALTER TABLE offerings ADD CONSTRAINT offerings_kind_check CHECK (kind IN ('pack'))`,
      'ALTER TABLE domains DROP COLUMN grace_days',
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }
}
