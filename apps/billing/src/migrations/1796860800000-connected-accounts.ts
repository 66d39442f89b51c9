import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe Connect: builders' own Stripe accounts.
 * - `connected_accounts`: one row per connected Stripe account (`acct_…`), its state from
 *   `account.updated` (`charges_enabled`, `details_submitted`, `requirements.currently_due`) and
 *   `account.application.deauthorized`, moved forward only (`last_event_created`); `version`
 *   counts the `connected-account-updated` messages published for it.
 * - `connected_account_domains`: the domains connected to an account (a domain to at most one),
 *   with the platform's per-domain terms: `application_fee_bps` (integer basis points) and
 *   `refund_application_fee` (whether money refunds give that fee back). `account_id` is null
 *   while the domain only has terms set and never connected; a disconnected account keeps its
 *   domains (their checkouts are refused until they connect again).
 * - `checkout_sessions`, `subscriptions` and `disputes` remember the account their Stripe objects
 *   live on (null: the platform's own account), and the fee taken on a pack.
 * - `stripe_events`: the inbox is keyed by (account, event id), the platform being account ''; a
 *   Connect event refused for crossing accounts is recorded with its reason (`refusal`).
 */
export class ConnectedAccounts1796860800000 implements MigrationInterface {
  name = 'ConnectedAccounts1796860800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE connected_accounts (
         account_id text PRIMARY KEY CHECK (account_id ~ '^acct_[A-Za-z0-9]{1,100}$'),
         status text NOT NULL CHECK (status IN ('onboarding', 'ready', 'restricted', 'disconnected')),
         charges_enabled boolean NOT NULL DEFAULT false,
         details_submitted boolean NOT NULL DEFAULT false,
         requirements jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(requirements) = 'array'),
         version integer NOT NULL DEFAULT 0 CHECK (version >= 0),
         last_event_created bigint NOT NULL DEFAULT 0,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE connected_account_domains (
         domain text PRIMARY KEY CHECK (domain ~ '^[a-z0-9.-]{1,253}$'),
         account_id text NULL REFERENCES connected_accounts (account_id),
         application_fee_bps integer NOT NULL CHECK (application_fee_bps BETWEEN 0 AND 10000),
         refund_application_fee boolean NOT NULL,
         connected_at timestamptz NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX connected_account_domains_account ON connected_account_domains (account_id) WHERE account_id IS NOT NULL`,
      `ALTER TABLE checkout_sessions
         ADD COLUMN connected_account_id text NULL,
         ADD COLUMN application_fee_minor integer NULL CHECK (application_fee_minor >= 0),
         ADD COLUMN application_fee_bps integer NULL CHECK (application_fee_bps BETWEEN 0 AND 10000)`,
      `ALTER TABLE subscriptions ADD COLUMN connected_account_id text NULL`,
      `ALTER TABLE disputes ADD COLUMN connected_account_id text NULL`,
      `ALTER TABLE charge_refunds ADD COLUMN connected_account_id text NULL`,
      `ALTER TABLE stripe_events ADD COLUMN account_id text NOT NULL DEFAULT '', ADD COLUMN refusal text NULL CHECK (length(refusal) <= 500)`,
      `ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_pkey`,
      `ALTER TABLE stripe_events ADD PRIMARY KEY (account_id, stripe_event_id)`,
      `CREATE INDEX stripe_events_id ON stripe_events (stripe_event_id)`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      'DROP INDEX IF EXISTS stripe_events_id',
      `DELETE FROM stripe_events WHERE account_id <> ''`,
      'ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_pkey',
      'ALTER TABLE stripe_events ADD PRIMARY KEY (stripe_event_id)',
      'ALTER TABLE stripe_events DROP COLUMN account_id, DROP COLUMN refusal',
      'ALTER TABLE charge_refunds DROP COLUMN IF EXISTS connected_account_id',
      'ALTER TABLE disputes DROP COLUMN IF EXISTS connected_account_id',
      'ALTER TABLE subscriptions DROP COLUMN IF EXISTS connected_account_id',
      'ALTER TABLE checkout_sessions DROP COLUMN IF EXISTS connected_account_id, DROP COLUMN IF EXISTS application_fee_minor, DROP COLUMN IF EXISTS application_fee_bps',
      'DROP TABLE IF EXISTS connected_account_domains',
      'DROP TABLE IF EXISTS connected_accounts',
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }
}
