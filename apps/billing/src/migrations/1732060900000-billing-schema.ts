import { MigrationInterface, QueryRunner } from 'typeorm';
import { inboxTableSql, outboxTableSql } from '@credit-hub/messaging';

/** NOTIFY channel of billing's outbox trigger; the relay LISTENs on it. */
export const billingOutboxChannel = 'billing_outbox';

/**
 * Billing's schema: the catalog (`domains`, `offerings`), the checkout sessions as sold,
 * the Stripe webhook inbox (`stripe_events`), the outbox to stream BILLING and the message inbox.
 * Money is integer minor units plus a lower-case ISO 4217 currency; credits are positive integers.
 */
export class BillingSchema1732060900000 implements MigrationInterface {
  name = 'BillingSchema1732060900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE domains (
         domain text PRIMARY KEY CHECK (domain ~ '^[a-z0-9.-]{1,253}$'),
         display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
         support_email text NOT NULL CHECK (length(support_email) BETWEEN 3 AND 254),
         checkout_message text NOT NULL CHECK (length(checkout_message) <= 1200),
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE offerings (
         domain text NOT NULL REFERENCES domains (domain),
         offering_id text NOT NULL CHECK (offering_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
         kind text NOT NULL CHECK (kind IN ('pack')),
         credits integer NOT NULL CHECK (credits > 0),
         amount_minor integer NOT NULL CHECK (amount_minor >= 0),
         currency char(3) NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
         scope_domain text NULL,
         active boolean NOT NULL DEFAULT true,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (domain, offering_id)
       )`,
      // What was sold, frozen at checkout: a later catalog change never alters these rows.
      `CREATE TABLE checkout_sessions (
         id text PRIMARY KEY CHECK (id LIKE 'cs\\_%'),
         domain text NOT NULL,
         offering_id text NOT NULL,
         email text NOT NULL CHECK (email = lower(btrim(email))),
         credits integer NOT NULL CHECK (credits > 0),
         amount_minor integer NOT NULL CHECK (amount_minor >= 0),
         currency char(3) NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
         scope_domain text NULL,
         status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
         created_at timestamptz NOT NULL DEFAULT now(),
         completed_at timestamptz NULL,
         CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
         FOREIGN KEY (domain, offering_id) REFERENCES offerings (domain, offering_id)
       )`,
      `CREATE INDEX checkout_sessions_email ON checkout_sessions (email, created_at)`,
      // The webhook inbox: one row per Stripe event id, written in the transaction of its effect.
      // outcome 'duplicate': a second event (other id) for a checkout session already credited.
      `CREATE TABLE stripe_events (
         stripe_event_id text PRIMARY KEY CHECK (stripe_event_id LIKE 'evt\\_%'),
         type text NOT NULL CHECK (length(type) BETWEEN 1 AND 200),
         outcome text NOT NULL CHECK (outcome IN ('processed', 'ignored', 'duplicate')),
         received_at timestamptz NOT NULL DEFAULT now()
       )`,
      ...outboxTableSql(billingOutboxChannel),
      ...inboxTableSql(),
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      'DROP TABLE IF EXISTS inbox',
      'DROP TABLE IF EXISTS outbox',
      'DROP FUNCTION IF EXISTS outbox_notify()',
      'DROP TABLE IF EXISTS stripe_events',
      'DROP TABLE IF EXISTS checkout_sessions',
      'DROP TABLE IF EXISTS offerings',
      'DROP TABLE IF EXISTS domains',
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }
}
